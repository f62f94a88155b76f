package org.jntpd.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The warm-ups' stop rule: a window's median against the first's, not before the minimum, at most the maximum. */
class WarmupWindowTest {
    @Test
    void shouldStopOnceAWindowsMedianIsTheFactorBelowTheFirst() {
        WarmupWindow w = new WarmupWindow(4, 10, 12, 1_000, 60_000);
        for (int i = 0; i < 4; i++) {
            assertFalse(w.add(i == 0 ? 5_000 : 100)); // one slow step does not move a median
        }
        assertEquals(100, w.firstMedianNs());
        for (int i = 0; i < 4; i++) {
            assertFalse(w.add(10), "a tenth of the first's, but not before the minimum of 12 steps: " + w.steps());
        }
        assertEquals(10, w.lastMedianNs());
        for (int i = 0; i < 3; i++) {
            assertFalse(w.add(10), "not mid-window: " + w.steps());
        }
        assertTrue(w.add(10), "the third window's median is a tenth of the first's");
        assertEquals(12, w.steps());
    }

    @Test
    void shouldStopAtTheMaximumWithoutASpeedUp() {
        WarmupWindow w = new WarmupWindow(4, 10, 4, 10, 60_000);
        int steps = 0;
        while (!w.add(100)) {
            steps++;
        }
        assertEquals(9, steps);
        assertEquals(10, w.steps());
    }
}
