package org.jntpd.perf;

/**
 * A fixed-size histogram of non-negative {@code long} values (nanoseconds here) in log-linear buckets, as
 * HdrHistogram lays them out: values below 2^P each have their own bucket; above, every power-of-two range
 * [2^e, 2^(e+1)) is cut into 2^P equal buckets, so a bucket is at most 2^-P of its values wide (P = 7: 0.78%).
 * Percentiles come without storing samples, and recording is a few shifts and an array increment: no allocation.
 *
 * <p>Negative values (a delay computed from timestamps of clocks that moved) are recorded as 0 and counted in
 * {@link #negativeCount()}. The exact minimum and maximum are kept beside the buckets.
 */
public final class LogLinearHistogram {
    /** Default precision: 128 buckets per power of two. */
    public static final int DEFAULT_PRECISION_BITS = 7;

    private final int precisionBits;
    private final long[] counts;
    private long total;
    private long negatives;
    private long min = Long.MAX_VALUE;
    private long max = Long.MIN_VALUE;
    private double sum;

    public LogLinearHistogram() {
        this(DEFAULT_PRECISION_BITS);
    }

    /** @param precisionBits P: 2^P buckets per power of two, 1..16 */
    public LogLinearHistogram(int precisionBits) {
        if (precisionBits < 1 || precisionBits > 16) {
            throw new IllegalArgumentException("precisionBits: expected 1..16, got " + precisionBits);
        }
        this.precisionBits = precisionBits;
        // Linear region (2^P buckets) plus 2^P buckets for each of the exponents P..62.
        counts = new long[(64 - precisionBits) << precisionBits];
    }

    /** The bucket of a non-negative value. */
    int indexOf(long value) {
        if (value < 1L << precisionBits) {
            return (int) value;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(value);
        int shift = exponent - precisionBits;
        // (value >> shift) is in [2^P, 2^(P+1)): the bucket within the exponent's range, offset by 2^P.
        return ((shift + 1) << precisionBits) + (int) (value >>> shift) - (1 << precisionBits);
    }

    /** Smallest value of bucket {@code index}. */
    long lowestOf(int index) {
        int group = index >>> precisionBits;
        if (group == 0) {
            return index;
        }
        int shift = group - 1;
        long sub = (index & ((1 << precisionBits) - 1)) + (1L << precisionBits);
        return sub << shift;
    }

    /** Width of bucket {@code index} (1 in the linear region). */
    long widthOf(int index) {
        int group = index >>> precisionBits;
        return group == 0 ? 1 : 1L << (group - 1);
    }

    public void record(long value) {
        if (value < 0) {
            negatives++;
            value = 0;
        }
        counts[indexOf(value)]++;
        total++;
        sum += value;
        if (value < min) {
            min = value;
        }
        if (value > max) {
            max = value;
        }
    }

    /** Adds every sample of {@code other} (same precision). */
    public void add(LogLinearHistogram other) {
        if (other.precisionBits != precisionBits) {
            throw new IllegalArgumentException("precision differs: " + other.precisionBits + " vs " + precisionBits);
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        negatives += other.negatives;
        sum += other.sum;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    public void reset() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
        negatives = 0;
        sum = 0;
        min = Long.MAX_VALUE;
        max = Long.MIN_VALUE;
    }

    public long count() {
        return total;
    }

    /** Samples that were negative (recorded as 0). */
    public long negativeCount() {
        return negatives;
    }

    /** Smallest value recorded, exact; 0 when empty. */
    public long min() {
        return total == 0 ? 0 : min;
    }

    /** Largest value recorded, exact; 0 when empty. */
    public long max() {
        return total == 0 ? 0 : max;
    }

    public double mean() {
        return total == 0 ? 0 : sum / total;
    }

    /**
     * The value at quantile {@code q} (0..1): the middle of the bucket holding the ceil(q * count)-th smallest
     * sample (nearest-rank), kept within [min, max]; exact in the linear region and within half a bucket width
     * (2^-(P+1) relative) above it. 0 when empty.
     */
    public long valueAt(double q) {
        if (total == 0) {
            return 0;
        }
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile: expected 0..1, got " + q);
        }
        return valueAtRank(Math.max(1, (long) Math.ceil(q * total)));
    }

    /** The value of the {@code rank}-th smallest sample (1-based, clamped to 1..count), as {@link #valueAt}. */
    long valueAtRank(long rank) {
        if (total == 0) {
            return 0;
        }
        rank = Math.min(total, Math.max(1, rank));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                long mid = lowestOf(i) + widthOf(i) / 2;
                return Math.min(max, Math.max(min, mid));
            }
        }
        return max;
    }
}
