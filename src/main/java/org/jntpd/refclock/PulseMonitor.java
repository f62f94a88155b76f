package org.jntpd.refclock;

/**
 * Watches a pulse train as the system clock timestamps it: flags spurious pulses (not a whole number of periods after
 * the last good one, or with the wrong width), counts missing pulses (whole periods with no pulse) and pulses the
 * reader never fetched (gaps in the kernel's sequence numbers), and estimates the timestamp jitter.
 *
 * <p>Jitter: the interval between consecutive good pulses is {@code period * (1 + f) + e[n] - e[n-1]} for a local
 * frequency error f and independent timestamp errors e of deviation sigma, so the intervals' variance about their mean
 * is 2 sigma^2: jitter = sqrt(var / 2) over the last {@code window} intervals, unaffected by f.
 *
 * <p>The system clock's own rate against a free-running clock ({@link #localRate}) stretches the intervals: a daemon
 * slewing at 8% makes them 1.08 s, far outside a 10 ms tolerance. A caller that knows it says so, and intervals are
 * judged in periods of that length.
 *
 * <p>After an unexplained run of rejected pulses that are themselves a whole number of periods apart, the train is
 * taken to have moved (the first pulse after start was the glitch, or the source re-phased) and the monitor follows it.
 * Allocation-free; one driver thread.
 */
public final class PulseMonitor {
    private static final long U32 = 0xFFFF_FFFFL;

    private final long periodNs;
    private final long toleranceNs;
    private final long widthNs;
    private final long widthToleranceNs;
    private final double[] deviations;

    private boolean started;
    private long lastGoodNs;
    private long lastSeenNs;
    private long lastSequence;
    private boolean lastRejected;
    private boolean intervalValid;
    /** The system clock's rate minus 1 against a free-running clock (CLOCK_MONOTONIC_RAW): 0.08 = slewing 8% fast. */
    private double localRate;
    private int deviationCount;
    private int deviationNext;

    private long good;
    private long spuriousInterval;
    private long spuriousWidth;
    private long missing;
    private long unread;

    /**
     * @param periodNs         nominal pulse period (1e9 for 1 PPS)
     * @param toleranceNs      how far an interval may be from a whole number of periods and still be good (covers the
     *                         local clock's frequency error, slewing and jitter; 10 ms is generous)
     * @param widthNs          expected pulse width; 0 = not checked
     * @param widthToleranceNs how far a measured width may be from {@code widthNs}
     * @param window           intervals kept for the jitter estimate
     */
    public PulseMonitor(long periodNs, long toleranceNs, long widthNs, long widthToleranceNs, int window) {
        if (periodNs <= 0 || toleranceNs <= 0 || toleranceNs >= periodNs / 2 || window < 2) {
            throw new IllegalArgumentException("need period > 0, 0 < tolerance < period/2 and window >= 2");
        }
        this.periodNs = periodNs;
        this.toleranceNs = toleranceNs;
        this.widthNs = widthNs;
        this.widthToleranceNs = widthToleranceNs;
        this.deviations = new double[window];
    }

    /** A monitor for a 1 Hz train with a 10 ms interval tolerance and a 64-interval jitter window. */
    public static PulseMonitor forSettings(RefclockSettings s) {
        return new PulseMonitor(s.pulsePeriodNs(), s.pulsePeriodNs() / 100, s.widthNs(), s.widthNs() / 4 + 1_000_000L, 64);
    }

    /**
     * A new pulse as fetched: its kernel sequence number (unsigned 32 bit) and system-clock time. Returns whether it
     * fits the train; a pulse that does not is counted spurious and must not become a sample.
     */
    public boolean onPulse(long sequence, long timeNs) {
        sequence &= U32;
        if (!started) {
            started = true;
            accept(sequence, timeNs, false);
            return true;
        }
        unread += Math.max(0, ((sequence - lastSequence) & U32) - 1);
        long periods = wholePeriods(timeNs - lastGoodNs);
        if (periods >= 1) {
            missing += periods - 1;
            accept(sequence, timeNs, periods == 1 && intervalValid);
            return true;
        }
        if (lastRejected && wholePeriods(timeNs - lastSeenNs) >= 1) {
            // Two rejected pulses in step with each other: the train is here now.
            accept(sequence, timeNs, false);
            return true;
        }
        spuriousInterval++;
        lastRejected = true;
        lastSeenNs = timeNs;
        lastSequence = sequence;
        return false;
    }

