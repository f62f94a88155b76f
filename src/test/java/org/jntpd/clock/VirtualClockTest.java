package org.jntpd.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VirtualClockTest {
    private static final long S = 1_000_000_000L;
    /** 2026-06-30T00:00:00Z: the day ends with a leap-second opportunity. */
    private static final long JUNE_30_NS = 1_782_777_600L * S;

    private static VirtualClock clock(double x0Ns, double f0, double wander, long seed) {
        return new VirtualClock(JUNE_30_NS, x0Ns, f0, wander, new SplittableRandom(seed), 100_000);
    }

    @Test
    void shouldRunAtItsOscillatorFrequencyWithoutWander() {
        VirtualClock c = clock(100e6, 1e-4, 0, 1);
        c.advanceTo(JUNE_30_NS + 1000 * S);
        // x(1000 s) = 0.1 s + 1e-4 * 1000 s = 0.2 s
        assertEquals(200e6, c.offsetNs(), 1e-3);
        assertEquals(JUNE_30_NS + 1000 * S + 200_000_000L, c.nowNs());
    }

    @Test
    void shouldApplyTheFrequencyCorrectionAtOnceAndMultiplicatively() {
        VirtualClock c = clock(0, 1e-4, 0, 1);
        c.advanceTo(JUNE_30_NS + 10 * S);
        c.setFrequencyPpm(-100);
        double before = c.offsetNs();
        c.advanceTo(JUNE_30_NS + 1010 * S);
        // (1 + 1e-4)(1 - 1e-4) - 1 = -1e-8: 10 us lost in 1000 s
        assertEquals(-10_000, c.offsetNs() - before, 1e-3);
        assertEquals(-1e-8, c.frequencyError(), 1e-15);
    }

    @Test
    void shouldRandomWalkTheFrequencyOncePerSecondWithStepW() {
        double w = 1e-9;
        int clocks = 4000;
        int seconds = 50;
        double sum2 = 0;
        for (int i = 0; i < clocks; i++) {
            VirtualClock c = clock(0, 0, w, i);
            c.advanceTo(JUNE_30_NS + seconds * S - 1);
            // f during second 49 is the sum of n_0..n_49: 50 steps
            sum2 += c.oscillatorFrequency() * c.oscillatorFrequency();
        }
        double variance = sum2 / clocks;
        assertEquals(seconds * w * w, variance, 0.1 * seconds * w * w);
    }

    @Test
    void shouldStepByExactlyTheAmountGiven() {
        VirtualClock c = clock(5, 0, 0, 1);
        c.stepNs(-1_234_567_891L);
        assertEquals(5 - 1_234_567_891.0, c.offsetNs(), 1e-6);
        assertEquals(1, c.steps());
    }

    @Test
    void shouldInsertALeapSecondWhenItsOwnReadingReachesMidnight() {
        // 3 ms ahead: the clock reads midnight 3 ms of true time before true midnight.
        VirtualClock c = clock(3e6, 0, 0, 1);
        c.setLeap(LeapMode.INSERT);
        long trueMidnight = JUNE_30_NS + 86_400 * S;
        c.advanceTo(trueMidnight - 3_000_001L);
        assertEquals(0, c.leapsInserted());
        c.advanceTo(trueMidnight - 2_000_000L);
        assertEquals(1, c.leapsInserted());
        assertEquals(trueMidnight - 3_000_000L, c.lastLeapTrueNs());
        assertEquals(3e6 - 1e9, c.offsetNs(), 1e-6);
        // 23:59:59 again, then a normal day: no second insertion while the leap stays armed.
        c.advanceTo(trueMidnight + 86_400 * S + S);
        assertEquals(1, c.leapsInserted());
    }

    @Test
    void shouldDeleteALeapSecondAt235959() {
        VirtualClock c = clock(0, 0, 0, 1);
        c.setLeap(LeapMode.DELETE);
        long trueMidnight = JUNE_30_NS + 86_400 * S;
        c.advanceTo(trueMidnight - S - 1);
        assertEquals(0, c.leapsDeleted());
        c.advanceTo(trueMidnight - S + 1);
        assertEquals(1, c.leapsDeleted());
        assertEquals(trueMidnight - S, c.lastLeapTrueNs());
        assertEquals(1e9, c.offsetNs(), 1e-6);
    }

    @Test
    void shouldRefuseACorrectionBeyondItsLimitAndTimeGoingBack() {
        VirtualClock c = clock(0, 0, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> c.setFrequencyPpm(100_001));
        c.advanceTo(JUNE_30_NS + S);
        assertThrows(IllegalArgumentException.class, () -> c.advanceTo(JUNE_30_NS));
    }
}
