package org.jntpd.sync;

import org.jntpd.clock.ClockControl;

/**
 * The clock discipline, chrony style: frequency and phase are corrected separately. Each update sets the frequency
 * correction to cancel the estimated frequency error at once, and slews the estimated offset out over a short
 * interval by adding a temporary term to the frequency ({@code |offset| / maxSlewRate}, at least
 * {@code minSlewDuration}, shorter for a step of the sources known to many of its sigmas); the slew ends on
 * {@link #onTimer(long)}. The sources are told when the rate really changed, so a late timer's overshoot is in their
 * estimates and the next update corrects it. Offsets beyond the step threshold are stepped (at once on the first
 * update, otherwise once they persisted for the stepout interval, and only while the step limit allows); offsets
 * beyond the panic threshold are refused.
 *
 * <p>Every change of the clock is reported to a {@link Listener} (the synchroniser, which moves the sources'
 * estimates with it). Positive offset = the sources are ahead = the clock must move forward.
 */
public final class Discipline {
    private static final double PPM = 1e-6;
    /**
     * A step of the sources (recognised by them from spikes that agree) known to more than this many of its sigmas
     * (1 ms known to 10-200 us) is slewed out in {@code (KNOWN_SIGMAS sigma / |offset|)^2} of {@code minSlewDuration},
     * as short as the floors below allow. Spreading filtering noise keeps the frequency smooth; spreading a known
     * millisecond over a second only leaves the clock that far off for longer (1/3 of 1 ms^2 x 1 s). Only steps: an
     * ordinary update beyond 2 sigma (at long polls) slewed this fast ran the clock 2000 ppm off for 50 ms
     * (LEAP-insert).
     */
    private static final double KNOWN_SIGMAS = 2;
    /** The shortest slew of a known correction. */
    private static final long MIN_KNOWN_SLEW_NS = 50_000_000L;
    /**
     * ... and at least this many times the recent lateness of slew ends (the loop's timer): a slew that ends late
     * overshoots by its rate times the lateness, until the next update (chrony's MIN_SLEW_DURATION_EXCESS_RATIO).
     */
    private static final double LATENESS_RATIO = 5;
    /** The remembered lateness decays by this factor at each slew end (a stall long ago does not slow every slew). */
    private static final double LATENESS_DECAY = 0.9;

    /** What an update did. */
    public enum Correction { SLEW, STEP, STEPOUT_WAIT, PANIC }

    /** Set by {@link #requestStep}, cleared by the next update. */
    private boolean stepRequested;

    /** Receives the corrections as they are applied. */
    interface Listener {
        /**
         * The clock's rate changed at {@code nowNs}: every source's offset now changes {@code dFreq} less per local
         * second (positive = the clock got faster).
         */
        void onFrequencyChange(long nowNs, double dFreq);

        /** The clock was stepped by {@code stepNs}; {@code nowNs} is the local time after the step. */
        void onStep(long nowNs, long stepNs);
    }

    private final ClockControl clock;
    private final SyncConfig cfg;
    private final Listener listener;

    private double baseFreqPpm;
    /** The slew as a rate of change of the offset per local second (s/s, positive = the clock gains on the sources). */
    private double slewRate;
    private long slewEndNs;
    private boolean frequencyKnown;
    private boolean updated;
    private int steps;
    private long excessSinceNs;
    private boolean inExcess;
    private long lastUpdateNs;
    private long updateIntervalNs = -1;
    /** Recent lateness of slew ends, ns (decaying maximum). */
    private double slewLatenessNs;

    Discipline(ClockControl clock, SyncConfig cfg, Listener listener) {
        this.clock = clock;
        this.cfg = cfg;
        this.listener = listener;
        frequencyKnown = !Double.isNaN(cfg.initialFrequencyPpm());
        if (frequencyKnown) {
            baseFreqPpm = cfg.initialFrequencyPpm();
            clock.setFrequencyPpm(baseFreqPpm);
        } else {
            baseFreqPpm = clamp(clock.frequencyPpm(), cfg.maxFrequencyPpm()); // as left by a previous run
        }
    }

