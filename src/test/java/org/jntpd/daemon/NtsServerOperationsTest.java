package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.jntpd.nts.KeException;
import org.jntpd.nts.NtsClientCodec;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NtsProbe;
import org.jntpd.testing.TestCertificates;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NTS server's operations on the real daemon: the certificate re-read on SIGHUP and when its files change, without
 * dropping clients (their cookies go on working); a key that is not the certificate's, or an expired certificate,
 * refused with the reason in the log and a counter (the good pair stays in use; with none, NTS-KE is refused and
 * counted); expiry warned of ahead; the cookie keys kept across a restart, so a client's cookies outlive it.
 */
class NtsServerOperationsTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("jntpd-nts-ops");
    }

    @AfterEach
    void tearDown() {
        TestFiles.deleteTree(dir);
    }

    private JntpdProcess start(int kePort, String... extra) throws Exception {
        return start(kePort, 200, extra);
    }

    /** {@code fileCheckMs}: how often the daemon looks at the files (long: only SIGHUP re-reads them). */
    private JntpdProcess start(int kePort, long fileCheckMs, String... extra) throws Exception {
        List<String> lines = new java.util.ArrayList<>(List.of("local stratum 2", "ntsservercert " + dir.resolve("server.crt"),
                "ntsserverkey " + dir.resolve("server.key"), "ntsport " + kePort, "ntsdumpdir " + dir.resolve("state"),
                "controlsocket " + dir.resolve("control.sock")));
        lines.addAll(List.of(extra));
        // A handshake cut by the KE server's 3 s deadline was seen once with the suite under stress-ng and more.
        return JntpdProcess.builder().dir(dir).javaOptions("-Djntpd.nts.fileCheckMs=" + fileCheckMs,
                        "-D" + NtsServerService.KE_DEADLINE_PROP_NAME + "=30000")
                .config(lines.toArray(String[]::new)).start();
    }

    private void install(String name) throws Exception {
        Files.copy(dir.resolve(name + ".crt"), dir.resolve("server.crt.new"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve(name + ".key"), dir.resolve("server.key.new"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("server.key.new"), dir.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.move(dir.resolve("server.crt.new"), dir.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static void hangUp(JntpdProcess jntpd) {
        ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(5), "kill", "-HUP", String.valueOf(jntpd.pid()));
        assertEquals(0, r.exitCode(), r.toString());
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void shouldReadANewCertificateOnSighupWithoutDroppingClients() throws Exception {
        TestCertificates.create(dir, "a", "-1d", 10); // expires in 9 days: warned of
        TestCertificates.create(dir, "b", "-1d", 1000);
        install("a");
        int kePort = freePort();
        try (JntpdProcess jntpd = start(kePort, 3_600_000)) { // only SIGHUP re-reads here
            String warned = jntpd.awaitLog("expires on", 10_000);
            assertTrue(warned.contains("nts: the certificate in " + dir.resolve("server.crt") + " expires on"), warned);
            assertTrue(jntpd.jntpc("authdata").contains("EXPIRES SOON"), jntpd.jntpc("authdata"));
            String expiring = "warning: NTS server certificate " + dir.resolve("server.crt") + " expires on ";
            for (int i = 0; i < 50 && !jntpd.jntpc("warnings").contains(expiring); i++) {
                Thread.sleep(100); // listed from the synchronisation loop's first publication
            }
            assertTrue(jntpd.jntpc("warnings").matches("(?s).*" + java.util.regex.Pattern.quote(expiring)
                    + "\\S+Z, in [89]\\.\\d days: replace it .*"), jntpd.jntpc("warnings"));
            NtsProbe early = NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("a.crt")));
            assertEquals(NtsClientCodec.OK, early.exchange("127.0.0.1"));

            install("b");
            hangUp(jntpd);
            jntpd.awaitLog("certificate re-read (SIGHUP)", 10_000);
            NtsProbe second = NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("b.crt")));
            assertEquals(NtsClientCodec.OK, second.exchange("127.0.0.1"));
            assertThrows(KeException.class, () -> NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("a.crt"))),
                    "the old certificate is no longer presented");
            assertEquals(NtsClientCodec.OK, early.exchange("127.0.0.1"), "a client of the old certificate keeps working");

            assertTrue(jntpd.jntpc("authdata").contains("certificates loaded: 2, refused: 0"), jntpd.jntpc("authdata"));
            // the same field by field (authdata -j)
            java.util.Map<?, ?> ke = (java.util.Map<?, ?>) org.jntpd.cli.Jntpc.requestJson(
                    jntpd.dir().resolve("control.sock").toString(), "authdata").get("nts_ke_server");
            assertEquals(2L, ke.get("certificates_loaded"), ke.toString());
            assertEquals(0L, ke.get("certificates_refused"), ke.toString());
            double expiresInS = ((Number) ke.get("certificate_expires_in_s")).doubleValue();
            assertTrue(expiresInS > 0 && expiresInS < 3000L * 86400, ke.toString());
            assertTrue(((java.util.Map<?, ?>) ke.get("counters")).get("served") instanceof Long served && served >= 1,
                    ke.toString());
        }
    }

    @Test
    void shouldReadANewCertificateWhenItsFilesChange() throws Exception {
        TestCertificates.create(dir, "a", "-1d", 1000);
        TestCertificates.create(dir, "c", "-1d", 2000);
        install("a");
        int kePort = freePort();
        try (JntpdProcess jntpd = start(kePort)) {
            NtsProbe early = NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("a.crt")));
            assertEquals(NtsClientCodec.OK, early.exchange("127.0.0.1"));
            install("c"); // no signal: the change is noticed (a check may see the new key before the new certificate)
            jntpd.awaitLog("certificate re-read (changed on disk)", 10_000);
            NtsProbe later = NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("c.crt")));
            assertEquals(NtsClientCodec.OK, later.exchange("127.0.0.1"));
            assertEquals(NtsClientCodec.OK, early.exchange("127.0.0.1"), "a client of the old certificate keeps working");
        }
    }

    @Test
    void shouldRefuseAWrongOrExpiredCertificateSayingWhyAndCountingIt() throws Exception {
        TestCertificates.create(dir, "good", "-1d", 1000);
        TestCertificates.create(dir, "other", "-1d", 1000);
        TestCertificates.create(dir, "old", "2020/01/01 00:00:00", 30);
        install("good");
        int kePort = freePort();
        try (JntpdProcess jntpd = start(kePort, 3_600_000)) { // only SIGHUP re-reads: a count per signal
            // A key that belongs to another certificate: refused, the good pair stays.
            Files.copy(dir.resolve("other.key"), dir.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
            hangUp(jntpd);
            String log = jntpd.awaitLog("does not belong to the certificate", 10_000);
            assertTrue(log.contains("new certificate refused (SIGHUP): the private key in " + dir.resolve("server.key")
                    + " does not belong to the certificate"), log);
            NtsProbe probe = NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("good.crt")));
            assertEquals(NtsClientCodec.OK, probe.exchange("127.0.0.1"), "still served with the good pair");
            // An expired certificate with its own key: refused too.
            install("old");
            hangUp(jntpd);
            log = jntpd.awaitLog("expired on 2020-01-31", 10_000);
            assertTrue(log.contains("the certificate in " + dir.resolve("server.crt") + " expired on 2020-01-31"), log);
            String authdata = jntpd.jntpc("authdata");
            assertTrue(authdata.contains("certificates loaded: 1, refused: 2"), authdata);
        }
        // Started with the expired pair: NTS-KE refuses every connection, with a reason and a counter.
        try (JntpdProcess jntpd = start(kePort)) {
            String log = jntpd.awaitLog("NTS-KE connections are refused", 10_000);
            assertTrue(log.contains("certificate refused (start): the certificate in " + dir.resolve("server.crt")
                    + " expired on 2020-01-31"), log);
            assertThrows(KeException.class, () -> NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("old.crt"))));
            long deadline = System.nanoTime() + 5_000_000_000L;
            String authdata = jntpd.jntpc("authdata");
            while (!authdata.matches("(?s).*ke no certificate\\s*: 1\\b.*") && System.nanoTime() - deadline < 0) {
                Thread.sleep(50);
                authdata = jntpd.jntpc("authdata");
            }
            assertTrue(authdata.matches("(?s).*ke no certificate\\s*: 1\\b.*"), authdata);
            assertTrue(authdata.contains("refusing NTS-KE"), authdata);
            // A good pair installed: used without a restart.
            install("good");
            jntpd.awaitLog("certificate loaded (changed on disk)", 10_000);
            NtsProbe probe = NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("good.crt")));
            assertEquals(NtsClientCodec.OK, probe.exchange("127.0.0.1"));
        }
    }

    @Test
    void shouldKeepTheCookieKeysAcrossARestart() throws Exception {
        TestCertificates.create(dir, "server", "-1d", 1000);
        int kePort = freePort();
        NtsProbe probe;
        try (JntpdProcess jntpd = start(kePort)) {
            probe = NtsProbe.keyExchange("127.0.0.1", kePort, List.of(dir.resolve("server.crt")));
            assertEquals(NtsClientCodec.OK, probe.exchange("127.0.0.1"));
            assertEquals(0, jntpd.terminate(10_000));
        }
        Path keys = dir.resolve("state/nts-keys");
        assertTrue(Files.getPosixFilePermissions(keys).equals(PosixFilePermissions.fromString("rw-------")),
                "the key file is secret: " + Files.getPosixFilePermissions(keys));
        String before = Files.readString(keys);
        // The same NTP port again, so the cookies from the first run go where they were meant to.
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).port(probe.ke().ntpPort())
                .javaOptions("-Djntpd.nts.fileCheckMs=200", "-D" + NtsServerService.KE_DEADLINE_PROP_NAME + "=30000")
                .config("local stratum 2",
                        "ntsservercert " + dir.resolve("server.crt"), "ntsserverkey " + dir.resolve("server.key"),
                        "ntsport " + kePort, "ntsdumpdir " + dir.resolve("state"),
                        "controlsocket " + dir.resolve("control.sock")).start()) {
            assertEquals(NtsClientCodec.OK, probe.exchange("127.0.0.1"), "a cookie from before the restart opens");
            assertEquals(before, Files.readString(keys), "the same keys, not new ones");
            assertTrue(jntpd.jntpc("authdata").contains("nts nak                 : 0"), jntpd.jntpc("authdata"));
        }
    }
}
