package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NetNamespace;
import org.jntpd.testing.Ntpsec;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NTPsec 1.2.2's ntpd (unpacked, in a network namespace of its own, without CAP_SYS_TIME) as an authenticated client
 * of the real daemon: over NTS (its NTS-KE with our KE server, by name: NTPsec matches certificate names, not
 * addresses) and with symmetric keys (MD5, SHA1, AES-128). {@code ntpq -c associations} must show each association
 * authenticated ("ok") and one of them as the system peer; a key that differs is never answered.
 */
class NtpsecAuthClientTest {
    private NetNamespace ns;
    private Path dir;
    private Process ntpd;

    @BeforeAll
    static void needsNamespaces() {
        assumeTrue(NetNamespace.available(), "network namespaces need root and iproute2");
    }

    @BeforeEach
    void setUp() throws Exception {
        Ntpsec.root(); // skips with the reason when NTPsec cannot be fetched
        ns = NetNamespace.create();
        dir = Files.createTempDirectory("jntpd-ntpsec-client");
        for (String f : List.of("server.crt", "server.key")) {
            ChronyAuthClientTest.copyResource("/org/jntpd/nts/" + f, dir.resolve(f));
        }
        ChronyAuthClientTest.copyResource("/org/jntpd/auth/ntp.keys", dir.resolve("ntp.keys"));
    }

    @AfterEach
    void tearDown() {
        if (ntpd != null) {
            ExternalProgram.kill(ntpd);
        }
        if (ns != null) {
            ns.close();
        }
        TestFiles.deleteTree(dir);
    }

    private void startNtpd(List<String> lines) throws Exception {
        Path conf = dir.resolve("ntp.conf");
        List<String> all = new java.util.ArrayList<>(List.of(
                "interface ignore wildcard", "interface ignore all", "interface listen 127.0.0.1",
                "driftfile " + dir.resolve("ntp.drift"), "disable kernel", "restrict default kod limited nomodify",
                "restrict 127.0.0.1"));
        all.addAll(lines);
        Files.write(conf, all);
        ntpd = new ProcessBuilder(Ntpsec.ntpd(ns, conf, dir.resolve("ntpd.log"))).redirectErrorStream(true)
                .redirectOutput(dir.resolve("ntpd.out").toFile()).start();
    }

    private String ntpdLog() {
        return TestFiles.readOrExplain(dir.resolve("ntpd.log")) + TestFiles.readOrExplain(dir.resolve("ntpd.out"));
    }

