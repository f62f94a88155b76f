package org.jntpd.base;

/**
 * The stop rule of a start-up warm-up (a code path run until the JIT has compiled it): the median time per step over
 * windows of steps; done when a window's median is a given factor below the first window's, or at a step or time
 * bound. The JIT drops a queued compilation of a method that stopped being called (it looks stale), so a warm-up that
 * stopped at a fixed count while the compiler was busy with the start's other methods would leave its path
 * interpreted: it runs until the path is measurably faster. Setup code: one per warm-up, on its thread.
 */
public final class WarmupWindow {
    private final long[] first;
    private final long[] last;
    private final int speedUp;
    private final int minSteps;
    private final int maxSteps;
    private final long deadlineNs;
    private int steps;
    private long firstMedianNs;
    private long lastMedianNs;

    /**
     * @param window   steps per median
     * @param speedUp  done when a window's median is this many times below the first's
     * @param minSteps not done before this many steps (nor before one window)
     * @param maxSteps done after this many
     * @param maxMs    done after this long (from now)
     */
    public WarmupWindow(int window, int speedUp, int minSteps, int maxSteps, long maxMs) {
        this.first = new long[window];
        this.last = new long[window];
        this.speedUp = speedUp;
        this.minSteps = Math.max(minSteps, window);
        this.maxSteps = maxSteps;
        this.deadlineNs = System.nanoTime() + maxMs * 1_000_000L;
    }

    /** One step took {@code tookNs}; whether the warm-up is done. */
    public boolean add(long tookNs) {
        int window = first.length;
        if (steps < window) {
            first[steps] = tookNs;
        }
        last[steps % window] = tookNs;
        steps++;
        if (steps == window) {
            firstMedianNs = median(first);
        }
        if (steps % window == 0) {
            lastMedianNs = median(last);
            if (steps >= minSteps && (speedUp * lastMedianNs <= firstMedianNs || System.nanoTime() - deadlineNs > 0)) {
                return true;
            }
        }
        return steps >= maxSteps;
    }

    public int steps() {
        return steps;
    }

    /** The first window's median time per step (0 before a window was full). */
    public long firstMedianNs() {
        return firstMedianNs;
    }

    /** The last full window's median time per step. */
    public long lastMedianNs() {
        return lastMedianNs;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