    /*
     * Exact rates. With frequency correction u the clock runs at (1 + f)(1 + u) true seconds per second, so a
     * source's offset changes by 1 / ((1 + f)(1 + u)) - 1 per local second. Only the factor 1 / (1 + u) is ours to
     * set: the discipline works with the inverse rate r = 1 / (1 + u), changes r by exactly the estimated frequency
     * and slew, and reports changes of r to the sources. The linear shortcut (u += correction) would be off by u^2:
     * 0.7 % of an initial slew at 83333 ppm, 0.7 ms of 0.1 s.
     */
    private static double inverseRate(double freqPpm) {
        return 1 / (1 + freqPpm * PPM);
    }

    private static double freqPpmOf(double inverseRate) {
        return (1 / inverseRate - 1) / PPM;
    }

    private double totalInverseRate() {
        return inverseRate(baseFreqPpm) - slewRate;
    }

    /** The next update steps the clock by its offset, whatever its size (jntpc makestep, chronyc's makestep). */
    void requestStep() {
        stepRequested = true;
    }

    /** {@link #update(long, double, double, double)} with an offset that is not a known step (never a fast slew). */
    Correction update(long nowNs, double offsetS, double freq) {
        return update(nowNs, offsetS, Double.POSITIVE_INFINITY, freq);
    }

    /**
     * Applies one system update at local time {@code nowNs}: {@code offsetS} the estimated offset (sources minus
     * clock, s), {@code knownSigmaS} its standard deviation when it holds a step of the sources that they just
     * recognised (else +inf: the offset is filtering's, spread over {@code minSlewDuration}), {@code freq} the
     * estimated frequency of the sources relative to the clock (offset change per local second; positive = the clock
     * is slow).
     */
    Correction update(long nowNs, double offsetS, double knownSigmaS, double freq) {
        endSlewIfDue(nowNs);
        double absOffsetNs = Math.abs(offsetS) * 1e9;
        boolean first = !updated;
        boolean forced = stepRequested;
        stepRequested = false;
        if (cfg.panicThresholdNs() > 0 && absOffsetNs > cfg.panicThresholdNs() && !(first && cfg.panicExemptFirst())) {
            return Correction.PANIC;
        }
        boolean beyondStep = cfg.stepThresholdNs() > 0 && absOffsetNs > cfg.stepThresholdNs();
        boolean mayStep = cfg.stepLimit() < 0 || steps < cfg.stepLimit();
        if (beyondStep && mayStep && !first && !forced) {
            if (!inExcess) {
                inExcess = true;
                excessSinceNs = nowNs;
            }
            if (nowNs - excessSinceNs < cfg.stepoutNs()) {
                return Correction.STEPOUT_WAIT;
            }
        }
        inExcess = false;
        updateIntervalNs = updated ? nowNs - lastUpdateNs : -1;
        updated = true;
        lastUpdateNs = nowNs;
        // The sources' frequency is relative to the clock as it runs now, a slew included.
        double oldInverse = totalInverseRate();
        baseFreqPpm = clamp(freqPpmOf(oldInverse - freq), cfg.maxFrequencyPpm());
        frequencyKnown = true;
        if (forced || beyondStep && mayStep) {
            slewRate = 0;
            setTotal(nowNs, oldInverse);
            long stepNs = Math.round(offsetS * 1e9);
            clock.stepNs(stepNs);
            steps += forced ? 0 : 1; // an operator's step does not use up makestep's limit
            lastUpdateNs = nowNs + stepNs; // on the stepped clock, as the next update's time will be
            listener.onStep(nowNs + stepNs, stepNs);
            return Correction.STEP;
        }
        // Fastest slew the clock allows in this direction, as a rate of offset change per local second.
        double base = inverseRate(baseFreqPpm);
        double limitPpm = Math.min(baseFreqPpm + Math.signum(offsetS) * cfg.maxSlewRatePpm(), clock.maxFrequencyPpm());
        limitPpm = Math.max(limitPpm, -clock.maxFrequencyPpm());
        double maxRate = Math.abs(base - inverseRate(limitPpm));
        double durationS = Math.max(maxRate > 0 ? Math.abs(offsetS) / maxRate : 0,
                minSlewDurationS(offsetS, knownSigmaS));
        long durationNs = (long) Math.ceil(durationS * 1e9);
        slewRate = offsetS / (durationNs * 1e-9); // exactly the offset by the end, in whole ns
        slewEndNs = nowNs + durationNs;
        setTotal(nowNs, oldInverse);
        return Correction.SLEW;
    }

