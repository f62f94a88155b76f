package org.jntpd.clock;

import static org.jntpd.time.Units.NS_PER_DAY;
import static org.jntpd.time.Units.NS_PER_S;

import java.util.random.RandomGenerator;

/**
 * A simulated clock driven by a simulator's true time, following the model of the accuracy scenarios
 * (shared/SCENARIOS.md, the model of chrony's clknetsim): the clock reads {@code C(t) = t + x(t)} and runs at
 * {@code dC/dt = (1 + f(t)) * (1 + u(t))}, where {@code f(t) = f0 + W * (n_0 + ... + n_floor(t))} with the
 * {@code n_i} independent N(0,1) drawn once per second of true time counted from the start, and {@code u(t)} is the
 * frequency correction set through {@link #setFrequencyPpm(double)}, applied at once. Steps apply at once; an armed
 * leap second is inserted (deleted) when the clock's own reading reaches UTC midnight (23:59:59), as the Linux
 * kernel does.
 *
 * <p>The simulator owns true time: it calls {@link #advanceTo(long)} before each event, and every reading and
 * adjustment refers to that instant. Not thread-safe.
 */
public final class VirtualClock implements ClockControl {

    private final RandomGenerator wanderRandom;
    private final double wanderPerSqrtS;
    private final double maxFrequencyPpm;

    private long trueNs;
    private long nextSecondNs;
    /** x(t) = C(t) - t, in ns. */
    private double offsetNs;
    /** f(t), the oscillator's own frequency error (dimensionless). */
    private double oscillatorFreq;
    /** u(t), the applied correction (dimensionless). */
    private double correction;

    private LeapMode leapMode = LeapMode.NONE;
    private boolean leapDone;
    private int leapsInserted;
    private int leapsDeleted;
    private long lastLeapTrueNs = Long.MIN_VALUE;
    private int steps;
    private long lastStepNs;
    private boolean synced;
    private long estErrorNs;
    private long maxErrorNs;

    /**
     * @param startTrueNs    true time at the start, Unix ns; wander steps fall on whole seconds counted from here
     * @param initialOffsetNs x(0), positive = the clock is ahead
     * @param freq0          f0, the oscillator's initial frequency error (1e-4 = 100 ppm fast)
     * @param wanderPerSqrtS W, the standard deviation of the per-second frequency random-walk step
     * @param wanderRandom   draws the n_i
     * @param maxFrequencyPpm the largest |correction| accepted, like the kernel's limit
     */
    public VirtualClock(long startTrueNs, double initialOffsetNs, double freq0, double wanderPerSqrtS,
            RandomGenerator wanderRandom, double maxFrequencyPpm) {
        this.trueNs = startTrueNs;
        this.offsetNs = initialOffsetNs;
        this.wanderPerSqrtS = wanderPerSqrtS;
        this.wanderRandom = wanderRandom;
        this.maxFrequencyPpm = maxFrequencyPpm;
        // n_0 applies during the first second.
        this.oscillatorFreq = freq0 + wanderPerSqrtS * wanderRandom.nextGaussian();
        this.nextSecondNs = startTrueNs + NS_PER_S;
    }

    /** Advances true time to {@code targetTrueNs} (never backwards), integrating the clock's rate. */
    public void advanceTo(long targetTrueNs) {
        if (targetTrueNs < trueNs) {
            throw new IllegalArgumentException("true time goes forward only: at " + trueNs + ", asked " + targetTrueNs);
        }
        while (true) {
            if (trueNs == nextSecondNs) {
                oscillatorFreq += wanderPerSqrtS * wanderRandom.nextGaussian();
                nextSecondNs += NS_PER_S;
            }
            if (trueNs >= targetTrueNs) {
                return;
            }
            long segEnd = Math.min(targetTrueNs, nextSecondNs);
            double rate = (1 + oscillatorFreq) * (1 + correction) - 1;
            if (leapMode != LeapMode.NONE && !leapDone && crossLeapBoundary(segEnd, rate)) {
                continue;
            }
            offsetNs += rate * (segEnd - trueNs);
            trueNs = segEnd;
        }
    }