    /** Rows of {@code ntpq -c associations} that are authenticated ("ok"), and whether one is the system peer. */
    private String waitForAssociations(int authenticated, long timeoutMs) throws Exception {
        String as = "";
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() - deadline < 0) {
            Thread.sleep(1000);
            assertTrue(ntpd.isAlive(), () -> "ntpd exited:\n" + ntpdLog());
            as = Ntpsec.ntpq(ns, "-n", "-c", "associations", "-c", "peers");
            if (ChronyAuthClientTest.count(as, "\\bok\\b.*sys\\.peer|\\bok\\b\\s+sys_peer") >= 1
                    && ChronyAuthClientTest.count(as, "\\byes\\s+ok\\b|\\bok\\s+\\S*peer|\\bok\\s+candidate") >= authenticated) {
                break;
            }
        }
        return as;
    }

    @Test
    void shouldServeNtpsecOverNtsAndBeItsSystemPeer() throws Exception {
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).commandPrefix(ns.exec().toArray(String[]::new))
                .port(11123).config("local stratum 2", "ntsservercert " + dir.resolve("server.crt"),
                        "ntsserverkey " + dir.resolve("server.key"), "ntsport 14460",
                        "controlsocket " + dir.resolve("control.sock")).start()) {
            startNtpd(List.of("server localhost:14460 nts ca " + dir.resolve("server.crt") + " iburst minpoll 3 maxpoll 3"));
            String as = waitForAssociations(1, 60_000);
            String where = "\n--- ntpq\n" + as + "\n--- ntpd\n" + ntpdLog() + "\n--- jntpc authdata\n"
                    + jntpd.jntpc("authdata") + "\n--- jntpd\n" + jntpd.log();
            assertTrue(Pattern.compile("(?m)\\bok\\b.*sys\\.peer").matcher(as).find(), "authenticated system peer" + where);
            assertTrue(Pattern.compile("(?m)^\\*127\\.0\\.0\\.1").matcher(as).find(), "selected ('*')" + where);
            String jntpc = jntpd.jntpc("authdata");
            assertTrue(jntpc.matches("(?s).*ke served\\s*: [1-9].*"), where);
            assertTrue(jntpc.matches("(?s).*nts replied\\s*: [1-9].*"), where);
        }
    }

    @Test
    void shouldServeNtpsecsKeyedRequestsAndIgnoreAWrongKey() throws Exception {
        // NTPsec's 'server H:PORT key N' does not parse (host:port is for nts only), and it calls 127.0.0.2 an invalid
        // address: jntpd serves port 123 on addresses 198.18.0.2-6 of the namespace's loopback device, one per key
        // (ntpd keeps one association per address), NTPsec listens on 198.18.0.1. Key 5 differs between the two files.
        Files.write(dir.resolve("ntp.keys"), List.of("5 md5 0123456789abcdef0123456789abcdef01234567"),
                java.nio.file.StandardOpenOption.APPEND);
        Path serverKeys = dir.resolve("server.keys");
        List<String> keys = new java.util.ArrayList<>(Files.readAllLines(dir.resolve("ntp.keys")));
        keys.set(keys.size() - 1, "5 md5 fedcba9876543210fedcba9876543210fedcba98");
        Files.write(serverKeys, keys);
        for (int a = 1; a <= 6; a++) {
            ns.addLoopbackAddress("198.18.0." + a);
        }
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).commandPrefix(ns.exec().toArray(String[]::new))
                .bindAddress("198.18.0.2").port(123).config("bindaddress 198.18.0.3", "bindaddress 198.18.0.4",
                        "bindaddress 198.18.0.5", "bindaddress 198.18.0.6", "local stratum 2", "keys " + serverKeys,
                        "trustedkey 1 2 3 4 5", "controlsocket " + dir.resolve("control.sock")).start()) {
            List<String> lines = new java.util.ArrayList<>(List.of("keys " + dir.resolve("ntp.keys"), "trustedkey 1 2 3 4 5",
                    "interface listen 198.18.0.1"));
            for (int k = 1; k <= 5; k++) {
                lines.add("server 198.18.0." + (k + 1) + " key " + k + " iburst minpoll 3 maxpoll 3");
            }
            startNtpd(lines);
            String as = waitForAssociations(4, 60_000);
            String jntpc = jntpd.jntpc("authdata");
            String where = "\n--- ntpq\n" + as + "\n--- ntpd\n" + ntpdLog() + "\n--- jntpc authdata\n" + jntpc;
            assertTrue(Pattern.compile("(?m)\\bok\\b.*sys\\.peer").matcher(as).find(), "an authenticated system peer" + where);
            assertTrue(ChronyAuthClientTest.count(as, "\\byes\\s+yes\\s+ok\\b") >= 4,
                    "MD5, SHA1, AES-128 and SHA256 (NTPsec's 20-byte form) reachable and authenticated" + where);
            assertTrue(Pattern.compile("(?m)\\byes\\s+no\\s+bad\\b").matcher(as).find(), "key 5 unreachable" + where);
            assertTrue(jntpc.matches("(?s).*mac replied\\s*: [1-9].*"), where);
            assertTrue(jntpc.matches("(?s).*refused mac bad\\s*: [1-9].*"), "key 5 refused and counted" + where);
        }
    }
}
