package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TamperingRelay;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real daemon (-x) as an authenticated client of chronyd 4.3 (-x, without CAP_SYS_TIME) on loopback: with each
 * kind of symmetric key (MD5, SHA1, AES128, SHA256) it selects chronyd, and a source whose key chronyd holds with
 * another secret is never reachable (chronyd does not answer it), and one whose replies a relay alters (the MAC's last
 * byte flipped) is never reachable either, its replies refused and counted in {@code jntpc authdata}.
 */
class JntpdAuthClientTest {
    private static Path chronyd;
    private Path dir;
    private Process chrony;

    @BeforeAll
    static void needsChrony() {
        chronyd = ExternalProgram.find("chronyd").orElse(null);
        assumeTrue(chronyd != null, "chronyd is not installed (package chrony)");
    }

    @BeforeEach
    void folder() throws IOException {
        dir = Files.createTempDirectory("jntpd-authclient");
        ChronyAuthClientTest.copyResource("/org/jntpd/auth/chrony.keys", dir.resolve("chrony.keys"));
    }

    @AfterEach
    void cleanUp() {
        if (chrony != null) {
            ExternalProgram.kill(chrony);
        }
        TestFiles.deleteTree(dir);
    }

    /** chronyd serving its clock at stratum 1 on every loopback address at a free port, plus {@code lines}. */
    private int startChronyd(List<String> lines) throws IOException {
        int port = JntpdProcess.freePort("127.0.0.1");
        List<String> all = new ArrayList<>(List.of("local stratum 1", "allow 127.0.0.0/8", "port " + port, "cmdport 0",
                "bindcmdaddress /", "pidfile " + dir.resolve("chronyd.pid")));
        all.addAll(lines);
        Path conf = dir.resolve("chronyd.conf");
        Files.write(conf, all);
        chrony = new ProcessBuilder(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile()).start();
        return port;
    }

    private String chronydLog() {
        return TestFiles.readOrExplain(dir.resolve("chronyd.log"));
    }

    /** The reach column of {@code name}'s line in jntpc sources, or -1. */
    static int reach(String sources, String name) {
        Matcher m = Pattern.compile("(?m)^\\S\\S (" + Pattern.quote(name) + ")\\s+\\d+\\s+-?\\d+\\s+(\\d+)\\s").matcher(sources);
        return m.find() ? Integer.parseInt(m.group(2), 8) : -1;
    }

    static boolean selected(String sources, String name) {
        return Pattern.compile("(?m)^\\^\\* " + Pattern.quote(name) + "\\s").matcher(sources).find();
    }

    @Test
    void shouldSelectChronydWithEveryKindOfKeyAndRefuseAWrongKey() throws Exception {
        // Key 5: one secret in chronyd's file, another in jntpd's: chronyd cannot verify our requests nor we its replies.
        List<String> keys = Files.readAllLines(dir.resolve("chrony.keys"));
        Path serverKeys = dir.resolve("server.keys");
        Path clientKeys = dir.resolve("client.keys");
        Files.write(serverKeys, append(keys, "5 MD5 HEX:00112233445566778899aabbccddeeff"));
        Files.write(clientKeys, append(keys, "5 MD5 HEX:ffeeddccbbaa99887766554433221100"));
        int port = startChronyd(List.of("keyfile " + serverKeys));
        List<String> config = new ArrayList<>(List.of("keyfile " + clientKeys, "controlsocket " + dir.resolve("control.sock")));
        for (int k = 1; k <= 5; k++) {
            config.add("server 127.0.0." + k + " port " + port + " key " + k + " iburst minpoll -2 maxpoll -2");
        }
        // chronyd does not answer a MAC it cannot verify; the relay shows what happens to a reply whose MAC is wrong.
        try (TamperingRelay relay = new TamperingRelay("127.0.0.6", new InetSocketAddress("127.0.0.1", port), length -> length - 1)) {
            config.add("server 127.0.0.6 port " + relay.port() + " key 1 iburst minpoll -2 maxpoll -2");
            run(config, relay);
        }
    }

    private void run(List<String> config, TamperingRelay relay) throws Exception {
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).config(config.toArray(String[]::new)).start()) {
            String sources = "";
            String authdata = "";
            long deadline = System.nanoTime() + 40_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                Thread.sleep(500);
                assertTrue(chrony.isAlive(), () -> "chronyd exited:\n" + chronydLog());
                sources = jntpd.jntpc("sources");
                authdata = jntpd.jntpc("authdata");
                if (sources.contains("^*") && allReached(sources, 4) && refused(authdata, "127.0.0.6") > 0) {
                    break;
                }
            }
            String where = "\n--- sources\n" + sources + "\n--- authdata\n" + authdata + "\n--- chronyd\n" + chronydLog()
                    + "\n--- jntpd\n" + jntpd.log();
            assertTrue(allReached(sources, 4), "keys 1-4 (MD5, SHA1, AES128, SHA256) reach chronyd" + where);
            assertTrue(sources.contains("^*"), "one of them selected" + where);
            for (int k = 1; k <= 4; k++) {
                assertTrue(authenticated("127.0.0." + k, authdata) > 0, "key " + k + " authenticated" + where);
                assertEquals(0, refused(authdata, "127.0.0." + k), "nothing of key " + k + " refused" + where);
            }
            assertEquals(0, reach(sources, "127.0.0.5"), "the wrong key's source never reached" + where);
            assertEquals(0, authenticated("127.0.0.5", authdata), where);
            assertEquals(0, refused(authdata, "127.0.0.5"), "chronyd does not answer what it cannot verify" + where);
            assertTrue(relay.tampered() > 0, where);
            assertEquals(0, reach(sources, "127.0.0.6"), "the source whose replies are altered never reached" + where);
            assertEquals(0, authenticated("127.0.0.6", authdata), where);
            assertTrue(refused(authdata, "127.0.0.6") > 0, "the altered replies refused and counted" + where);
            assertTrue(authdata.matches("(?s).*client 127\\.0\\.0\\.6: .*\\(last: bad MAC\\).*"), where);
        }
    }

    private static boolean allReached(String sources, int n) {
        for (int k = 1; k <= n; k++) {
            if (reach(sources, "127.0.0." + k) <= 0) {
                return false;
            }
        }
        return true;
    }

    static long authenticated(String name, String authdata) {
        return counter(authdata, name, "authenticated");
    }

    static long refused(String authdata, String name) {
        return counter(authdata, name, "refused");
    }

    static long counter(String authdata, String name, String counter) {
        Matcher m = Pattern.compile("(?m)^client " + Pattern.quote(name) + ":.*?, " + counter + " (\\d+)").matcher(authdata);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static List<String> append(List<String> lines, String line) {
        List<String> all = new ArrayList<>(lines);
        all.add(line);
        return all;
    }
}
