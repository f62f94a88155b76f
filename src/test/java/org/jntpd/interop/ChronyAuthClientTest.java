package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.testing.ChronyCommandDir;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * chronyd 4.3 (-x, without CAP_SYS_TIME) as an authenticated client of the real daemon on loopback: over NTS (its
 * NTS-KE with our KE server, then interleaved NTP with our cookies: {@code chronyc -N authdata} shows NTS with
 * cookies, {@code ntpdata} "Authenticated: Yes" and "Interleaved: Yes", the source selected), and with each kind of
 * symmetric key (MD5, SHA1, AES128 and SHA256, one source per key); a client with a wrong key is never answered and
 * the daemon counts why.
 */
class ChronyAuthClientTest {
    private static Path chronyd;
    private static Path chronyc;
    private Path dir;
    private Process chrony;

    @BeforeAll
    static void needsChrony() {
        chronyd = ExternalProgram.find("chronyd").orElse(null);
        chronyc = ExternalProgram.find("chronyc").orElse(null);
        assumeTrue(chronyd != null && chronyc != null, "chrony is not installed (chronyd, chronyc)");
        assumeTrue(ExternalProgram.isRoot(), "chronyd's command socket folder must be given to _chrony (needs root)");
    }

    @BeforeEach
    void folder() throws IOException {
        dir = Files.createTempDirectory("jntpd-authclient");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // chronyd runs as _chrony
        for (String f : List.of("server.crt", "server.key")) {
            copyResource("/org/jntpd/nts/" + f, dir.resolve(f));
        }
        copyResource("/org/jntpd/auth/chrony.keys", dir.resolve("chrony.keys"));
    }