    /**
     * Checks a pulse's width from the latest assert and clear times of one fetch. Only a clear that follows the assert
     * within a period can be attributed to it; an older clear may belong to a glitch or a missing pulse, and then
     * nothing is checked (the interval check still applies). True when no width is configured, the width cannot be
     * measured, or it matches; a mismatch is counted.
     */
    public boolean widthPlausible(long assertNs, long clearNs) {
        if (widthNs <= 0 || assertNs == 0 || clearNs == 0) {
            return true;
        }
        long measured = clearNs - assertNs;
        if (measured < 0 || measured >= periodNs || Math.abs(measured - widthNs) <= widthToleranceNs) {
            return true;
        }
        spuriousWidth++;
        return false;
    }

    /**
     * How fast the system clock runs against a free-running one, minus 1 (0.08: 8% fast, as while a daemon slews a
     * large offset out), measured over the last interval by the caller; the next intervals are judged in periods
     * that much longer. Beyond +-15% it is no slew but a step or a bad reading, and ignored.
     */
    public void localRate(double rate) {
        localRate = Math.abs(rate) <= 0.15 ? rate : 0;
    }

    /** The system clock was stepped: intervals across the step mean nothing. */
    public void onClockStep(long stepNs) {
        lastGoodNs += stepNs;
        lastSeenNs += stepNs;
        intervalValid = false;
    }

    /** Takes a good pulse; {@code adjacent}: one period after the last good pulse, so the interval feeds the jitter. */
    private void accept(long sequence, long timeNs, boolean adjacent) {
        if (adjacent) {
            deviations[deviationNext] = timeNs - lastGoodNs - periodNs;
            deviationNext = (deviationNext + 1) % deviations.length;
            deviationCount = Math.min(deviationCount + 1, deviations.length);
        }
        intervalValid = true;
        lastGoodNs = timeNs;
        lastSeenNs = timeNs;
        lastSequence = sequence;
        lastRejected = false;
        good++;
    }

    /** Whole periods in {@code intervalNs} when it is within the tolerance of one; 0 otherwise. */
    private long wholePeriods(long intervalNs) {
        double localPeriodNs = periodNs * (1 + localRate);
        long k = Math.round(intervalNs / localPeriodNs);
        return k >= 1 && Math.abs(intervalNs - k * localPeriodNs) <= toleranceNs ? k : 0;
    }

    /** Estimated timestamp jitter (1 sigma) in ns; -1 until two intervals were seen. */
    public long jitterNs() {
        if (deviationCount < 2) {
            return -1;
        }
        double mean = 0;
        for (int i = 0; i < deviationCount; i++) {
            mean += deviations[i];
        }
        mean /= deviationCount;
        double ss = 0;
        for (int i = 0; i < deviationCount; i++) {
            double d = deviations[i] - mean;
            ss += d * d;
        }
        return Math.round(Math.sqrt(ss / (deviationCount - 1) / 2));
    }

    /** The local clock's frequency error against the pulses (positive = local clock fast), ppm; NaN until measured. */
    public double localFrequencyErrorPpm() {
        if (deviationCount < 1) {
            return Double.NaN;
        }
        double mean = 0;
        for (int i = 0; i < deviationCount; i++) {
            mean += deviations[i];
        }
        return mean / deviationCount / periodNs * 1e6;
    }

    public long goodPulses() {
        return good;
    }

    /** Pulses at a time that is not a whole number of periods after the last good one. */
    public long spuriousIntervalPulses() {
        return spuriousInterval;
    }

    /** Pulses whose width did not match the configured width. */
    public long spuriousWidthPulses() {
        return spuriousWidth;
    }

    /** Periods that passed without any good pulse. */
    public long missingPulses() {
        return missing;
    }

    /** Events the kernel counted that the reader never fetched (sequence gaps). */
    public long unreadEvents() {
        return unread;
    }
}
