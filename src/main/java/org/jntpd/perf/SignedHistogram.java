package org.jntpd.perf;

/**
 * A histogram of signed values (nanoseconds): negatives and non-negatives each in a {@link LogLinearHistogram} of
 * their magnitude, so a timestamp error of -3 us and one of +3 us keep the same relative precision. Percentiles by
 * nearest rank over both halves. Recording allocates nothing.
 */
public final class SignedHistogram {
    private final LogLinearHistogram below = new LogLinearHistogram(); // -value of each negative sample
    private final LogLinearHistogram above = new LogLinearHistogram(); // samples >= 0

    public void record(long value) {
        if (value < 0) {
            below.record(value == Long.MIN_VALUE ? Long.MAX_VALUE : -value);
        } else {
            above.record(value);
        }
    }

    public long count() {
        return below.count() + above.count();
    }

    /** Smallest value recorded, exact; 0 when empty. */
    public long min() {
        return below.count() > 0 ? -below.max() : above.min();
    }

    /** Largest value recorded, exact; 0 when empty. */
    public long max() {
        return above.count() > 0 ? above.max() : -below.min();
    }

    public double mean() {
        long n = count();
        return n == 0 ? 0 : (above.mean() * above.count() - below.mean() * below.count()) / n;
    }

    /** The value at quantile {@code q} (0..1), nearest rank, within half a bucket (0.4%) of the sample's magnitude. */
    public long valueAt(double q) {
        long n = count();
        if (n == 0) {
            return 0;
        }
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile: expected 0..1, got " + q);
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long negatives = below.count();
        if (rank <= negatives) {
            // The rank-th smallest is the (negatives - rank + 1)-th smallest magnitude among the negatives.
            return -below.valueAtRank(negatives - rank + 1);
        }
        return above.valueAtRank(rank - negatives);
    }

    public void reset() {
        below.reset();
        above.reset();
    }
}
