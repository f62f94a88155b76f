package org.jntpd.sync;

/**
 * The last few accepted samples of a source, each as the sign of its residual against the filter's prediction and its
 * local time: what jntpc sourcestats shows as chronyc's NP, NR and Span. A Kalman filter keeps no window of samples, so
 * this ring is the window: NP the residuals in it, NR the runs of equal sign among them (chrony's runs test: a filter
 * that predicts well leaves residuals like coin tosses, about NP/2 + 1 runs; few long runs say the prediction lags a
 * change the filter has not followed), Span the time the ring covers.
 *
 * <p>A fixed array, written in place: nothing is allocated per sample. Not thread-safe (the synchronisation loop's).
 */
final class ResidualRing {
    private final long[] timesNs;
    private final boolean[] negative;
    /** Where the next residual goes. */
    private int next;
    private int count;

    ResidualRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        timesNs = new long[capacity];
        negative = new boolean[capacity];
    }

    /** Adds the residual (measured minus predicted; a zero counts as positive) of a sample taken at {@code timeNs}. */
    void add(long timeNs, double residual) {
        timesNs[next] = timeNs;
        negative[next] = residual < 0;
        next = next + 1 == timesNs.length ? 0 : next + 1;
        count = Math.min(count + 1, timesNs.length);
    }

    /** NP: residuals in the ring (up to its capacity). */
    int count() {
        return count;
    }

    /** NR: runs of residuals of one sign, oldest to newest (0 when empty). */
    int runs() {
        int runs = 0;
        int i = oldest();
        for (int k = 0; k < count; k++) {
            int previous = i == 0 ? timesNs.length - 1 : i - 1;
            if (k == 0 || negative[i] != negative[previous]) {
                runs++;
            }
            i = i + 1 == timesNs.length ? 0 : i + 1;
        }
        return runs;
    }

    /** Span: from the oldest residual's sample to the newest's, ns (0 with fewer than two). */
    long spanNs() {
        if (count < 2) {
            return 0;
        }
        int newest = next == 0 ? timesNs.length - 1 : next - 1;
        return timesNs[newest] - timesNs[oldest()];
    }

    /** The local clock was stepped by {@code stepNs}: the samples' times move with it, as the filter's do. */
    void shift(long stepNs) {
        for (int k = 0; k < timesNs.length; k++) {
            timesNs[k] += stepNs;
        }
    }

    void clear() {
        count = 0;
        next = 0;
    }

    private int oldest() {
        int i = next - count;
        return i < 0 ? i + timesNs.length : i;
    }
}
