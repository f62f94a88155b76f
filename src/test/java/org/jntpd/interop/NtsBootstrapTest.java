package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiPredicate;
import java.util.function.Supplier;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestCertificates;
import org.jntpd.testing.TestFiles;
import org.jntpd.testing.VirtualClockLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NTS without trusted time, end to end: the real daemon on native/vclock's virtual clock started on 1970-01-02 (a
 * board without an RTC after boot), as an NTS client of real chronyd 4.3 NTS servers (-x, without CAP_SYS_TIME: they
 * serve the host's true time and never change it) on loopback, with certificates made by keytool. With
 * {@code nocerttimecheck} it exchanges keys with the certificates' dates unchecked, believes the time two servers agree
 * on inside their certificates' validity, steps the virtual clock to it, and then checks every certificate at the real
 * time, dropping one that fails; it refuses a time outside the certificates' validity; without the option it refuses
 * the certificates and says why. And without iburst the first NTS request goes out as soon as NTS-KE ends.
 */
class NtsBootstrapTest {
    /** V - T that puts the virtual clock on 1970-01-02 at start. */
    private static final String IN_1970 = String.format(Locale.ROOT, "%d,0",
            -(System.currentTimeMillis() / 1000 - 86_400));
    private static Path chronyd;
    private static Path openssl;
    private Path dir;
    private final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void needsChronyAndTheShim() {
        chronyd = ExternalProgram.find("chronyd").orElse(null);
        assumeTrue(chronyd != null, "chronyd is not installed (package chrony)");
        openssl = ExternalProgram.find("openssl").orElse(null);
        assumeTrue(openssl != null, "openssl is not installed");
        assumeTrue(ExternalProgram.isRoot(), "chronyd drops to _chrony and reads its certificate as such (needs root)");
        NativeBuild.assumeGcc();
    }

    @BeforeEach
    void folder() throws IOException {
        dir = Files.createTempDirectory("jntpd-ntsboot");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // _chrony reads the certificates
        certificate("valid", "-1d", 30);
        certificate("jan2020", "2020/01/01 00:00:00", 31); // expired long ago
    }

    /** keytool's certificate, its key as SEC1 with the public key (GnuTLS, chronyd's TLS, cannot read the JDK's PKCS#8). */
    private void certificate(String name, String start, int days) throws IOException {
        TestCertificates.create(dir, name, start, days);
        Path key = dir.resolve(name + ".key");
        ExternalProgram.Result r = ExternalProgram.run(java.time.Duration.ofSeconds(20), openssl.toString(), "ec", "-in",
                key.toString(), "-out", key.toString());
        assertEquals(0, r.exitCode(), r.toString());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--")); // openssl writes 0600: _chrony reads it
    }

    @AfterEach
    void cleanUp() {
        for (Process p : servers) {
            ExternalProgram.kill(p);
        }
        TestFiles.deleteTree(dir);
    }

    /** A chronyd NTS server (stratum 1, the host's clock) presenting {@code cert}; returns "NTP-port KE-port". */
    private int[] startNtsChronyd(String cert) throws IOException {
        int n = servers.size();
        int port = JntpdProcess.freePort("127.0.0.1");
        int kePort = JntpdProcess.freeTcpPort();
        Path conf = dir.resolve("chronyd" + n + ".conf");
        Files.write(conf, List.of("local stratum 1", "allow 127.0.0.0/8", "port " + port, "cmdport 0",
                "bindcmdaddress /", "pidfile " + dir.resolve("chronyd" + n + ".pid"), "bindaddress 127.0.0.1",
                "ntsport " + kePort, "ntsserverkey " + dir.resolve(cert + ".key"),
                "ntsservercert " + dir.resolve(cert + ".crt"), "ntsprocesses 1",
                "ntsdumpdir " + dir.resolve("chronyd" + n + "-nts")));
        servers.add(new ProcessBuilder(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd" + n + ".log").toFile()).start());
        awaitKe(kePort, cert);
        return new int[] {port, kePort};
    }

    /** Until chronyd's NTS-KE answers (its helper starts after the listener: an early client sees a broken pipe). */
    private void awaitKe(int kePort, String cert) throws IOException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                var anchors = org.jntpd.nts.ke.Tls.trustAnchors(List.of(dir.resolve(cert + ".crt")), false);
                org.jntpd.nts.ke.NtsKeClient.exchange("127.0.0.1", java.net.InetAddress.getLoopbackAddress(), kePort,
                        new org.jntpd.nts.ke.CertificateTrust(anchors, org.jntpd.nts.ke.CertificateTrust.DATES_UNCHECKED),
                        List.of(15), 3000, null);
                return;
            } catch (org.jntpd.nts.KeException | java.security.GeneralSecurityException e) {
                last = e.getMessage();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException("chronyd's NTS-KE on port " + kePort + " never answered: " + last);
    }

    private static String ntsServer(int[] ports, String options) {
        return "server 127.0.0.1 port " + ports[0] + " nts ntsport " + ports[1] + " " + options;
    }

    private JntpdProcess jntpdIn1970(String... lines) throws IOException {
        List<String> config = new ArrayList<>(List.of(lines));
        config.addAll(List.of("ntstrustedcerts " + dir.resolve("valid.crt"), "ntstrustedcerts " + dir.resolve("jan2020.crt"),
                "nosystemcert", "tinker panic 0", "controlsocket " + dir.resolve("control.sock")));
        return JntpdProcess.builder().dir(dir).virtualClock(IN_1970).config(config.toArray(String[]::new)).start();
    }

    private Supplier<String> where(JntpdProcess jntpd) {
        return () -> {
            StringBuilder b = new StringBuilder("\n--- jntpc tracking\n").append(jntpd.jntpc("tracking"))
                    .append("\n--- jntpc sources\n").append(jntpd.jntpc("sources")).append("\n--- jntpc authdata\n")
                    .append(jntpd.jntpc("authdata")).append("\n--- jntpd\n").append(jntpd.log());
            for (int i = 0; i < servers.size(); i++) {
                b.append("\n--- chronyd ").append(i).append('\n')
                        .append(TestFiles.readOrExplain(dir.resolve("chronyd" + i + ".log")));
            }
            return b.toString();
        };
    }

    /** Polls jntpc tracking and authdata until {@code done} says so or {@code seconds} pass; returns the last of both. */
    private String[] await(JntpdProcess jntpd, int seconds, BiPredicate<String, String> done) throws InterruptedException {
        String[] seen = {"", ""};
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            Thread.sleep(250);
            for (Process p : servers) {
                assertTrue(p.isAlive(), "a chronyd exited");
            }
            seen[0] = jntpd.jntpc("tracking");
            seen[1] = jntpd.jntpc("authdata");
            if (done.test(seen[0], seen[1])) {
                break;
            }
        }
        return seen;
    }

    @Test
    void shouldSynchroniseFrom1970ThroughABootstrapWithTwoNtsServersAndReverifyTheirCertificates() throws Exception {
        int[] a = startNtsChronyd("valid");
        int[] b = startNtsChronyd("valid");
        int[] old = startNtsChronyd("jan2020"); // right time, but a certificate that expired in 2020
        String options = "iburst minpoll -2 maxpoll -2";
        try (JntpdProcess jntpd = jntpdIn1970(ntsServer(a, options), ntsServer(b, options), ntsServer(old, options),
                "nocerttimecheck 1")) {
            Supplier<String> where = where(jntpd);
            String over = jntpd.awaitLog("NTS bootstrap over", 60_000);
            // The expired server's NTS-KE may finish before the bootstrap ends (re-verified then: 1 dropped) or after
            // it (then dropped as it arrives, the log line asserted below): both are right.
            assertTrue(over.contains("2 NTS sessions accepted with unchecked dates re-verified, 1 dropped")
                    || over.contains("2 NTS sessions accepted with unchecked dates re-verified, 0 dropped"),
                    over + where.get());
            String[] seen = await(jntpd, 20, (tracking, auth) -> tracking.contains("NTS: verified")
                    && JntpdAuthClientTest.authenticated("127.0.0.1", auth) > 0);
            String log = jntpd.log();
            assertTrue(log.contains("NTS bootstrap: the clock reads 1970-01-02T"), where.get());
            assertTrue(log.contains("accepted with the certificate's dates unchecked"), where.get());
            String accepted = jntpd.awaitLog("NTS bootstrap: time ", 1);
            assertTrue(accepted.matches(".*time 20\\d\\d-.* accepted from 127\\.0\\.0\\.1 \\(NTS-KE port \\d+\\), "
                    + "127\\.0\\.0\\.1 .*inside the "
                    + "validity of their certificates.*"),
                    accepted + where.get());
            assertTrue(log.indexOf("NTS bootstrap: time ") < log.indexOf("synchronised to"), "no update before the bootstrap "
                    + "accepted a time" + where.get());
            assertTrue(log.contains("NTS session dropped: the certificate CN=localhost expired at 2020-02-01T00:00:00Z "
                    + "(checked now that the clock is synchronised"), where.get());
            assertTrue(seen[0].contains("NTS: verified (bootstrap ended"), seen[0] + where.get());
            assertTrue(seen[1].contains("dropped at re-verification 1"), seen[1] + where.get());
            assertTrue(seen[1].contains("last ke error: certificate re-verification failed: the certificate CN=localhost "
                    + "expired") || seen[1].contains("expired at 2020-02-01T00:00:00Z"), seen[1] + where.get());
            assertFalse(seen[1].contains("certificate dates unverified"), "nothing left unverified" + where.get());

            // The virtual clock was stepped from 1970 to the servers' time, once.
            Thread.sleep(2_000);
            VirtualClockLog vt = jntpd.virtualClockLog();
            assertTrue(vt.first().offsetS() < -1.5e9, "it started in 1970: " + vt.first());
            assertTrue(Math.abs(vt.last().offsetS()) < 0.5, "now on the servers' time: " + vt.last() + where.get());
            assertEquals(1, vt.jumps(1000).size(), "one step" + where.get());
            // The keys' age moved with the step: the valid servers' keys are not 56 years old, no second exchange.
            for (int[] server : new int[][] {a, b}) {
                String ke = "NTS-KE with 127.0.0.1 port " + server[1] + ": ";
                assertEquals(1, jntpd.log().split(java.util.regex.Pattern.quote(ke), -1).length - 1,
                        "one key exchange with port " + server[1] + where.get());
            }
            System.out.printf(Locale.ROOT, "NtsBootstrapTest: from V-T %.0f s to %+.6f s through the bootstrap; %s%n",
                    vt.first().offsetS(), vt.last().offsetS(), over.replaceAll(".*NTS bootstrap over", "NTS bootstrap over"));
        }
    }

    @Test
    void shouldRefuseTheServersTimeWhenItIsOutsideTheirCertificatesValidity() throws Exception {
        int[] a = startNtsChronyd("jan2020");
        int[] b = startNtsChronyd("jan2020");
        String options = "iburst minpoll -2 maxpoll -2";
        try (JntpdProcess jntpd = jntpdIn1970(ntsServer(a, options), ntsServer(b, options), "nocerttimecheck 1")) {
            Supplier<String> where = where(jntpd);
            String refused = jntpd.awaitLog("is outside a certificate's validity", 40_000);
            assertTrue(refused.contains("NTS bootstrap: not yet: the servers' time 20"), refused + where.get());
            assertTrue(refused.contains("the certificate CN=localhost expired at 2020-02-01T00:00:00Z"), refused + where.get());
            String[] seen = await(jntpd, 10, (tracking, auth) -> false); // ten more seconds of samples
            assertTrue(seen[0].contains("NTS: bootstrap, unverified certs (the servers' time"), seen[0] + where.get());
            assertTrue(jntpd.jntpc("sources").contains("bootstrap, unverified certs"), where.get());
            assertFalse(jntpd.log().contains("synchronised to"), "never synchronised" + where.get());
            VirtualClockLog vt = jntpd.virtualClockLog();
            assertTrue(vt.last().offsetS() < -1.5e9, "still in 1970: " + vt.last() + where.get());
            assertEquals(0, vt.jumps(1000).size(), "never stepped" + where.get());
        }
    }

    @Test
    void shouldRefuseTheCertificatesOfA1970ClockWithoutNocerttimecheck() throws Exception {
        int[] a = startNtsChronyd("valid");
        try (JntpdProcess jntpd = jntpdIn1970(ntsServer(a, "iburst minpoll -2 maxpoll -2"))) {
            Supplier<String> where = where(jntpd);
            // The first handshakes may be ended by chronyd on a busy machine ("Remote host terminated the
            // handshake"): the refusal comes with a later attempt (4 s, 8 s, 16 s on).
            String failed = jntpd.awaitLog("is not valid before", 60_000);
            assertTrue(failed.contains("NTS-KE with 127.0.0.1 port " + a[1] + " failed"), failed + where.get());
            assertTrue(failed.contains("the clock reads 1970-01-02T") && failed.contains("nocerttimecheck allows a bootstrap"),
                    failed + where.get());
            assertFalse(jntpd.log().contains("synchronised to"), where.get());
        }
    }

    @Test
    void shouldSendTheFirstNtsRequestAsSoonAsTheKeyExchangeEndsWithoutIburst() throws Exception {
        int[] a = startNtsChronyd("valid");
        // minpoll 6: without the fix the first request waits for the second poll, 64 s after the first.
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).args("-x").config(ntsServer(a, "minpoll 6 maxpoll 6"),
                "ntstrustedcerts " + dir.resolve("valid.crt"), "nosystemcert",
                "controlsocket " + dir.resolve("control.sock")).start()) {
            // Counted from the key exchange that succeeded: on a busy machine chronyd's NTS-KE helper may end the
            // first handshakes (its own timeout), and jntpd retries after 4 s, 8 s, ...
            jntpd.awaitLog("NTS-KE with 127.0.0.1 port " + a[1] + ": AES-SIV-CMAC-256", 60_000);
            long keNs = System.nanoTime();
            String[] seen = await(jntpd, 20, (tracking, auth) -> JntpdAuthClientTest.authenticated("127.0.0.1", auth) > 0);
            double tookS = (System.nanoTime() - keNs) * 1e-9;
            assertTrue(JntpdAuthClientTest.authenticated("127.0.0.1", seen[1]) > 0, "an authenticated reply within 20 s "
                    + "of the key exchange, not a poll (64 s) later" + where(jntpd).get());
            System.out.printf(Locale.ROOT, "NtsBootstrapTest: first NTS reply %.1f s after the key exchange (poll 64 s)%n",
                    tookS);
        }
    }
}
