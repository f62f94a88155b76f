package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import org.jntpd.clock.VirtualClock;
import org.jntpd.refclock.PpsDevice;
import org.jntpd.refclock.PpsDriver;
import org.jntpd.refclock.PpsEvent;
import org.jntpd.refclock.PulseMonitor;
import org.jntpd.refclock.Refclock;
import org.jntpd.refclock.RefclockSample;
import org.jntpd.refclock.RefclockSettings;
import org.jntpd.refclock.SystemReference;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The whole PPS path on a virtual clock, timed as the daemon runs it in the emulated guest: the kernel stamps each
 * edge (plus noise), the driver reads it a little later, the refclock is polled every second at its own phase
 * ({@code refclock pps ... poll 0}), its sample waits up to 250 ms for the loop's next pass, and a slew ends when the
 * loop's timer comes round (late by up to 2 ms). So a sample reaches the sync core 0-1.25 s after its pulse, with the
 * clock's rate changed in between (the previous update's slew ended): a sample read as if the clock had always run
 * at its present rate is off by the slew rate times that age, a self-inflicted error that follows the corrections
 * themselves (chrony re-expresses its kept samples after every rate change, {@code SPF_SlewSamples}).
 *
 * <p>The guest's pulses follow its own raw clock, so the plant is a constant frequency error without wander and the
 * pulses are nearly exact: the steady error should be about the pulses' own noise (chronyd in the guest bench: 8-24
 * ns RMS). Convergence: as the bench counts it, the first of 10 edges in a row within 5 us.
 */
class PpsPathSimulationTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_790_000_000L * S;
    private static final int PULSES = 900;
    private static final int STEADY_FROM = 200;
    private static final long CONVERGED_NS = 5_000;
    private static final int SEEDS = 8;

    /** One run's figures: convergence edge, steady RMS and mean error (ns). */
    record Outcome(int convergedAt, double rmsNs, double meanNs) {}

    /** A PPS device whose latest assert the simulation sets (the kernel's PPS core). */
    private static final class SimulatedPps implements PpsDevice {
        long sequence;
        long stampNs;

        @Override
        public int capabilities() {
            return CAPTURE_ASSERT | CAN_WAIT;
        }

        @Override
        public void setCaptureMode(int captureMode) {
        }

        @Override
        public boolean fetch(long timeoutNs, PpsEvent out) {
            out.set(sequence, stampNs, 0, 0);
            return sequence > 0;
        }
    }

    /**
     * @param noiseNs  standard deviation of the kernel's stamp of an edge
     * @param wander   the oscillator's frequency random walk per sqrt(s) (0: the guest, whose pulses follow its own clock)
     */
    static Outcome run(int seed, double noiseNs, double wander) {
        SplittableRandom rnd = new SplittableRandom(seed);
        // 0.3 s and 50 ppm off, as the guest bench starts; the first update steps.
        VirtualClock clock = new VirtualClock(T0, 300_000_000, 50e-6, wander, new Random(seed), 500);
        // The guest measures 2^-20 s for a clock read under TCG: the refclock's precision and the system's.
        Synchroniser sync = new Synchroniser(clock, SyncConfig.builder().precisionLog2(-20).build());
        RefclockSettings settings = RefclockSettings.defaults("pps", "PPS").withPoll(0, 0)
                .withCorrections(0, 0, 0, 954);
        Refclock refclock = new Refclock(settings, SystemReference.fixed(MS, NtpPacket.LEAP_NONE));
        SimulatedPps device = new SimulatedPps();
        PpsDriver driver = new PpsDriver(device, refclock, PulseMonitor.forSettings(settings));
        driver.start();
        Source pps = sync.addSource(new SourceConfig("PPS", settings.refIdBits(), true, false));
        sync.addStepListener((nowNs, stepNs) -> {
            refclock.onClockStep(stepNs);
            driver.skipNextPulse();
        });
        // As the daemon's RefclockSources: the rate changes since a sample was measured are undone from it.
        RateChanges rateChanges = new RateChanges(256);
        sync.addStepListener(rateChanges);
        Sample sample = new Sample();

        long pollPhaseNs = rnd.nextLong(50 * MS, 950 * MS);
        long nextEdge = T0 + S;
        long nextRead = Long.MAX_VALUE;
        long nextPoll = T0 + pollPhaseNs;
        long timerLateNs = rnd.nextLong(2 * MS);
        List<long[]> deliveries = new ArrayList<>(); // {due true ns, index into pending}
        List<RefclockSample> pending = new ArrayList<>();
        double[] errors = new double[PULSES + 1];
        int k = 0;
        while (k < PULSES) {
            long next = Math.min(Math.min(nextEdge, nextRead), Math.min(nextPoll, clock.trueNs() + MS));
            for (long[] d : deliveries) {
                next = Math.min(next, d[0]);
            }
            clock.advanceTo(next);
            long now = clock.trueNs();
            if (now == nextEdge) {
                k++;
                errors[k] = clock.offsetNs();
                device.sequence = k;
                device.stampNs = clock.nowNs() + Math.round(noiseNs * rnd.nextGaussian());
                nextEdge += S;
                nextRead = now + rnd.nextLong(50_000, 1 * MS);
            }
            if (now == nextRead) {
                driver.poll(clock.nowNs(), 0);
                nextRead = Long.MAX_VALUE;
            }
            if (now == nextPoll) {
                RefclockSample x = refclock.poll();
                if (x != null) {
                    pending.add(x);
                    deliveries.add(new long[] {now + rnd.nextLong(250 * MS), pending.size() - 1});
                }
                nextPoll += S;
            }
            for (int i = 0; i < deliveries.size(); i++) {
                long[] d = deliveries.get(i);
                if (d[0] <= now) {
                    RefclockSample x = pending.get((int) d[1]);
                    // As the daemon's RefclockSources hands a reference clock's sample to its source.
                    sample.set(x.localTimeNs(), x.offsetNs(), x.delayNs(), x.dispersionNs(), x.delayNs(),
                            x.dispersionNs(), settings.stratum(), settings.refIdBits(), x.leap(), settings.precisionLog2());
                    rateChanges.reexpress(sample);
                    pps.setReachable(true);
                    if (pps.accumulate(sample)) {
                        sync.update(clock.nowNs());
                    }
                    deliveries.remove(i--);
                }
            }
            if (clock.nowNs() - sync.nextTimerNs() >= timerLateNs) {
                sync.onTimer(clock.nowNs());
                timerLateNs = rnd.nextLong(2 * MS);
            }
        }
        int run = 0;
        int converged = -1;
        for (int i = 1; i <= PULSES && converged < 0; i++) {
            run = Math.abs(errors[i]) < CONVERGED_NS ? run + 1 : 0;
            if (run == 10) {
                converged = i - 9;
            }
        }
        double sum = 0;
        double sq = 0;
        for (int i = STEADY_FROM; i <= PULSES; i++) {
            sum += errors[i];
            sq += errors[i] * errors[i];
        }
        int n = PULSES - STEADY_FROM + 1;
        return new Outcome(converged, Math.sqrt(sq / n), sum / n);
    }

    /**
     * The guest's case: no wander, pulses with 5-100 ns of noise. The median run within 0.3x the noise and the worst
     * within 0.4x; convergence by the 10th edge. Without the re-expression the medians were 0.53-0.66x the noise (3.3,
     * 16.2, 53.1 ns at 5, 30, 100 ns; worst 9.8, 20.4, 61.5) and convergence took up to 17 edges (4-17 by poll
     * phase); with it 1.1, 5.7, 16.9 ns (worst 1.4, 7.8, 25.1), 4-7 edges.
     */
    @Test
    void shouldHoldTheGuestsPulsesAsEvenlyAsTheirNoiseAllows() {
        StringBuilder seen = new StringBuilder();
        for (double noiseNs : new double[] {5, 30, 100}) {
            Summary s = runs(noiseNs, 0);
            seen.append(s.line());
            assertTrue(s.convergedMax() <= 10 && s.convergedMax() > 0, "converged within 5 us by the 10th edge:" + s.line());
            assertTrue(s.medianRmsNs() <= 0.3 * noiseNs && s.maxRmsNs() <= 0.4 * noiseNs, "steady RMS:" + s.line());
        }
        System.out.println("PpsPathSimulationTest, no wander:" + seen);
    }

    /**
     * A real oscillator under the pulses: wander 1e-10 per sqrt(s). The median run within 1.4x the best any filter
     * does for that noise and wander ({@link PollPolicy#steadyStateRmsS}: 2.2, 8.6, 21.1 ns), the worst within 1.8x.
     * Before the re-expression: medians 3.8, 18.4, 54.1 ns (worst 22.8, 25.4, 61.5); with it, but the measured noise
     * still the whole innovation (wander included): 7.6, 11.3, 25.6 (14.3, 17.6, 34.6), the estimate lagging the
     * wander with a mean of up to 8 ns; with the noise measured as the innovation less the prediction's variance:
     * 2.6, 9.7, 25.5 (2.8, 10.9, 32.3).
     */
    @Test
    void shouldFollowAWanderingOscillatorNearlyAsWellAsTheBestFilter() {
        StringBuilder seen = new StringBuilder();
        double wander = 1e-10;
        for (double noiseNs : new double[] {5, 30, 100}) {
            Summary s = runs(noiseNs, wander);
            double optimumNs = PollPolicy.steadyStateRmsS(wander, noiseNs * noiseNs * 1e-18, 1) * 1e9;
            String line = s.line() + String.format(Locale.ROOT, "; optimum %.1f ns", optimumNs);
            seen.append(line);
            assertTrue(s.convergedMax() <= 10 && s.convergedMax() > 0, "converged within 5 us by the 10th edge:" + line);
            assertTrue(s.medianRmsNs() <= 1.4 * optimumNs && s.maxRmsNs() <= 1.8 * optimumNs, "steady RMS:" + line);
        }
        System.out.println("PpsPathSimulationTest, wander:" + seen);
    }

    /** Median and worst over {@value #SEEDS} runs (each its own poll phase, noise and timer lateness). */
    record Summary(double noiseNs, double wander, double medianRmsNs, double maxRmsNs, int convergedMedian,
            int convergedMax, String runs) {
        String line() {
            return String.format(Locale.ROOT, "%n  noise %3.0f ns, wander %.0e: median RMS %.1f ns (worst %.1f), "
                    + "converged after %d edges (worst %d); runs RMS/mean@edges:%s", noiseNs, wander, medianRmsNs,
                    maxRmsNs, convergedMedian, convergedMax, runs);
        }
    }

    static Summary runs(double noiseNs, double wander) {
        double[] rms = new double[SEEDS];
        int[] conv = new int[SEEDS];
        StringBuilder runs = new StringBuilder();
        for (int seed = 1; seed <= SEEDS; seed++) {
            Outcome o = run(seed, noiseNs, wander);
            rms[seed - 1] = o.rmsNs();
            conv[seed - 1] = o.convergedAt() < 0 ? Integer.MAX_VALUE : o.convergedAt();
            runs.append(String.format(Locale.ROOT, " %.1f/%+.1f@%d", o.rmsNs(), o.meanNs(), o.convergedAt()));
        }
        Arrays.sort(rms);
        Arrays.sort(conv);
        return new Summary(noiseNs, wander, rms[SEEDS / 2], rms[SEEDS - 1], conv[SEEDS / 2], conv[SEEDS - 1],
                runs.toString());
    }
}
