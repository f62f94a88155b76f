package org.jntpd.sync;

/**
 * The measurement noise of an NTP sample, judged from its round-trip delay. A sample's offset error is half the
 * difference of the two one-way delays, so it is bounded by half of the delay in excess of the path's minimum:
 * with independent queueing on both legs the error is (close to) uniform within +-excess/2, variance
 * excess^2/12. Samples that crossed an idle network are therefore worth far more than the rest, which is what the
 * classic clock filter (keep the minimum-delay sample) exploits crudely; here every sample counts with its weight.
 *
 * <p>The minimum is estimated over the last {@value #WINDOW} delays. It sits above the true minimum by about
 * {@code 1.25 * J / sqrt(n)} for a jitter scale J (mean excess / 2), plus {@code 4 J / n} for the uncertainty of
 * J itself, which is added to every excess so that a fresh minimum is not taken for a perfect sample. With fewer
 * than {@value #MIN_FOR_MINIMUM} delays the minimum means little and the bound is half the delay (which always
 * holds). Checked against the model of shared/SCENARIOS.md: the squared errors average 1.0 to 1.3 times the
 * variance this predicts from the 4th sample on.
 */
final class DelayModel {
    static final int WINDOW = 128;
    static final int MIN_FOR_MINIMUM = 4;

    private final long[] delays = new long[WINDOW];
    private int count;
    private int next;
    private long minNs = Long.MAX_VALUE;

    /** Adds a delay (ns) to the window. */
    void add(long delayNs) {
        long evicted = count == WINDOW ? delays[next] : Long.MAX_VALUE;
        delays[next] = delayNs;
        next = (next + 1) % WINDOW;
        if (count < WINDOW) {
            count++;
        }
        if (delayNs <= minNs) {
            minNs = delayNs;
        } else if (evicted == minNs) {
            long min = Long.MAX_VALUE;
            for (int i = 0; i < count; i++) {
                min = Math.min(min, delays[i]);
            }
            minNs = min;
        }
    }

    int count() {
        return count;
    }

    /** The smallest delay in the window, ns (Long.MAX_VALUE when empty). */
    long minNs() {
        return minNs;
    }

    /** Jitter scale J: half the mean excess over the minimum (the minimum itself not counted), ns; 0 with fewer than 2 delays. */
    double jitterScaleNs() {
        if (count < 2) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += delays[i] - minNs;
        }
        return sum / (count - 1) / 2;
    }

    /**
     * Half-width (ns) of the interval that holds the offset error of a sample with {@code delayNs}: half its excess
     * over the minimum, the minimum's own uncertainty included. With a single delay known, half the delay.
     */
    double errorBoundNs(long delayNs) {
        if (count < MIN_FOR_MINIMUM) {
            return delayNs / 2.0;
        }
        double j = jitterScaleNs();
        double uncertainty = 1.25 * j / Math.sqrt(count) + 4 * j / count;
        return (Math.max(0, delayNs - minNs) + uncertainty) / 2;
    }

    /**
     * How far {@code delayNs} exceeds the path's minimum, ns: the queueing in this sample. 0 while the minimum is not
     * yet known ({@value #MIN_FOR_MINIMUM} delays).
     */
    double excessNs(long delayNs) {
        return count < MIN_FOR_MINIMUM ? 0 : Math.max(0, delayNs - minNs);
    }

    /** Resets after a clock step would make old delays meaningless (not needed: delays are step-free) or a path change. */
    void clear() {
        count = 0;
        next = 0;
        minNs = Long.MAX_VALUE;
    }
}