    /** Applies the armed leap if the clock's reading reaches its boundary before {@code segEnd}; true if it did. */
    private boolean crossLeapBoundary(long segEnd, double rate) {
        // Unix ns values lose precision as doubles: work with distances from trueNs.
        long clockNowNs = trueNs + Math.round(offsetNs);
        // INSERT acts at midnight, DELETE one second before it (23:59:59 never shows).
        long shift = leapMode == LeapMode.INSERT ? 0 : NS_PER_S;
        long boundary = Math.floorDiv(clockNowNs + shift, NS_PER_DAY) * NS_PER_DAY + NS_PER_DAY - shift;
        double toBoundaryNs = (boundary - trueNs) - offsetNs;
        if (toBoundaryNs > (1 + rate) * (segEnd - trueNs)) {
            return false;
        }
        long atTrueNs = trueNs + (long) Math.ceil(Math.max(0, toBoundaryNs) / (1 + rate));
        atTrueNs = Math.min(atTrueNs, segEnd);
        offsetNs += rate * (atTrueNs - trueNs);
        trueNs = atTrueNs;
        if (leapMode == LeapMode.INSERT) {
            offsetNs -= NS_PER_S;
            leapsInserted++;
        } else {
            offsetNs += NS_PER_S;
            leapsDeleted++;
        }
        lastLeapTrueNs = atTrueNs;
        leapDone = true;
        return true;
    }

    /** Adds {@code deltaFreq} to the oscillator's frequency error f (a scenario's frequency step). */
    public void changeOscillatorFrequency(double deltaFreq) {
        oscillatorFreq += deltaFreq;
    }

    /** Current true time, Unix ns. */
    public long trueNs() {
        return trueNs;
    }

    /** x(t) = C(t) - t in ns, unrounded: positive = the clock is ahead of true time. */
    public double offsetNs() {
        return offsetNs;
    }

    /** The clock's total frequency error (1 + f)(1 + u) - 1, dimensionless. */
    public double frequencyError() {
        return (1 + oscillatorFreq) * (1 + correction) - 1;
    }

    /** The oscillator's own frequency error f(t), dimensionless. */
    public double oscillatorFrequency() {
        return oscillatorFreq;
    }

    @Override
    public long nowNs() {
        return trueNs + Math.round(offsetNs);
    }

    @Override
    public void setFrequencyPpm(double freqPpm) {
        if (!(Math.abs(freqPpm) <= maxFrequencyPpm)) {
            throw new IllegalArgumentException("frequency correction " + freqPpm + " ppm outside +-" + maxFrequencyPpm);
        }
        correction = freqPpm * 1e-6;
    }

    @Override
    public double frequencyPpm() {
        return correction * 1e6;
    }

    @Override
    public double maxFrequencyPpm() {
        return maxFrequencyPpm;
    }

    @Override
    public void stepNs(long stepNs) {
        offsetNs += stepNs;
        steps++;
        lastStepNs = stepNs;
    }

    @Override
    public void setLeap(LeapMode mode) {
        if (mode != leapMode) {
            leapDone = false; // like the kernel: a new STA_INS/STA_DEL arms a new leap
        }
        leapMode = mode;
    }

    @Override
    public void setSyncStatus(boolean synced, long estErrorNs, long maxErrorNs) {
        this.synced = synced;
        this.estErrorNs = estErrorNs;
        this.maxErrorNs = maxErrorNs;
    }

    public LeapMode leapMode() {
        return leapMode;
    }

    public int leapsInserted() {
        return leapsInserted;
    }

    public int leapsDeleted() {
        return leapsDeleted;
    }

    /** True time at which the last leap second was applied, or Long.MIN_VALUE. */
    public long lastLeapTrueNs() {
        return lastLeapTrueNs;
    }

    public int steps() {
        return steps;
    }

    public long lastStepNs() {
        return lastStepNs;
    }

    public boolean synced() {
        return synced;
    }

    public long estErrorNs() {
        return estErrorNs;
    }

    public long maxErrorNs() {
        return maxErrorNs;
    }
}
