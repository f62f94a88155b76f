package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.UdpClient;
import org.jntpd.timefile.TimeFile;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemon under failing system calls (native/vclock's JNTPD_FAULTS): it keeps serving correct time, or it says it
 * is unsynchronised at once and exits non-zero for systemd to restart it; never a silent half-dead state. Loops give up
 * after 3 s here ({@code jntpd.loopGiveUpMs}) instead of 30.
 */
class FaultInjectionTest {
    private static final String GIVE_UP = "-Djntpd.loopGiveUpMs=3000";
    private static final int EX_SOFTWARE = 70;

    private static UdpClient.Exchange ask(UdpClient client, JntpdProcess jntpd) throws IOException {
        return client.query(jntpd.address(), 4, 1_000);
    }

    /** Polls the daemon until {@code leap} is served (or it exits); returns whether it was seen. */
    private static boolean awaitLeap(UdpClient client, JntpdProcess jntpd, int leap, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() - deadline < 0 && jntpd.isAlive()) {
            UdpClient.Exchange e = ask(client, jntpd);
            if (e != null && e.reply().leap() == leap) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @ParameterizedTest(name = "clock_adjtime fails with {0}")
    @ValueSource(strings = {"EPERM", "EINVAL"})
    void shouldServeUnsynchronisedAtOnceAndExitNonZeroWhenTheClockCannotBeAdjusted(String errno, @TempDir Path dir)
            throws Exception {
        NativeBuild.assumeGcc();
        Path timeFile = dir.resolve("time");
        try (JntpdProcess upstream = JntpdProcess.start("local stratum 1");
                UdpClient client = new UdpClient("127.0.0.1");
                // Synchronises on the virtual clock, then after 60 adjustments every one is refused.
                JntpdProcess jntpd = JntpdProcess.builder().virtualClock("0,0").env("JNTPD_FAULTS",
                        "clock_adjtime=" + errno + "@60").javaOptions(GIVE_UP).config(
                        "server 127.0.0.1 port " + upstream.port() + " iburst minpoll -2 maxpoll -2",
                        "timefile " + timeFile).start()) {
            assertTrue(awaitLeap(client, jntpd, 0, 20_000), () -> "never synchronised\n" + jntpd.log());
            assertTrue(awaitLeap(client, jntpd, 3, 20_000),
                    () -> "still serving LI 0 while the clock cannot be adjusted\n" + jntpd.log());
            // The time file says the same as the server: applications must not trust an unmaintained bound.
            TimeFile.Update u;
            try (TimeFile.Reader r = new TimeFile.Reader(timeFile)) {
                u = r.read();
            }
            assertNotNull(u);
            assertFalse(u.synchronised(), () -> "the time file still says synchronised\n" + jntpd.log());
            assertEquals(EX_SOFTWARE, jntpd.awaitExit(30_000), jntpd::log);
            String log = jntpd.log();
            assertTrue(log.contains("synchronisation loop: pass failed: org.jntpd.platform.NativeException: clock_adjtime"),
                    log);
            assertTrue(log.contains("stops the daemon"), log);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"recvmmsg=ENOMEM@20x30", "sendmmsg=ENOBUFS@20x30"})
    void shouldKeepServingCorrectTimeThroughTransientSocketErrors(String fault) throws Exception {
        NativeBuild.assumeGcc();
        try (UdpClient client = new UdpClient("127.0.0.1");
                JntpdProcess jntpd = JntpdProcess.builder().env("JNTPD_FAULTS", fault).javaOptions(GIVE_UP)
                        .config("local stratum 3").start()) {
            int answered = 0;
            for (int i = 0; i < 120; i++) { // 30 of the calls after the 20th fail: those requests go unanswered
                if (ask(client, jntpd) != null) {
                    answered++;
                }
            }
            assertTrue(answered >= 120 - 30 - 2, "answered " + answered + " of 120\n" + jntpd.log());
            for (int i = 0; i < 10; i++) { // and after them, every one, with the right time
                UdpClient.Exchange e = ask(client, jntpd);
                assertNotNull(e, () -> "no answer after the faults\n" + jntpd.log());
                assertEquals(3, e.reply().stratum());
                assertTrue(Math.abs(e.offsetNs()) <= e.delayNs() / 2 + 1_000_000, "offset " + e.offsetNs() + " ns");
            }
            assertTrue(jntpd.isAlive());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"recvmmsg=EBADF@20", "sendmmsg=EBADF@20"})
    void shouldExitNonZeroWhenAServingSocketIsBroken(String fault) throws Exception {
        NativeBuild.assumeGcc();
        try (UdpClient client = new UdpClient("127.0.0.1");
                JntpdProcess jntpd = JntpdProcess.builder().env("JNTPD_FAULTS", fault).javaOptions(GIVE_UP)
                        .config("local stratum 3").start()) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (jntpd.isAlive() && System.nanoTime() - deadline < 0) {
                ask(client, jntpd); // keeps the broken socket busy
            }
            assertEquals(EX_SOFTWARE, jntpd.awaitExit(5_000), jntpd::log);
            String log = jntpd.log();
            assertTrue(log.contains("server worker 0: pass failed: ") && log.contains("failed: Bad file descriptor"), log);
            assertTrue(log.contains("stops the daemon"), log);
        }
    }
}
