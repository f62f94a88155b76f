package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class ResidualRingTest {
    private static final long S = 1_000_000_000L;

    private static ResidualRing of(int capacity, double... residuals) {
        ResidualRing r = new ResidualRing(capacity);
        for (int i = 0; i < residuals.length; i++) {
            r.add(100 * S + i * 64 * S, residuals[i]);
        }
        return r;
    }

    @Test
    void shouldCountNothingWhenEmpty() {
        ResidualRing r = new ResidualRing(8);
        assertEquals(0, r.count());
        assertEquals(0, r.runs());
        assertEquals(0, r.spanNs());
        r.add(5 * S, -1);
        assertEquals(1, r.count());
        assertEquals(1, r.runs());
        assertEquals(0, r.spanNs(), "one sample spans nothing");
    }

    @Test
    void shouldCountRunsOfOneSignAndTheSpanOfTheSamples() {
        ResidualRing r = of(8, 1e-6, 2e-6, -1e-6, -3e-6, -1e-9, 4e-6);
        assertEquals(6, r.count());
        assertEquals(3, r.runs(), "++ --- +");
        assertEquals(5 * 64 * S, r.spanNs());
        assertEquals(6, of(8, 1, -1, 1, -1, 1, -1).runs(), "alternating: every residual a run");
        assertEquals(1, of(8, 1, 2, 3, 4).runs());
        assertEquals(1, of(8, 0, 1e-9, 0).runs(), "a zero counts as positive");
    }

    @Test
    void shouldKeepOnlyTheLastSamplesOnceFull() {
        // capacity 4: of + - - + + - only the last four stay, - + + -: 3 runs over 3 intervals
        ResidualRing r = of(4, 1, -1, -1, 1, 1, -1);
        assertEquals(4, r.count());
        assertEquals(3, r.runs());
        assertEquals(3 * 64 * S, r.spanNs());
        r = of(4, 1, -1, -1, 1, 1, -1, -1, -1, -1, -1); // wrapped twice: - - - - is one run
        assertEquals(1, r.runs());
        assertEquals(3 * 64 * S, r.spanNs());
    }

    @Test
    void shouldMoveWithAStepOfTheClockAndStartAgainWhenCleared() {
        ResidualRing r = of(4, 1, -1, 1);
        r.shift(-10 * S);
        assertEquals(2 * 64 * S, r.spanNs(), "the span is between the samples, not on the clock");
        r.clear();
        assertEquals(0, r.count());
        assertEquals(0, r.runs());
        r.add(S, 1);
        r.add(3 * S, -1);
        assertEquals(2, r.runs());
        assertEquals(2 * S, r.spanNs());
    }

    @Test
    void shouldAllocateNothingPerSample() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ResidualRing r = new ResidualRing(32);
        long best = Long.MAX_VALUE;
        long sum = 0;
        for (int round = 0; round < 10 && best > 0; round++) { // early rounds warm up the JIT (its own allocations)
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                r.add(i, (i * 7919) % 13 - 6);
                sum += r.runs() + r.count() + r.spanNs();
            }
            best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0, best, "bytes allocated by 100000 samples (" + sum + ")");
    }
}