    static void copyResource(String name, Path to) throws IOException {
        try (var in = ChronyAuthClientTest.class.getResourceAsStream(name)) {
            Files.copy(in, to);
        }
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterEach
    void cleanUp() {
        if (chrony != null) {
            ExternalProgram.kill(chrony);
        }
        TestFiles.deleteTree(dir);
    }

    private Path startChronyd(List<String> lines) throws IOException {
        Path sockDir = ChronyCommandDir.create(dir, "run");
        Path socket = sockDir.resolve("chronyd.sock");
        List<String> all = new ArrayList<>(lines);
        all.addAll(List.of("port 0", "cmdport 0", "bindcmdaddress " + socket, "pidfile " + sockDir.resolve("chronyd.pid"),
                "driftfile " + dir.resolve("drift")));
        Path conf = dir.resolve("chronyd.conf");
        Files.write(conf, all);
        chrony = new ProcessBuilder(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile()).start();
        return socket;
    }

    private String chronydLog() {
        return TestFiles.readOrExplain(dir.resolve("chronyd.log"));
    }

    static boolean selected(String sources, String address) {
        return Pattern.compile("(?m)^\\^\\*\\s+" + Pattern.quote(address) + "\\b").matcher(sources).find();
    }

    @Test
    void shouldServeChronydOverNtsInterleavedAndBeSelected() throws Exception {
        int kePort = JntpdProcess.freeTcpPort();
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).config("local stratum 2",
                "ntsservercert " + dir.resolve("server.crt"), "ntsserverkey " + dir.resolve("server.key"),
                "ntsport " + kePort, "ntsdumpdir " + dir.resolve("jntpd-nts"), "controlsocket " + dir.resolve("control.sock")).start()) {
            Path socket = startChronyd(List.of(
                    "server 127.0.0.1 nts ntsport " + kePort + " iburst xleave minpoll -3 maxpoll -3",
                    "ntstrustedcerts " + dir.resolve("server.crt"), "ntsdumpdir " + dir.resolve("chrony-nts")));
            String authdata = "";
            String ntpdata = "";
            String sources = "";
            long deadline = System.nanoTime() + 40_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                Thread.sleep(1000);
                assertTrue(chrony.isAlive(), () -> "chronyd exited:\n" + chronydLog());
                authdata = ChronyCommandDir.chronyc(socket, "-N", "authdata");
                ntpdata = ChronyCommandDir.chronyc(socket, "ntpdata");
                sources = ChronyCommandDir.chronyc(socket, "-n", "sources");
                if (ntpdata.matches("(?s).*Authenticated\\s*: Yes.*") && ntpdata.matches("(?s).*Interleaved\\s*: Yes.*")
                        && selected(sources, "127.0.0.1")) {
                    break;
                }
            }
            String jntpc = jntpd.jntpc("authdata");
            String where = "\n--- authdata\n" + authdata + "\n--- ntpdata\n" + ntpdata + "\n--- sources\n" + sources
                    + "\n--- chronyd\n" + chronydLog() + "\n--- jntpc authdata\n" + jntpc + "\n--- jntpd\n" + jntpd.log();
            Matcher row = Pattern.compile("(?m)^127\\.0\\.0\\.1\\s+NTS\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+\\S+\\s+\\d+\\s+(\\d+)"
                    + "\\s+(\\d+)\\s+(\\d+)").matcher(authdata);
            assertTrue(row.find(), "an NTS row in chronyc -N authdata" + where);
            assertEquals("15", row.group(2), "AEAD 15" + where);
            assertEquals("0", row.group(4), "no NAK" + where);
            assertTrue(Integer.parseInt(row.group(5)) >= 1, "cookies held" + where);
            assertEquals("104", row.group(6), "our cookie length" + where);
            assertTrue(ntpdata.matches("(?s).*Authenticated\\s*: Yes.*"), where);
            assertTrue(ntpdata.matches("(?s).*Interleaved\\s*: Yes.*"), "interleaved mode over NTS" + where);
            assertTrue(ntpdata.matches("(?s).*Remote port\\s*: " + jntpd.port() + "\\b.*"), "NTP port from our KE" + where);
            assertTrue(selected(sources, "127.0.0.1"), "selected" + where);
            assertTrue(jntpc.matches("(?s).*ke served\\s*: [1-9].*"), where);
            assertTrue(jntpc.matches("(?s).*nts replied\\s*: [1-9].*"), where);
            assertTrue(jntpc.matches("(?s).*certificate expires: .*"), where);
        }
    }

    @Test
    void shouldServeChronydsKeyedRequestsWithEveryKindOfKeyAndIgnoreAWrongKey() throws Exception {
        // Key 5 is key 1 with another secret in chronyd's file only: chronyd uses it, jntpd's file says otherwise.
        Path clientKeys = dir.resolve("client.keys");
        List<String> keys = new ArrayList<>(Files.readAllLines(dir.resolve("chrony.keys")));
        Files.write(dir.resolve("chrony.keys"), append(keys, "5 MD5 HEX:00112233445566778899aabbccddeeff"));
        Files.write(clientKeys, append(keys, "5 MD5 HEX:ffeeddccbbaa99887766554433221100"));
        Files.setPosixFilePermissions(clientKeys, PosixFilePermissions.fromString("rw-r--r--"));
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).bindAddress(null).config("local stratum 2",
                "keyfile " + dir.resolve("chrony.keys"), "controlsocket " + dir.resolve("control.sock")).start()) {
            List<String> lines = new ArrayList<>();
            for (int k = 1; k <= 5; k++) {
                lines.add("server 127.0.0." + k + " port " + jntpd.port() + " key " + k + " iburst minpoll -3 maxpoll -3");
            }
            lines.add("keyfile " + clientKeys);
            Path socket = startChronyd(lines);
            String ntpdata = "";
            String sources = "";
            long deadline = System.nanoTime() + 40_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                Thread.sleep(1000);
                assertTrue(chrony.isAlive(), () -> "chronyd exited:\n" + chronydLog());
                ntpdata = ChronyCommandDir.chronyc(socket, "ntpdata");
                sources = ChronyCommandDir.chronyc(socket, "-n", "sources");
                if (count(ntpdata, "Authenticated\\s*: Yes") == 4 && sources.matches("(?s).*\\^\\*.*")) {
                    break;
                }
            }
            String jntpc = jntpd.jntpc("authdata");
            String where = "\n--- ntpdata\n" + ntpdata + "\n--- sources\n" + sources + "\n--- chronyd\n" + chronydLog()
                    + "\n--- jntpc authdata\n" + jntpc;
            for (int k = 1; k <= 4; k++) {
                Matcher m = Pattern.compile("(?s)Remote address\\s*: 127\\.0\\.0\\." + k + " .*?Authenticated\\s*: Yes")
                        .matcher(ntpdata);
                assertTrue(m.find(), "key " + k + " authenticated" + where);
            }
            assertEquals(4, count(ntpdata, "Authenticated\\s*: Yes"), where);
            assertTrue(sources.matches("(?s).*\\^\\*.*"), "one of them selected" + where);
            assertTrue(Pattern.compile("(?m)^\\^\\?\\s+127\\.0\\.0\\.5\\b").matcher(sources).find(),
                    "the wrong key's source never answered" + where);
            assertTrue(jntpc.matches("(?s).*mac replied\\s*: [1-9].*"), where);
            assertTrue(jntpc.matches("(?s).*refused mac bad\\s*: [1-9].*"), "the wrong key counted" + where);
        }
    }

    private static List<String> append(List<String> lines, String line) {
        List<String> all = new ArrayList<>(lines);
        all.add(line);
        return all;
    }

    static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