    /** The shortest slew for this correction, s: {@code minSlewDuration}, less for a step known to many sigmas. */
    private double minSlewDurationS(double offsetS, double knownSigmaS) {
        double minS = cfg.minSlewDurationNs() * 1e-9;
        double known = KNOWN_SIGMAS * knownSigmaS / Math.abs(offsetS);
        if (!(known < 1)) {
            return minS; // not a step, or one the noise hides
        }
        double floorS = Math.max(MIN_KNOWN_SLEW_NS, LATENESS_RATIO * slewLatenessNs) * 1e-9;
        return Math.min(minS, Math.max(floorS, minS * known * known));
    }

    private void setTotal(long nowNs, double oldInverse) {
        double inverse = totalInverseRate();
        clock.setFrequencyPpm(clamp(freqPpmOf(inverse), clock.maxFrequencyPpm()));
        listener.onFrequencyChange(nowNs, oldInverse - inverse);
    }

    /** Ends a slew whose time has come; the daemon calls it at (or after) {@link #nextTimerNs()}. */
    void onTimer(long nowNs) {
        endSlewIfDue(nowNs);
    }

    private void endSlewIfDue(long nowNs) {
        if (slewRate != 0 && nowNs - slewEndNs >= 0) {
            // A stall of more than the longest slew is the machine's (a suspend), not the timer's.
            double lateNs = Math.min(nowNs - slewEndNs, cfg.minSlewDurationNs());
            slewLatenessNs = Math.max(lateNs, slewLatenessNs * LATENESS_DECAY);
            double old = totalInverseRate();
            slewRate = 0;
            setTotal(nowNs, old);
        }
    }

    /** The running slew as the rate at which it changes the clock's offset (s/s, positive = the clock gains), else 0. */
    double slewRate() {
        return slewRate;
    }

    /** How long the running slew still runs after {@code nowNs}, ns (0 when none runs). */
    long slewLeftNs(long nowNs) {
        return slewRate != 0 ? Math.max(0, slewEndNs - nowNs) : 0;
    }

    /** Local time between the last two clock updates, ns; -1 before the second. */
    long updateIntervalNs() {
        return updateIntervalNs;
    }

    /** When the running slew ends (local ns), or Long.MAX_VALUE when none runs. */
    long nextTimerNs() {
        return slewRate != 0 ? slewEndNs : Long.MAX_VALUE;
    }

    private static double clamp(double v, double limit) {
        return Math.max(-limit, Math.min(limit, v));
    }

    /** The frequency correction without the slew, ppm: the drift value to save and restore. */
    public double frequencyPpm() {
        return baseFreqPpm;
    }

    /** Whether the frequency correction is estimated (or was restored from a drift value). */
    public boolean frequencyKnown() {
        return frequencyKnown;
    }

    /** Whether the discipline has corrected the clock at least once. */
    public boolean updated() {
        return updated;
    }

    public int steps() {
        return steps;
    }

    public long lastUpdateNs() {
        return lastUpdateNs;
    }
}
