package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.VirtualClockLog;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The step and panic thresholds of the real daemon on the virtual clock (0.3 s ahead, oscillator 50 ppm fast), each
 * as configured: the shim's V - T log shows what really happened to the clock. ({@code makestep 0.1 3}, one step at
 * once, is shown by {@link VirtualClockSyncTest}.)
 */
class StepThresholdsTest {
    private static final String VIRTUAL_CLOCK = "0.3,50";
    private static final double OFFSET_S = 0.3;
    /** More than the fastest slew (83.3 ms per second) moves V - T between two lines of the shim's log: a step. */
    private static final double JUMP_S = 0.1;
    private static final double SETTLED_S = 0.001;
    /** V - T just after a step: what the clock moved between the step's sample and the step, at up to 500 ppm. */
    private static final double STEPPED_S = 0.01;
    private static final long STEPOUT_S = 5;

    @BeforeAll
    static void needsTheShim() {
        NativeBuild.assumeGcc();
    }

    private static JntpdProcess client(int serverPort, String... extraConfig) throws Exception {
        return JntpdProcess.builder().virtualClock(VIRTUAL_CLOCK)
                .config("server 127.0.0.1 port " + serverPort + " iburst minpoll -2 maxpoll -2").config(extraConfig)
                .start();
    }

    private static Supplier<String> logs(JntpdProcess client) {
        return () -> "\n--- jntpd\n" + client.log() + "\n--- V-T\n" + client.virtualClockLog();
    }

    @Test
    void shouldWaitTheStepoutIntervalBeforeSteppingAnOffsetBeyondTheDefaultThreshold() throws Exception {
        // The first update steps at once (ntpd's startup); the stepout applies to an offset that appears later. So
        // the client first follows a server that serves the virtual clock's own time (0.3 s ahead), then the same
        // port serves true time: the client finds itself 0.3 s ahead.
        int port = JntpdProcess.freePort("127.0.0.1");
        JntpdProcess ahead = JntpdProcess.builder().port(port).virtualClock("0.3,0").args("-x")
                .config("local stratum 1").start();
        try (ahead; JntpdProcess client = client(port, "tinker stepout " + STEPOUT_S)) {
            client.awaitLog("synchronised to", 15_000);
            Thread.sleep(2_000);
            ahead.terminate(10_000);
            try (JntpdProcess truth = JntpdProcess.builder().port(port).config("local stratum 1").start()) {
                String waiting = client.awaitLog("waiting for the stepout interval", 30_000);
                String stepped = client.awaitLog("clock stepped by", 30_000);
                Thread.sleep(2_500);
                Supplier<String> logs = logs(client);
                double waitedS = JntpdProcess.logTimeS(stepped) - JntpdProcess.logTimeS(waiting);
                assertTrue(waitedS >= STEPOUT_S - 0.01, () -> "stepped after " + waitedS + " s" + logs.get());
                double stepS = Double.parseDouble(stepped.replaceAll(".*clock stepped by ([-+0-9.]+) s.*", "$1"));
                assertTrue(stepS < -0.128 && stepS > -OFFSET_S - 0.01, () -> "step " + stepS + logs.get());

                VirtualClockLog vt = client.virtualClockLog();
                List<VirtualClockLog.Line[]> jumps = vt.jumps(JUMP_S);
                assertEquals(1, jumps.size(), () -> "one step" + logs.get());
                VirtualClockLog.Line before = jumps.getFirst()[0];
                assertTrue(before.trueUnixS() >= JntpdProcess.logTimeS(waiting) + STEPOUT_S - 1.01,
                        () -> "no step before the stepout interval" + logs.get());
                assertTrue(before.offsetS() > 0.128, () -> "still beyond the threshold just before the step" + logs.get());
                // The step takes out the offset the source measured; the frequency after it is the sync core's
                // business (a reference's phase jump is partly read as a frequency error while the client waits).
                VirtualClockLog.Line after = jumps.getFirst()[1];
                assertTrue(Math.abs(after.offsetS()) < STEPPED_S, () -> "stepped to the server's time" + logs.get());
                assertTrue(client.isAlive(), logs);
                System.out.printf(java.util.Locale.ROOT, "StepThresholdsTest: stepout: stepped %+.6f s after waiting %.3f s "
                        + "(V-T just before %.6f s, after %+.6f s, at the end %+.6f s)%n", stepS, waitedS, before.offsetS(),
                        after.offsetS(), vt.last().offsetS());
            }
        }
    }

