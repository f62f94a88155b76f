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
 *
 * <p>A path change moves the minimum itself. A fall shows at once (a delay below the minimum). A rise would leave
 * the old minimum in the window for {@value #WINDOW} samples (hours at default polling), every sample on the longer
 * path looking like all queueing and worth almost nothing; so {@value #RISE_RUN} delays in a row more than
 * {@value #CHANGE_JITTERS} jitter scales above the minimum are taken as a new path (independent queueing at that
 * distance, e^-8 (1 + 8) = 0.3% per sample for the round trip's Gamma(2) law, e^-4 = 2% when one leg queues alone,
 * does not last four samples). Either way the window's older delays are moved by the change, so that they keep
 * telling the jitter, and the minimum is counted as drawn from the delays since the change only.
 */
final class DelayModel {
    static final int WINDOW = 128;
    static final int MIN_FOR_MINIMUM = 4;
    /** Delays known before a path change is looked for: the jitter it is judged by must mean something. */
    static final int MIN_FOR_CHANGE = 16;
    /** A delay this many jitter scales from the minimum is on another path, or (above it) a rare queueing burst. */
    static final double CHANGE_JITTERS = 8;
    /** Delays in a row that must be that far above the minimum for a rise of the path. */
    static final int RISE_RUN = 4;
    /** Changes below this are not looked for (timestamp resolution on a quiet path), ns. */
    static final long MIN_CHANGE_NS = 1_000;
    /**
     * While the minimum is drawn from the n delays since a path change (few), its uncertainty grows by a factor
     * 1 + {@value #FEW_DELAYS_FACTOR} / sqrt(n): the smallest of n excesses is one-sided, and the root mean square a
     * sample's error variance needs exceeds the large-n mean 1.25 J / sqrt(n) the more the fewer (for the round
     * trip's Gamma(2) law, relative to n = 128: 1.27x at n = 4, 1.10x at 16). 100 seeds at the network bench's timing
     * (a rise at 60 s of 180, polling every second): mean MAX 15.4 -> 15.1 us, PATH-poll0's worst 31.0 -> 27.2 us
     * (1.2 and a flat 1.5x: the same within 0.4 us).
     */
    static final double FEW_DELAYS_FACTOR = 0.6;
    /** Delays are kept below this, ns (about 13 days), so that the window's sum cannot overflow. */
    private static final long MAX_DELAY_NS = 1L << 50;

    private final long[] delays = new long[WINDOW];
    /** Room to sort the window at a path change (nothing allocated per sample). */
    private final long[] scratch = new long[WINDOW];
    private int count;
    private int next;
    private long minNs = Long.MAX_VALUE;
    private long sumNs;
    /** Delays the minimum is drawn from: all of them, or those since the last path change. */
    private int minBasis;
    /** Consecutive delays far above the minimum (a rise in the making), and their sum, ns. */
    private int risen;
    private long risenSumNs;
    private long pathChanges;

    /** Adds a delay (ns) to the window. */
    void add(long delayNs) {
        delayNs = Math.min(Math.max(delayNs, 0), MAX_DELAY_NS);
        if (count >= MIN_FOR_CHANGE) {
            // The jitter of the delays before the run, which the run itself would inflate.
            double j = (sumNs - risenSumNs - (double) (count - risen) * minNs) / (count - risen - 1) / 2;
            double threshold = Math.max(CHANGE_JITTERS * j, MIN_CHANGE_NS);
            if (delayNs < minNs - threshold) {
                shift(0, count, delayNs - minNs); // a shorter path: the old delays, moved down, still tell the jitter
                minBasis = 0;
                risen = 0;
                risenSumNs = 0;
                pathChanges++;
            } else if (delayNs > minNs + threshold) {
                risen++;
                risenSumNs += delayNs;
            } else {
                risen = 0;
                risenSumNs = 0;
            }
        }
        long evicted = count == WINDOW ? delays[next] : Long.MAX_VALUE;
        delays[next] = delayNs;
        next = (next + 1) % WINDOW;
        if (count < WINDOW) {
            count++;
        } else {
            sumNs -= evicted;
        }
        sumNs += delayNs;
        minBasis = Math.min(minBasis + 1, count);
        if (delayNs <= minNs) {
            minNs = delayNs;
        } else if (evicted == minNs) {
            minNs = scanMinimum(count);
        }
        if (risen >= RISE_RUN) {
            // A longer path: its minimum is the smallest of the run; the delays before it move up by the rise.
            long recentMin = Long.MAX_VALUE;
            for (int k = 1; k <= risen; k++) {
                recentMin = Math.min(recentMin, delays[Math.floorMod(next - k, WINDOW)]);
            }
            // The run's smallest delay queued too, by the expected smallest of that many of the old path's excesses
            // (0.8 J for four): taken as the new minimum it sat that far too high, and the next samples near it
            // counted as near perfect (a 157 us miss made a 76 us error a 36 us bound and moved the clock 29 us:
            // PathChangeSimulationTest). Shifting a fall by its expected excess too was tried: worse (PATH-1ms).
            shift(risen, count, recentMin - expectedMinExcessNs(risen, risen) - minNs);
            minBasis = risen;
            risen = 0;
            risenSumNs = 0;
            pathChanges++;
        }
    }

    /**
     * The expected smallest of {@code n} excesses over the minimum drawn from the window's delays, the newest
     * {@code skip} left out (the empirical survival function S of the excess: the integral of S^n), ns.
     */
    private long expectedMinExcessNs(int skip, int n) {
        int m = count - skip;
        if (m <= 0) {
            return 0;
        }
        for (int k = 0; k < m; k++) {
            // Insertion sort (Arrays.sort allocated ~400 bytes per call): a rise is rare, the window small.
            long d = delays[Math.floorMod(next - 1 - skip - k, WINDOW)];
            int i = k;
            for (; i > 0 && scratch[i - 1] > d; i--) {
                scratch[i] = scratch[i - 1];
            }
            scratch[i] = d;
        }
        double sum = 0;
        long previous = scratch[0];
        for (int k = 1; k < m; k++) {
            sum += (scratch[k] - previous) * Math.pow((double) (m - k) / m, n);
            previous = scratch[k];
        }
        return Math.round(sum);
    }

    /** Adds {@code byNs} to the delays {@code fromAge} (0: the newest) up to {@code toAge} (exclusive) back. */
    private void shift(int fromAge, int toAge, long byNs) {
        for (int age = fromAge; age < toAge; age++) {
            int i = Math.floorMod(next - 1 - age, WINDOW);
            delays[i] += byNs;
            sumNs += byNs;
        }
        minNs = scanMinimum(count);
    }

    private long scanMinimum(int n) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, delays[i]);
        }
        return min;
    }

    int count() {
        return count;
    }

    /** Path changes seen (rises and falls of the minimum beyond the jitter) since the last {@link #clear()}. */
    long pathChanges() {
        return pathChanges;
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
        return (sumNs - (double) count * minNs) / (count - 1) / 2;
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
        double ofMinimum = 1.25 * j / Math.sqrt(minBasis);
        if (minBasis < count) {
            ofMinimum *= 1 + FEW_DELAYS_FACTOR / Math.sqrt(minBasis);
        }
        double uncertainty = ofMinimum + 4 * j / count;
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
        sumNs = 0;
        minBasis = 0;
        risen = 0;
        risenSumNs = 0;
        pathChanges = 0;
    }
}
