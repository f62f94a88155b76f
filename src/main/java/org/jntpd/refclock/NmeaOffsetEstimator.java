package org.jntpd.refclock;

/**
 * Learns an NMEA receiver's sentence delay ({@code time2}: how long after the second it labels a sentence's timing
 * anchor arrives) against the PPS, so nobody has to measure it by hand as the gpsd HOWTOs ask. Each sentence paired
 * with its pulse gives one delay, its arrival minus the pulse (both on the system clock, so the clock's own error
 * cancels). The estimate is robust to the sentences a busy receiver or a loaded host delays: over the last
 * {@code window} delays, the median, the spread as 1.4826 x the median absolute deviation (a standard deviation for
 * Gaussian jitter, untouched by a few late sentences), and the mean of the delays within 3 spreads of the median.
 * It is converged once {@code minSamples} delays are in and the spread is at most {@code maxSpreadNs}.
 *
 * <p>Pure: no clock, no I/O; the caller passes each delay. Allocates nothing after construction.
 */
public final class NmeaOffsetEstimator {
    /** Delays kept: a minute of sentences. */
    public static final int DEFAULT_WINDOW = 64;
    /** Delays needed before the estimate is used. */
    public static final int DEFAULT_MIN_SAMPLES = 16;
    /** Serial timing varies by a character or two and the host's scheduling; beyond this the line is not usable. */
    public static final long DEFAULT_MAX_SPREAD_NS = 5_000_000L;
    /** MAD to standard deviation for a normal distribution. */
    private static final double MAD_TO_SIGMA = 1.4826;
    /** A delay further than this many spreads from the median is a late sentence, left out of the mean. */
    private static final double CLIP_SPREADS = 3.0;

    private final long periodNs;
    private final int minSamples;
    private final long maxSpreadNs;
    private final long[] delaysNs;
    private final long[] scratch;
    private int count;
    private int next;
    private long total;
    private long rejected;
    private long estimateNs;
    private long spreadNs;
    private int used;

    /**
     * @param periodNs    the pulse period: a delay is a fraction of it, either sign (NEXT_PULSE receivers: negative)
     * @param window      delays kept
     * @param minSamples  delays needed to converge, at most {@code window}
     * @param maxSpreadNs the largest spread a converged estimate may have
     */
    public NmeaOffsetEstimator(long periodNs, int window, int minSamples, long maxSpreadNs) {
        if (periodNs <= 0 || window < 3 || minSamples < 3 || minSamples > window || maxSpreadNs <= 0) {
            throw new IllegalArgumentException("period " + periodNs + ", window " + window + ", min " + minSamples
                    + ", max spread " + maxSpreadNs);
        }
        this.periodNs = periodNs;
        this.minSamples = minSamples;
        this.maxSpreadNs = maxSpreadNs;
        this.delaysNs = new long[window];
        this.scratch = new long[window];
    }

    /** With the default window, sample count and spread bound. */
    public NmeaOffsetEstimator(long periodNs) {
        this(periodNs, DEFAULT_WINDOW, DEFAULT_MIN_SAMPLES, DEFAULT_MAX_SPREAD_NS);
    }

    /**
     * One paired sentence: its anchor's arrival minus the pulse of the second it labels. A delay of a period or more
     * either way cannot belong to that pulse and is refused (counted in {@link #rejected()}).
     *
     * @return whether the estimate is converged after it
     */
    public boolean add(long delayNs) {
        if (Math.abs(delayNs) >= periodNs) {
            rejected++;
            return converged();
        }
        delaysNs[next] = delayNs;
        next = (next + 1) % delaysNs.length;
        count = Math.min(count + 1, delaysNs.length);
        total++;
        update();
        return converged();
    }

    private void update() {
        int n = count;
        System.arraycopy(delaysNs, 0, scratch, 0, n);
        sort(scratch, n);
        long median = median(scratch, n);
        for (int i = 0; i < n; i++) {
            scratch[i] = Math.abs(delaysNs[i] - median);
        }
        sort(scratch, n);
        spreadNs = Math.round(MAD_TO_SIGMA * median(scratch, n));
        // Within 3 spreads (at least 1 us, so identical delays keep all of them) of the median: the sentences on time.
        long clip = Math.max(1_000L, Math.round(CLIP_SPREADS * spreadNs));
        long sum = 0;
        int k = 0;
        for (int i = 0; i < n; i++) {
            long d = delaysNs[i] - median;
            if (Math.abs(d) <= clip) {
                sum += d;
                k++;
            }
        }
        used = k;
        estimateNs = median + Math.round((double) sum / k);
    }

    /** Insertion sort: at most 64 values once a second, and unlike Arrays.sort it never allocates. */
    private static void sort(long[] a, int n) {
        for (int i = 1; i < n; i++) {
            long v = a[i];
            int j = i - 1;
            while (j >= 0 && a[j] > v) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }

    private static long median(long[] sorted, int n) {
        return (n & 1) == 1 ? sorted[n / 2] : sorted[n / 2 - 1] + (sorted[n / 2] - sorted[n / 2 - 1]) / 2;
    }

    /** Whether enough delays agree closely enough for the estimate to replace a configured or saved one. */
    public boolean converged() {
        return count >= minSamples && spreadNs <= maxSpreadNs;
    }

    /** The learnt delay (time2), ns; meaningless before the first delay. */
    public long estimateNs() {
        return estimateNs;
    }

    /** The jitter of one sentence's delay (robust standard deviation), ns. */
    public long spreadNs() {
        return spreadNs;
    }

    /** The window's length. */
    public int capacity() {
        return delaysNs.length;
    }

    /** Delays in the window. */
    public int samples() {
        return count;
    }

    /** Delays in the window the mean used (the others were late sentences). */
    public int usedSamples() {
        return used;
    }

    /** Delays taken since the start. */
    public long totalSamples() {
        return total;
    }

    /** Delays refused as not belonging to their pulse. */
    public long rejected() {
        return rejected;
    }

    /** Forgets every delay (the receiver or its line changed). */
    public void reset() {
        count = 0;
        next = 0;
        spreadNs = 0;
        estimateNs = 0;
        used = 0;
    }
}