    /** Whether {@code lines} hold at least {@code after} lines past the first one within {@link #SETTLED_S}. */
    private static boolean settledFor(List<VirtualClockLog.Line> lines, int after) {
        for (int i = 0; i < lines.size(); i++) {
            if (Math.abs(lines.get(i).offsetS()) < SETTLED_S) {
                return lines.size() - 1 - i >= after;
            }
        }
        return false;
    }

    @Test
    void shouldSlewAnOffsetBelowTheConfiguredStepThreshold() throws Exception {
        try (JntpdProcess server = JntpdProcess.start("local stratum 1");
                JntpdProcess client = client(server.port(), "tinker step 0.5")) {
            client.awaitLog("synchronised to", 15_000);
            // 0.3 s at 83,333 ppm takes 3.6 s, and the last milliseconds go slower (5-6 s in all here): wait until
            // two log lines after the first settled one, at most 20 s (a loaded machine stretches the updates).
            long deadlineNs = System.nanoTime() + 20_000_000_000L;
            List<VirtualClockLog.Line> lines = client.virtualClockLog().lines();
            while (!settledFor(lines, 2) && System.nanoTime() - deadlineNs < 0) {
                Thread.sleep(250);
                lines = client.virtualClockLog().lines();
            }
            Supplier<String> logs = logs(client);
            assertEquals(List.of(), client.logLines("clock stepped"), logs);
            assertEquals(OFFSET_S, lines.getFirst().offsetS(), 1e-3, logs);
            int i = 1;
            for (; i < lines.size() && lines.get(i - 1).offsetS() > SETTLED_S; i++) {
                double change = lines.get(i).offsetS() - lines.get(i - 1).offsetS();
                // The shim logs about once a second; a loaded machine stretches a gap (1.4 s seen while the JVM started).
                double gapS = Math.max(1, lines.get(i).trueUnixS() - lines.get(i - 1).trueUnixS());
                // Smoothly down: never up (beyond the oscillator's 50 us/s), never faster than the fastest slew.
                assertTrue(change < 60e-6 * gapS && change > -0.085 * gapS,
                        "V - T changed by " + change + " s in " + gapS + " s" + logs.get());
            }
            assertTrue(i < lines.size() - 1, () -> "the slew has ended" + logs.get());
            System.out.printf(java.util.Locale.ROOT, "StepThresholdsTest: slewed 0.3 s to within 1 ms in %.0f s%n",
                    lines.get(i).trueUnixS() - lines.getFirst().trueUnixS());
            for (VirtualClockLog.Line l : lines.subList(i, lines.size())) {
                assertTrue(Math.abs(l.offsetS()) < SETTLED_S, () -> "on time after the slew: " + l + logs.get());
            }
        }
    }

    @Test
    void shouldRefuseAnOffsetBeyondThePanicThresholdAndLeaveTheClockAlone() throws Exception {
        try (JntpdProcess server = JntpdProcess.start("local stratum 1");
                JntpdProcess client = client(server.port(), "tinker panic 0.2")) {
            String panic = client.awaitLog("exceeds the panic threshold", 15_000);
            Thread.sleep(4_000);
            Supplier<String> logs = logs(client);
            assertTrue(panic.contains(" ERROR ") && panic.contains("panic threshold of 0.200000000 s: not correcting the clock"),
                    () -> panic + logs.get());
            assertEquals(List.of(), client.logLines("clock stepped"), logs);
            assertTrue(client.isAlive(), logs);
            VirtualClockLog vt = client.virtualClockLog();
            assertTrue(vt.lines().size() >= 5, logs);
            for (VirtualClockLog.Line l : vt.lines()) {
                // Untouched: still 0.3 s ahead and gaining the oscillator's 50 ppm, no frequency correction at all.
                assertEquals(OFFSET_S, l.offsetS(), 1e-3, () -> l + logs.get());
                assertEquals(50.0, l.freqPpm(), 1e-6, () -> l + logs.get());
            }
        }
    }
}
