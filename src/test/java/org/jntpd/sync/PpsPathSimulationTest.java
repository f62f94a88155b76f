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
    /** The guest kernel's tick (HZ=250): a new frequency takes effect at the next one. */
    private static final long TICK_NS = 4 * MS;
    /** The guest bench's window: the edges after 10 in a row within 5 us. */
    private static final int WINDOW = 100;

    /** One run's figures: convergence edge, steady RMS, mean and largest error (ns). */
    record Outcome(int convergedAt, double rmsNs, double meanNs, double maxNs) {}

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
        return run(seed, noiseNs, wander, null, false, null);
    }

    /**
     * The coarse source beside the pulses, as in the guest bench: an NTP server (stratum 1, its root dispersion reset
     * every minute) reached through a relay holding each direction {@code oneWayNs} plus an exponential queue of mean
     * {@code queueNs}, polled every {@code pollNs}; its clock {@code offsetNs} off the pulses at the start and
     * drifting {@code driftPpm} from them (the guest's raw clock, which the pulses follow, runs a few ppm off the
     * host's).
     */
    record Server(long offsetNs, double driftPpm, long oneWayNs, long queueNs, long pollNs) {}

    /**
     * @param server       the coarse source beside the pulses, null for none (the pulses numbered as if the system
     *                     clock were always synchronised)
     * @param kernelTicks  the clock takes a new frequency at its next tick, as Linux does ({@link TickLateClock}),
     *                     instead of at once
     * @param trace        if not null, receives each edge's error (ns), edge 1 first
     */
    static Outcome run(int seed, double noiseNs, double wander, Server server, boolean kernelTicks, long[] trace) {
        return run(seed, noiseNs, wander, server, kernelTicks, false, 0, 0, 0, PULSES, STEADY_FROM, trace);
    }

    static Outcome run(int seed, double noiseNs, double wander, Server server, boolean kernelTicks, boolean kernelUnits,
            int pulseStepAt, long pulseStepNs, int pollLog2, int pulses, int steadyFrom, long[] trace) {
        return run(seed, noiseNs, wander, server, kernelTicks, kernelUnits, pulseStepAt, pulseStepNs, pollLog2, pulses,
                steadyFrom, 0, trace);
    }

    /**
     * @param kernelUnits  the clock takes frequencies in the kernel's units, 2^-16 ppm (15.26 ppb, as
     *                     {@code ADJ_FREQUENCY} and LinuxClock's read-back), and the plant needs one of them exactly
     *                     (the guest's pulses follow its raw clock): a rate that holds the pulses to the ns exists
     * @param pulseStepAt  from this edge on (0: never) the pulses come {@code pulseStepNs} later: the error the
     *                     loop must then correct, as the guest's plateaus were
     * @param pollLog2     the refclock's poll ({@code refclock PPS ... poll N}): 2^N pulses per sample
     * @param pulses       edges simulated
     * @param steadyFrom   the first edge the steady figures count
     * @param multiplierPpm with kernelTicks: the kernel realises frequencies on a clocksource multiplier this many
     *                     ppm a step ({@link MultiplierClock}); 0: at the next tick, exactly ({@link TickLateClock})
     */
    static Outcome run(int seed, double noiseNs, double wander, Server server, boolean kernelTicks, boolean kernelUnits,
            int pulseStepAt, long pulseStepNs, int pollLog2, int pulses, int steadyFrom, double multiplierPpm,
            long[] trace) {
        SplittableRandom rnd = new SplittableRandom(seed);
        // 0.3 s and 50 ppm off, as the guest bench starts; the first update steps. Linux's CLOCK_REALTIME takes
        // corrections up to 100,000 ppm (ADJ_TICK). The clock runs at (1 + f)(1 + u): in kernel units the correction
        // that cancels f is -50 ppm exactly.
        double freq0 = kernelUnits ? 1 / (1 - 50e-6) - 1 : 50e-6;
        VirtualClock clock = new VirtualClock(T0, 300_000_000, freq0, wander, new Random(seed), 100_000);
        long tickPhaseNs = new SplittableRandom(~seed).nextLong(TICK_NS);
        TickLateClock ticking = new TickLateClock(clock, kernelUnits);
        MultiplierClock multiplier = new MultiplierClock(clock, multiplierPpm);
        org.jntpd.clock.ClockControl kernel = !kernelTicks ? clock : multiplierPpm > 0 ? multiplier : ticking;
        // The guest measures 2^-20 s for a clock read under TCG: the refclock's precision and the system's.
        Synchroniser sync = new Synchroniser(kernel, SyncConfig.builder().precisionLog2(-20).build());
        RefclockSettings settings = RefclockSettings.defaults("pps", "PPS").withPoll(pollLog2, 0)
                .withCorrections(0, 0, 0, 954);
        Synchroniser[] syncRef = new Synchroniser[1];
        // With a server the pulses are numbered by the system clock once it is synchronised (as in the daemon);
        // without, as if it always were.
        SystemReference system = server == null ? SystemReference.fixed(MS, NtpPacket.LEAP_NONE) : new SystemReference() {
            @Override
            public long rootDistanceNs(long localTimeNs) {
                SystemState st = syncRef[0].state();
                return st.synced() ? st.rootDelayNs() / 2 + st.rootDispersionNs(localTimeNs) : Long.MAX_VALUE;
            }

            @Override
            public int leap() {
                return syncRef[0].state().synced() ? NtpPacket.LEAP_NONE : NtpPacket.LEAP_UNSYNCHRONIZED;
            }
        };
        syncRef[0] = sync;
        Refclock refclock = new Refclock(settings, system);
        SimulatedPps device = new SimulatedPps();
        PpsDriver driver = new PpsDriver(device, refclock, PulseMonitor.forSettings(settings));
        driver.start();
        Source pps = sync.addSource(new SourceConfig("PPS", settings.refIdBits(), true, false));
        sync.addStepListener((nowNs, stepNs) -> {
            refclock.onClockStep(stepNs);
            driver.skipNextPulse();
        });
        // As the daemon's RefclockSources: each rate change re-expresses the pulses the refclock holds, and a sample
        // waiting for the loop is re-expressed for the changes after its poll.
        RateChanges rateChanges = new RateChanges(256);
        sync.addStepListener(new ClockStepListener() {
            @Override
            public void onClockStep(long nowNs, long stepNs) {
                rateChanges.onClockStep(nowNs, stepNs);
            }

            @Override
            public void onFrequencyChange(long nowNs, double dFreq) {
                rateChanges.onFrequencyChange(nowNs, dFreq);
                refclock.onRateChange(nowNs, dFreq, rateChanges.count());
            }
        });
        Sample sample = new Sample();
        Source ntp = server == null ? null : sync.addSource(new SourceConfig("NTP", 0x0a000202, false, false));
        Sample ntpSample = new Sample();
        long nextRequest = server == null ? Long.MAX_VALUE : T0 + rnd.nextLong(MS, 100 * MS);
        long replyDue = Long.MAX_VALUE;
        boolean[] stepped = new boolean[1];
        sync.addStepListener((nowNs, stepNs) -> stepped[0] = true); // a reply in flight is dropped, as an association does
        long t1 = 0;
        long t2 = 0;

        long pollPhaseNs = rnd.nextLong(50 * MS, 950 * MS);
        long nextEdge = T0 + S;
        long nextRead = Long.MAX_VALUE;
        long nextPoll = T0 + pollPhaseNs;
        long timerLateNs = rnd.nextLong(2 * MS);
        List<long[]> deliveries = new ArrayList<>(); // {due true ns, index into pending}
        List<RefclockSample> pending = new ArrayList<>();
        long pollNs = S << pollLog2;
        double[] errors = new double[pulses + 1];
        int k = 0;
        while (k < pulses) {
            long next = Math.min(Math.min(nextEdge, nextRead), Math.min(nextPoll, clock.trueNs() + MS));
            next = Math.min(next, Math.min(nextRequest, replyDue));
            if (kernelTicks && multiplierPpm == 0) {
                next = Math.min(next, ((clock.trueNs() - tickPhaseNs) / TICK_NS + 1) * TICK_NS + tickPhaseNs);
            }
            for (long[] d : deliveries) {
                next = Math.min(next, d[0]);
            }
            multiplier.advanceTo(next);
            long now = clock.trueNs();
            if (kernelTicks && multiplierPpm == 0 && (now - tickPhaseNs) % TICK_NS == 0) {
                ticking.tick();
            }
            // The guest wakes for an edge (the module's timer), the daemon's read, poll, packets, samples and timers;
            // idle (NOHZ) otherwise: only then does timekeeping run and pick a multiplier.
            boolean wakes = now == nextEdge || now == nextRead || now == nextPoll || now == nextRequest
                    || now == replyDue || clock.nowNs() - sync.nextTimerNs() >= timerLateNs;
            for (long[] d : deliveries) {
                wakes |= d[0] <= now;
            }
            if (wakes && kernel == multiplier) {
                multiplier.wake();
            }
            if (now == nextEdge) {
                k++;
                long pulseLateNs = pulseStepAt > 0 && k >= pulseStepAt ? pulseStepNs : 0;
                errors[k] = clock.offsetNs() + pulseLateNs;
                device.sequence = k;
                device.stampNs = clock.nowNs() + pulseLateNs + Math.round(noiseNs * rnd.nextGaussian());
                nextEdge += S;
                nextRead = now + rnd.nextLong(50_000, 1 * MS);
            }
            if (now == nextRequest) {
                long outNs = server.oneWayNs() + (long) (-server.queueNs() * Math.log(1 - rnd.nextDouble()));
                long backNs = server.oneWayNs() + (long) (-server.queueNs() * Math.log(1 - rnd.nextDouble()));
                t1 = clock.nowNs();
                long atServer = now + outNs;
                t2 = atServer + server.offsetNs() + Math.round((atServer - T0) * server.driftPpm() * 1e-6);
                replyDue = atServer + backNs;
                nextRequest += server.pollNs();
            }
            if (stepped[0]) {
                stepped[0] = false;
                replyDue = Long.MAX_VALUE;
            }
            if (now == replyDue) {
                long t4 = clock.nowNs();
                long delayNs = t4 - t1;
                long offsetNs = ((t2 - t1) + (t2 - t4)) / 2;
                long sinceMinuteNs = Math.floorMod(now - T0, 60 * S);
                ntpSample.set(t4, offsetNs, delayNs, 1000 + delayNs * 15 / 1_000_000, 0,
                        1000 + sinceMinuteNs * 15 / 1_000_000, 1, 0x4c4f434c, NtpPacket.LEAP_NONE, -24);
                ntp.setReachable(true);
                if (ntp.accumulate(ntpSample)) {
                    sync.update(clock.nowNs());
                }
                replyDue = Long.MAX_VALUE;
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
                nextPoll += pollNs;
            }
            for (int i = 0; i < deliveries.size(); i++) {
                long[] d = deliveries.get(i);
                if (d[0] <= now) {
                    RefclockSample x = pending.get((int) d[1]);
                    // As the daemon's RefclockSources hands a reference clock's sample to its source.
                    sample.set(x.localTimeNs(), x.offsetNs(), x.delayNs(), x.dispersionNs(), x.delayNs(),
                            x.dispersionNs(), settings.stratum(), settings.refIdBits(), x.leap(), settings.precisionLog2());
                    rateChanges.reexpress(sample, x.rateChanges());
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
        if (trace != null) {
            for (int i = 1; i <= pulses && i <= trace.length; i++) {
                trace[i - 1] = Math.round(errors[i]);
            }
        }
        int run = 0;
        int converged = -1;
        for (int i = 1; i <= pulses && converged < 0; i++) {
            run = Math.abs(errors[i]) < CONVERGED_NS ? run + 1 : 0;
            if (run == 10) {
                converged = i - 9;
            }
        }
        double sum = 0;
        double sq = 0;
        double max = 0;
        for (int i = steadyFrom; i <= pulses; i++) {
            sum += errors[i];
            sq += errors[i] * errors[i];
            max = Math.max(max, Math.abs(errors[i]));
        }
        int n = pulses - steadyFrom + 1;
        return new Outcome(converged, Math.sqrt(sq / n), sum / n, max);
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

    /** A Linux kernel clock over a virtual one: what both kernel models share (reads, limits, steps, status). */
    abstract static class KernelClock implements org.jntpd.clock.ClockControl {
        final VirtualClock clock;

        KernelClock(VirtualClock clock) {
            this.clock = clock;
        }

        @Override
        public long nowNs() {
            return clock.nowNs();
        }

        @Override
        public double maxFrequencyPpm() {
            return clock.maxFrequencyPpm();
        }

        @Override
        public long frequencyChangeDelayNs() {
            return 10 * MS; // as LinuxClock says of CLOCK_REALTIME: one tick at HZ=100
        }

        @Override
        public void stepNs(long stepNs) {
            clock.stepNs(stepNs);
        }

        @Override
        public void setLeap(org.jntpd.clock.LeapMode mode) {
            clock.setLeap(mode);
        }

        @Override
        public void setSyncStatus(boolean synced, long estErrorNs, long maxErrorNs) {
            clock.setSyncStatus(synced, estErrorNs, maxErrorNs);
        }
    }

    /**
     * The kernel's clock as the daemon adjusts it: a new frequency takes effect at the next tick (timekeeping
     * accumulates the cycles since the last one at the old rate, then picks up the new tick length), up to 4 ms
     * (HZ=250) after the call.
     */
    static final class TickLateClock extends KernelClock {
        private final boolean kernelUnits;
        private double pendingPpm = Double.NaN;

        /** @param kernelUnits frequencies rounded to 2^-16 ppm, as ADJ_FREQUENCY takes them */
        TickLateClock(VirtualClock clock, boolean kernelUnits) {
            super(clock);
            this.kernelUnits = kernelUnits;
        }

        void tick() {
            if (!Double.isNaN(pendingPpm)) {
                clock.setFrequencyPpm(pendingPpm);
                pendingPpm = Double.NaN;
            }
        }

        @Override
        public void setFrequencyPpm(double freqPpm) {
            pendingPpm = kernelUnits ? Math.round(freqPpm * 65536) / 65536.0 : freqPpm;
        }

        @Override
        public double frequencyPpm() {
            return Double.isNaN(pendingPpm) ? clock.frequencyPpm() : pendingPpm;
        }
    }

    /**
     * Linux's timekeeping as it realises a frequency (kernel/time/timekeeping.c, timekeeping_adjust): the clock runs
     * on an integer clocksource multiplier, one step of which is {@code unitPpm} (TSC 2.596 GHz, shift 25: 0.077
     * ppm); at each accumulation it takes the multiplier just below the asked rate, or the one above while the clock
     * is behind the asked rate's integral (ntp_error > 0). Accumulation runs at a wakeup at least a tick after the
     * last one (an idle NOHZ guest has no ticks) and at once when ADJ_FREQUENCY sets a rate. So the clock follows the
     * asked phase only within a unit times the time between wakeups: the guest's experiment (+0.03 ppm asked, about
     * one wakeup a second) moved +1, +64, 0, +5, +74, 0, +49 ns in its seconds.
     */
    static final class MultiplierClock extends KernelClock {
        private final double unitPpm;
        private double askedPpm;
        /** The asked rate's integral less the clock's since the last step, ns (the kernel's ntp_error). */
        private double errorNs;
        private long lastAccumulatedNs = Long.MIN_VALUE / 2;

        MultiplierClock(VirtualClock clock, double unitPpm) {
            super(clock);
            this.unitPpm = unitPpm;
            this.askedPpm = clock.frequencyPpm();
        }

        void advanceTo(long trueNs) {
            long dtNs = trueNs - clock.trueNs();
            errorNs += (askedPpm - clock.frequencyPpm()) * 1e-6 * dtNs;
            clock.advanceTo(trueNs);
        }

        /** A wakeup: timekeeping accumulates and picks a multiplier, if a tick passed since it last did. */
        void wake() {
            if (clock.trueNs() - lastAccumulatedNs >= TICK_NS) {
                accumulate();
            }
        }

        private void accumulate() {
            lastAccumulatedNs = clock.trueNs();
            double k = Math.floor(askedPpm / unitPpm) + (errorNs > 0 ? 1 : 0);
            clock.setFrequencyPpm(k * unitPpm);
        }

        @Override
        public void setFrequencyPpm(double freqPpm) {
            askedPpm = Math.round(freqPpm * 65536) / 65536.0; // ADJ_FREQUENCY's units
            accumulate(); // TK_ADV_FREQ
        }

        @Override
        public double frequencyPpm() {
            return askedPpm;
        }

        @Override
        public void stepNs(long stepNs) {
            super.stepNs(stepNs);
            errorNs = 0; // TK_CLEAR_NTP
        }
    }

    /**
     * The guest bench's case: the daemon's clock a Linux kernel's ({@link TickLateClock}), the NTP server beside the
     * pulses 0.7-5.6 ms off them and drifting by up to 3 ppm, polled every 1-3 s through a 5 ms relay; the figure is
     * the bench's, the 100 edges after 10 in a row within 5 us. The median run within 30 ns at 5 and 30 ns of pulse
     * noise, the worst within 100 ns. The sources took each rate change to take effect when it was set, so the
     * pull-in's fast slews left phase errors of up to rate x tick (2 ms/s x 4 ms = 8 us) that a quiet PPS's filter
     * took for noise of the samples of that time; it then came back from ~100 ns at ~1 ns/s (the guest's slow final
     * approach): window RMS median 59 ns at 5 ns of noise (worst 255, means up to 212 ns). With the phase uncertainty
     * the delay adds at each change ({@link org.jntpd.clock.ClockControl#frequencyChangeDelayNs}) and the measured
     * noise used from the 8th sample: medians 15.5 and 20.0 ns (worst 108 and 114: the pull-in's innovations held the
     * measured noise near the declared 1 us for ~50 samples, and a small frequency error went unnoticed); with the
     * smaller of a 32- and an 8-sample average of it: 13.8 and 19.1 ns (worst 63 and 63).
     */
    @Test
    void shouldNotCarryThePullInsSlewErrorsIntoTheSteadyStateOnAKernelClock() {
        StringBuilder seen = new StringBuilder();
        for (double noiseNs : new double[] {5, 30}) {
            double[] rms = new double[SEEDS];
            StringBuilder runs = new StringBuilder();
            long[] trace = new long[PULSES];
            for (int seed = 1; seed <= SEEDS; seed++) {
                Server server = new Server((seed % 2 == 0 ? -1 : 1) * seed * 700_000L, (seed % 3 - 1) * 3.0, 5 * MS,
                        300 * 1000, (1 + seed % 3) * S);
                Outcome o = run(seed, noiseNs, 0, server, true, trace);
                assertTrue(o.convergedAt() > 0, "seed " + seed + " converged");
                double sq = 0;
                double sum = 0;
                int from = o.convergedAt() + 9; // 0-based index of the edge after the 10 within 5 us
                for (int i = from; i < from + WINDOW; i++) {
                    sq += (double) trace[i] * trace[i];
                    sum += trace[i];
                }
                rms[seed - 1] = Math.sqrt(sq / WINDOW);
                runs.append(String.format(Locale.ROOT, " %.1f/%+.1f@%d", rms[seed - 1], sum / WINDOW, o.convergedAt()));
            }
            Arrays.sort(rms);
            String line = String.format(Locale.ROOT, "%n  noise %2.0f ns: window RMS median %.1f ns (worst %.1f); "
                    + "runs RMS/mean@edges:%s", noiseNs, rms[SEEDS / 2], rms[SEEDS - 1], runs);
            seen.append(line);
            assertTrue(rms[SEEDS / 2] <= 30 && rms[SEEDS - 1] <= 100, "window after convergence:" + line);
        }
        System.out.println("PpsPathSimulationTest, kernel ticks and a server:" + seen);
    }

    /**
     * Issue 15's plateaus: in the guest the error, once below ~1 us, held flat to the ns at +125, +75, -139 ns for
     * 8-60 edges. The guest as far as the sync core sees it: the guest's precision (2^-20 s, 954 ns of dispersion
     * a sample), a kernel clock taking each rate at its next tick and in the kernel's 2^-16 ppm, a plant that one
     * of those rates holds to the ns, a 1 s server 5 ms away, pulses of ~1 ns noise; then, long after convergence,
     * the pulses come 125 ns later. The loop must take the 125 ns out within a few edges and hold it: this path
     * makes no plateau (edges 300-305, seeds 1-4: 125 125 40 8 1 0; 125 125 116 12 0 -1; 125 125 125 23 5 2; 125
     * 125 55 12 2 0; the same without the kernel's units), its sigma 551 ns as in the guest's loopstats, its offset
     * estimate the first late sample's in full (123 of 125 ns). So the declared precision, the kernel's frequency
     * units and a server update right after each PPS update (tried: the base frequency stays) do not explain them.
     */
    @Test
    void shouldTakeOutAStepOfThePulsesWithTheGuestsPrecisionAndKernelUnits() {
        StringBuilder seen = new StringBuilder();
        int stepAt = 300;
        for (int seed = 1; seed <= 4; seed++) {
            Server server = new Server((seed % 2 == 0 ? -1 : 1) * seed * 70_000L, (seed % 3 - 1) * 0.5, 5 * MS,
                    300 * 1000, S);
            long[] trace = new long[PULSES];
            Outcome o = run(seed, 1, 0, server, true, true, stepAt, 125, 0, PULSES, STEADY_FROM, trace);
            assertTrue(o.convergedAt() > 0 && o.convergedAt() < stepAt - 50, "seed " + seed + " converged");
            long worstNs = 0;
            for (int i = stepAt + 5; i < stepAt + 200; i++) { // trace[i] is edge i + 1
                worstNs = Math.max(worstNs, Math.abs(trace[i]));
            }
            StringBuilder series = new StringBuilder();
            for (int i = stepAt - 2; i < stepAt + 12; i++) {
                series.append(' ').append(trace[i]);
            }
            String line = String.format(Locale.ROOT, "%n  seed %d: edges %d-%d:%s; worst from the 6th edge on %d ns",
                    seed, stepAt - 1, stepAt + 12, series, worstNs);
            seen.append(line);
            assertTrue(worstNs <= 20, "125 ns taken out within 5 edges and held:" + line);
        }
        System.out.println("PpsPathSimulationTest, a 125 ns step of the pulses, kernel units:" + seen);
    }

    /**
     * A PPS polled at poll 4 (chrony's and jntpd's default for a reference clock: 16 pulses per sample) and at poll 2,
     * on the guest's kernel clock ({@link TickLateClock}) beside the guest bench's NTP server (not drifting here:
     * a drifting one pulls the clock off the pulses by itself). The server's updates change the clock's rate several
     * times within one poll, so the filter combines pulses measured under different rates unless each is re-expressed
     * at the present rate when the rate changes ({@link Refclock#onRateChange}); the sample's mean time alone was
     * re-expressed before. Steady state (edges 600-2400), 8 seeds, worst RMS within 0.2x the noise + 2.5 ns and worst
     * error within 0.5x + 8 ns. Before, at poll 4: RMS median 3.0 ns (worst 8.0), MAX median 7 (worst 27) at 5 ns of
     * noise; 3.9 (8.8), MAX 12 (25) at 30 ns; after: 1.2 (2.4), MAX 4 (6); 4.3 (5.1), MAX 14 (15). At poll 2 the
     * pulses span 4 s, a quarter of the error, hidden in the noise: 1.5 (2.0), MAX 5 (7) and 6.1 (6.5), MAX 17 (20),
     * before and after alike.
     */
    @Test
    void shouldCombineAPolledPpsesPulsesAtTheClocksPresentRate() {
        StringBuilder seen = new StringBuilder();
        for (int pollLog2 : new int[] {4, 2}) {
            for (double noiseNs : new double[] {5, 30}) {
                Spread runs = new Spread();
                for (int seed = 1; seed <= SEEDS; seed++) {
                    Server server = new Server((seed % 2 == 0 ? -1 : 1) * seed * 700_000L, 0, 5 * MS, 300 * 1000,
                            (1 + seed % 3) * S);
                    runs.add(run(seed, noiseNs, 0, server, true, false, 0, 0, pollLog2, 2400, 600, null));
                }
                runs.sort();
                String line = String.format(Locale.ROOT, "%n  poll %d, noise %2.0f ns: RMS median %.1f ns "
                        + "(worst %.1f), MAX median %.0f ns (worst %.0f); runs RMS/mean/MAX@edges:%s", pollLog2,
                        noiseNs, runs.rms[SEEDS / 2], runs.rms[SEEDS - 1], runs.max[SEEDS / 2], runs.max[SEEDS - 1],
                        runs.text);
                seen.append(line);
                assertTrue(runs.rms[SEEDS - 1] <= 0.2 * noiseNs + 2.5 && runs.max[SEEDS - 1] <= 0.5 * noiseNs + 8,
                        "steady state:" + line);
            }
        }
        System.out.println("PpsPathSimulationTest, polled PPS on a kernel clock:" + seen);
    }

    /**
     * The guest's kernel as it realises a frequency ({@link MultiplierClock}: a multiplier step of 0.077 ppm, chosen
     * only when the idle guest wakes), beside the 1 s server: the pulses (1 ns of noise) can be held only as well as
     * the kernel follows the asked phase, +-unit x time between wakeups (77 ns over a second). Steady state (edges
     * 200-900), 8 seeds: RMS median within 25 ns and worst within 30, errors within 80 ns. Seen: RMS 7.8-19.7 ns
     * (median 15.6), MAX 19-61 ns, a pattern of two or three seconds (-25, +2, -25, +2 ...) as the multiplier
     * alternates; with the kernel realising every rate exactly, 1-2 ns. The guest's own floor, not the loop's:
     * chronyd's best guest runs, 16 ns.
     */
    @Test
    void shouldHoldThePulsesAsCloseAsTheKernelsMultiplierAllows() {
        Spread runs = new Spread();
        for (int seed = 1; seed <= SEEDS; seed++) {
            Server server = new Server((seed % 2 == 0 ? -1 : 1) * seed * 70_000L, 0, 5 * MS, 300 * 1000, S);
            Outcome o = run(seed, 1, 0, server, true, true, 0, 0, 0, PULSES, STEADY_FROM, 0.077, null);
            assertTrue(o.convergedAt() > 0, "seed " + seed + " converged");
            runs.add(o);
        }
        runs.sort();
        String line = String.format(Locale.ROOT, "RMS median %.1f ns (worst %.1f), MAX worst %.0f ns; runs "
                + "RMS/mean/MAX@edges:%s", runs.rms[SEEDS / 2], runs.rms[SEEDS - 1], runs.max[SEEDS - 1], runs.text);
        System.out.println("PpsPathSimulationTest, the kernel's multiplier: " + line);
        assertTrue(runs.rms[SEEDS / 2] <= 25 && runs.rms[SEEDS - 1] <= 30 && runs.max[SEEDS - 1] <= 80, line);
    }

    /** The steady RMS and largest error of {@value #SEEDS} runs (sorted by {@link #sort()}), and each run's figures. */
    static final class Spread {
        final double[] rms = new double[SEEDS];
        final double[] max = new double[SEEDS];
        final StringBuilder text = new StringBuilder();
        private int n;

        void add(Outcome o) {
            rms[n] = o.rmsNs();
            max[n] = o.maxNs();
            n++;
            text.append(String.format(Locale.ROOT, " %.1f/%+.1f/%.0f@%d", o.rmsNs(), o.meanNs(), o.maxNs(),
                    o.convergedAt()));
        }

        void sort() {
            Arrays.sort(rms);
            Arrays.sort(max);
        }
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
