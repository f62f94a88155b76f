package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.jntpd.testing.HostClock;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.VirtualClockLog;

/**
 * The convergence run of the system tests: jntpd with clock control on, on the virtual clock (0.3 s ahead, its
 * oscillator 50 ppm fast), synchronised to one server on loopback polled every 0.25 s, for {@value #RUN_MS} ms. It
 * must step the 0.3 s once ({@code makestep 0.1 3}), hold V - T within {@value #MAX_ERROR_S} s from
 * {@value #CONVERGED_AFTER_S} s after it serves on, cancel the oscillator's error (the shim's rate column near 0: the
 * correction is -50 ppm), save about -50 ppm in its drift file at SIGTERM, and leave the host clock's state exactly
 * as it was.
 */
final class Convergence {
    static final String VIRTUAL_CLOCK = "0.3,50";
    static final double INITIAL_OFFSET_S = 0.3;
    static final double OSCILLATOR_PPM = 50;
    static final long RUN_MS = 25_000;
    static final double CONVERGED_AFTER_S = 12;
    static final double MAX_ERROR_S = 100e-6;
    /** Frequencies: the drift saved and the rate error left, ppm (seen: within 0.65 ppm; the estimate wanders on a loaded VM). */
    static final double FREQ_TOLERANCE_PPM = 2.0;

    /** What a run measured, for the report. */
    record Result(double maxErrorS, double rmsErrorS, double driftPpm, double rateErrorPpm, int lines) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "max |V-T| %.1f us, rms %.1f us over %d s; drift file %.3f ppm; rate error %.3f ppm",
                    maxErrorS * 1e6, rmsErrorS * 1e6, lines, driftPpm, rateErrorPpm);
        }
    }

    private Convergence() {}

    /** Runs the client against the server at 127.0.0.1:{@code serverPort} in {@code dir} and checks all of the above. */
    static Result run(Path dir, int serverPort, Supplier<String> serverLog) throws Exception {
        HostClock hostBefore = HostClock.read();
        Path driftFile = dir.resolve("drift");
        JntpdProcess client = JntpdProcess.builder().dir(dir).virtualClock(VIRTUAL_CLOCK).config(
                "server 127.0.0.1 port " + serverPort + " iburst minpoll -2 maxpoll -2",
                "makestep 0.1 3",
                "driftfile " + driftFile).start();
        // The run is timed from when the daemon serves, not from the process start: a busy machine took 20 s to
        // bring the JVM up, which left the daemon 0.2 s of a run timed from the start (no step, nothing to judge).
        long readyNs = System.nanoTime();
        double readyUnixS = System.currentTimeMillis() / 1e3;
        int exit;
        try (client) {
            while (System.nanoTime() - readyNs < RUN_MS * 1_000_000) {
                assertTrue(client.isAlive(), client::log);
                Thread.sleep(200);
            }
            exit = client.terminate(10_000);
        }
        Supplier<String> logs = () -> "\n--- jntpd\n" + client.log() + "\n--- V-T\n" + client.virtualClockLog()
                + "\n--- server\n" + serverLog.get();
        assertEquals(0, exit, () -> "exit code after SIGTERM" + logs.get());
        VirtualClockLog vt = client.virtualClockLog();
        // The shim's first line, written as it loads (the oscillator gains 50 us/s until the daemon runs).
        assertEquals(INITIAL_OFFSET_S, vt.first().offsetS(), 1e-3, () -> "V - T at start" + logs.get());

        List<String> steps = client.logLines("clock stepped by");
        assertEquals(1, steps.size(), () -> "one step" + logs.get());
        double stepS = Double.parseDouble(steps.getFirst().replaceAll(".*clock stepped by ([-+0-9.]+) s.*", "$1"));
        assertEquals(-INITIAL_OFFSET_S, stepS, 1e-3, () -> "the step" + logs.get());
        assertEquals(1, vt.jumps(0.1).size(), () -> "one jump in V - T" + logs.get());

        List<VirtualClockLog.Line> converged = vt.from(readyUnixS + CONVERGED_AFTER_S);
        assertTrue(converged.size() >= (RUN_MS / 1000 - CONVERGED_AFTER_S) - 2, () -> "lines after convergence" + logs.get());
        double max = 0;
        double sumSq = 0;
        for (VirtualClockLog.Line l : converged) {
            assertTrue(Math.abs(l.offsetS()) < MAX_ERROR_S, () -> "V - T at " + l + logs.get());
            max = Math.max(max, Math.abs(l.offsetS()));
            sumSq += l.offsetS() * l.offsetS();
        }
        // The rate the clock runs at once corrected: the median of the last 8 lines (one line may catch a slew's end).
        double[] rates = converged.subList(converged.size() - 8, converged.size()).stream()
                .mapToDouble(VirtualClockLog.Line::freqPpm).sorted().toArray();
        double rateErrorPpm = (rates[3] + rates[4]) / 2;
        assertEquals(0, rateErrorPpm, FREQ_TOLERANCE_PPM, () -> "rate error left" + logs.get());

        DriftFile.ReadResult drift = DriftFile.read(driftFile);
        assertNotNull(drift.drift(), () -> drift.problem() + logs.get());
        assertEquals(-OSCILLATOR_PPM, drift.drift().freqPpm(), FREQ_TOLERANCE_PPM, () -> "drift file" + logs.get());

        assertEquals(hostBefore, HostClock.read(), "the host clock's timex state (status, freq, offset, tick, constant, tai)");
        return new Result(max, Math.sqrt(sumSq / converged.size()), drift.drift().freqPpm(), rateErrorPpm,
                converged.size());
    }
}
