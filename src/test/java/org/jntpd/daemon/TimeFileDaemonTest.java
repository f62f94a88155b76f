package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.testing.ChronyServer;
import org.jntpd.testing.ClassesJar;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.timefile.TimeFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon (-x), a client of chronyd -x serving this machine's clock, keeps its time file: once synchronised,
 * the true time (the host clock itself, which chronyd serves) lies between earliest and latest, the bound is that of
 * a loopback path, and jntpc time says so; the bound goes on growing after the daemon stopped.
 */
class TimeFileDaemonTest {
    @Test
    void shouldBracketTheServersTimeInTheTimeFile(@TempDir Path dir) throws Exception {
        assumeTrue(ChronyServer.program().isPresent(), "chronyd is not installed (package chrony)");
        Path file = dir.resolve("run/time");
        TimeFile.Update u = null;
        try (ChronyServer chronyd = ChronyServer.start(dir, 1);
                JntpdProcess jntpd = JntpdProcess.start("server 127.0.0.1 port " + chronyd.port()
                        + " minpoll 0 maxpoll 0 iburst", "timefile " + file)) {
            long deadlineNs = System.nanoTime() + 40_000_000_000L;
            int inside = 0;
            while (inside < 10 && System.nanoTime() - deadlineNs < 0) {
                Thread.sleep(200);
                if (!Files.exists(file)) {
                    continue;
                }
                try (TimeFile.Reader r = new TimeFile.Reader(file)) {
                    u = r.read();
                }
                if (u == null || !u.synchronised()) {
                    continue;
                }
                long m0 = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC);
                long realtimeNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
                long m1 = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC);
                long readNs = m1 - m0; // a stall between the two readings widens what the check allows, not the bound
                assertTrue(u.earliestNs(realtimeNs, m1) - readNs <= realtimeNs
                        && realtimeNs <= u.latestNs(realtimeNs, m0) + readNs,
                        "the host clock outside [earliest, latest]: " + u + " at " + realtimeNs);
                assertTrue(u.boundNsAt(m1) < 20_000_000L, "a loopback server's bound stays under 20 ms: " + u);
                inside++;
            }
            assertEquals(10, inside, "synchronised readings within 40 s: " + u + "\n" + jntpd.log());
            ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(30), java(), "-cp",
                    ClassesJar.of(org.jntpd.platform.NativeBuild.buildDir().resolve("classes")).toString(), "org.jntpd.cli.Jntpc", "time", file.toString());
            System.out.println("TimeFileDaemonTest: jntpc time\n" + r.output());
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.output().contains("synchronised : yes") && r.output().contains("earliest"), r.output());
            jntpd.terminate(10_000);
        }
        try (TimeFile.Reader r = new TimeFile.Reader(file)) {
            TimeFile.Update last = r.read();
            assertNotNull(last, "the last update stays readable after the daemon stopped");
            long m = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC);
            assertTrue(last.boundNsAt(m + 1_000_000_000L) >= last.boundNsAt(m) + 14_000, "the bound grows at 15 ppm");
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }
}
