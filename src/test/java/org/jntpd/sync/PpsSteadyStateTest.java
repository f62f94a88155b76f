package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import org.jntpd.clock.VirtualClock;
import org.junit.jupiter.api.Test;

/**
 * A pulse-per-second source as the emulated guest delivers it: 100-200 ns of noise per pulse, but a declared precision
 * of 2^-20 s (the guest measures about 1 us for its own clock reads under TCG) and a dispersion of that size from the
 * refclock filter. Modelled with the declared precision, the filter took 150-ns errors for noise and corrected them
 * slowly (the guest bench: median RMS 84 ns against chronyd's 16 ns, one run creeping back at 1 ns/s from -188 ns).
 * The noise floor is now learnt from the source's own measurements. The steady state must come within 25% of the
 * best any filter can do (the Kalman steady state for the true noise and wander, {@link PollPolicy#steadyStateRmsS});
 * with the declared precision the medians were 1.5-2.4x that (47.7, 91.2, 54.8, 97.6 ns for the four cases below).
 * Convergence must stay as fast: within 1 us by the 10th pulse (3 before and after).
 */
class PpsSteadyStateTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_790_000_000L * S;
    private static final int PULSES = 1500;
    private static final int STEADY_FROM = 300;
    private static final long CONVERGED_NS = 1_000;
    private static final int SEEDS = 8;
    private static final double OF_OPTIMUM = 1.25;
    private static final int CONVERGED_BY = 10;

    /** One run: {the first pulse of 10 in a row within 1 us, RMS of the clock's error (ns) from pulse 300 on}. */
    static double[] run(int seed, double noiseNs, double wander) {
        SplittableRandom noise = new SplittableRandom(seed);
        // 300 us and 50 ppm off.
        VirtualClock clock = new VirtualClock(T0, 300_000, 50e-6, wander, new Random(seed), 500);
        Synchroniser sync = new Synchroniser(clock, SyncConfig.defaults());
        Source pps = sync.addSource(new SourceConfig("PPS", 0x50505300, true, false));
        pps.setReachable(true);
        Sample sample = new Sample();
        int inRow = 0;
        int converged = -1;
        double sum2 = 0;
        int n = 0;
        for (int k = 1; k <= PULSES; k++) {
            long edgeNs = T0 + k * S;
            NoiseBurstRecoveryTest.advance(clock, sync, edgeNs);
            double errorNs = clock.offsetNs();
            // The refclock path's sample: no delay, dispersion max(standard error, precision) = 954 ns, 2^-20 s.
            sample.set(clock.nowNs(), Math.round(-errorNs + noiseNs * noise.nextGaussian()), 0, 954, 0, 954, 0,
                    0x50505300, 0, -20);
            pps.accumulate(sample);
            sync.update(clock.nowNs());
            if (converged < 0) {
                inRow = Math.abs(errorNs) < CONVERGED_NS ? inRow + 1 : 0;
                if (inRow == 10) {
                    converged = k - 9;
                }
            }
            if (k >= STEADY_FROM) {
                sum2 += errorNs * errorNs;
                n++;
            }
        }
        return new double[] {converged, Math.sqrt(sum2 / n)};
    }

    @Test
    void shouldHoldAPpsSourceEvenlyWithItsMeasuredNoiseAndConvergeAsFast() {
        StringBuilder seen = new StringBuilder();
        for (double noiseNs : new double[] {100, 200}) {
            for (double wander : new double[] {1e-10, 1e-9}) {
                double[] rms = new double[SEEDS];
                double[] conv = new double[SEEDS];
                for (int seed = 1; seed <= SEEDS; seed++) {
                    double[] r = run(seed, noiseNs, wander);
                    conv[seed - 1] = r[0];
                    rms[seed - 1] = r[1];
                    assertTrue(r[0] > 0 && r[0] <= CONVERGED_BY, "seed " + seed + ": within 1 us from pulse " + r[0]);
                }
                java.util.Arrays.sort(rms);
                java.util.Arrays.sort(conv);
                double optimumNs = PollPolicy.steadyStateRmsS(wander, noiseNs * noiseNs * 1e-18, 1) * 1e9;
                String line = String.format(Locale.ROOT, "%n  noise %.0f ns, wander %.0e: median RMS %.1f ns (max %.1f; "
                        + "optimum %.1f), median convergence %.0f pulses (max %.0f)", noiseNs, wander, rms[SEEDS / 2],
                        rms[SEEDS - 1], optimumNs, conv[SEEDS / 2], conv[SEEDS - 1]);
                seen.append(line);
                assertTrue(rms[SEEDS / 2] <= OF_OPTIMUM * optimumNs, line);
            }
        }
        System.out.println("PpsSteadyStateTest:" + seen);
    }
}
