package org.jntpd.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoftwareClockTest {
    private static final long S = 1_000_000_000L;
    private static final long DAY = 86_400 * S;
    /** A UTC midnight: 2025-11-17T00:00:00Z. */
    private static final long MIDNIGHT = 20_409 * DAY;

    /** The raw clock, advanced by hand. */
    private long rawNs = MIDNIGHT - 10 * S;
    private final SoftwareClock clock = new SoftwareClock(() -> rawNs);

    @Test
    void shouldIntegrateTheFrequencyIntoTheCorrectedTime() {
        long startNs = rawNs;
        assertEquals(startNs, clock.nowNs(), "no correction at first");
        clock.setFrequencyPpm(100);
        rawNs += 10 * S;
        assertEquals(startNs + 10 * S + 1_000_000, clock.nowNs(), "10 s at +100 ppm");
        clock.setFrequencyPpm(-50);
        rawNs += 20 * S;
        assertEquals(startNs + 30 * S, clock.nowNs(), "then 20 s at -50 ppm take the 1 ms back");
        assertEquals(-50.0, clock.frequencyPpm());
        assertEquals(100_000.0, clock.maxFrequencyPpm());
    }

    @Test
    void shouldAddStepsAtOnceKeepingTheRate() {
        clock.setFrequencyPpm(10);
        rawNs += S;
        clock.stepNs(-300_000_000);
        assertEquals(rawNs + 10_000 - 300_000_000, clock.nowNs());
        rawNs += S;
        assertEquals(rawNs + 20_000 - 300_000_000, clock.nowNs());
        assertEquals(10.0, clock.frequencyPpm());
    }

    @Test
    void shouldPublishAnImmutableCorrectionForKernelTimestamps() {
        clock.stepNs(2_000_000);
        clock.setFrequencyPpm(250);
        SoftwareClock.Correction before = clock.correction();
        long stampNs = rawNs + 3 * S; // a packet stamped in the raw clock
        rawNs = stampNs;
        assertEquals(clock.nowNs(), before.correctedNs(stampNs), "the server corrects a stamp as nowNs() would");
        assertEquals(stampNs + 2_000_000 + 750_000, before.correctedNs(stampNs));

        rawNs += S;
        clock.setFrequencyPpm(-400);
        SoftwareClock.Correction after = clock.correction();
        assertNotSame(before, after);
        assertEquals(250.0, before.ratePpm(), "a published correction never changes");
        assertEquals(rawNs, after.baseRawNs());
        assertEquals(before.correctedNs(rawNs), after.correctedNs(rawNs), "continuous where it was re-based");
        assertEquals(2_000_000 + 1_000_000, after.baseCorrectionNs());
        assertEquals(rawNs + 5 * S + 3_000_000 - 2_000_000, after.correctedNs(rawNs + 5 * S), "5 s at -400 ppm");
    }

    @Test
    void shouldInsertALeapSecondAtMidnightOfTheCorrectedTime() {
        long startNs = rawNs;
        clock.setFrequencyPpm(1000); // the corrected time reaches midnight after 10 s / 1.001 of raw time
        clock.setLeap(LeapMode.INSERT);
        SoftwareClock.Correction c = clock.correction();
        assertEquals(startNs + 10 * S / 1.001, c.leapRawNs(), 1);
        assertEquals(MIDNIGHT - 1, c.correctedNs(c.leapRawNs() - 1), 1, "the last ns of 23:59:59");
        assertEquals(MIDNIGHT - S, c.correctedNs(c.leapRawNs()), 1, "back to 23:59:59.000");
        assertTrue(c.correctedNs(c.leapRawNs() - 1) < MIDNIGHT, "never shows midnight before the leap");

        assertEquals(List.of(86_399L, 86_399L, 0L, 1L), secondsOfDay(startNs + 9 * S, startNs + 12 * S));

        long nowNs = clock.nowNs();
        clock.setFrequencyPpm(0); // the writer folds the leap second into the correction
        assertEquals(nowNs, clock.nowNs(), "no second leap when the correction is re-based");
        assertEquals(Long.MAX_VALUE, clock.correction().leapRawNs());

        long correctionNs = clock.correction().correctionNs(rawNs);
        rawNs += DAY;
        clock.setLeap(LeapMode.INSERT); // still armed, as the kernel's TIME_WAIT: nothing the next midnight
        assertEquals(correctionNs, clock.correction().correctionNs(rawNs + 2 * S));
        clock.setLeap(LeapMode.NONE);
        clock.setLeap(LeapMode.INSERT);
        assertEquals(correctionNs - S, clock.correction().correctionNs(rawNs + DAY), "re-armed after NONE");
    }

    @Test
    void shouldDeleteALeapSecondSkipping235959() {
        rawNs = MIDNIGHT - 4 * S;
        clock.setLeap(LeapMode.DELETE);
        assertEquals(List.of(86_396L, 86_397L, 86_398L, 0L, 1L), secondsOfDay(rawNs, rawNs + 4 * S));
    }

    @Test
    void shouldMissALeapSecondSteppedOver() {
        clock.setLeap(LeapMode.INSERT);
        clock.stepNs(20 * S);
        assertEquals(Long.MAX_VALUE, clock.correction().leapRawNs());
        assertEquals(rawNs + 20 * S, clock.nowNs());
    }

    @Test
    void shouldRejectAFrequencyBeyondItsRange() {
        assertThrows(IllegalArgumentException.class, () -> clock.setFrequencyPpm(100_000.1));
        assertThrows(IllegalArgumentException.class, () -> clock.setFrequencyPpm(Double.NaN));
        assertEquals(0.0, clock.frequencyPpm());
    }

    /** The second of the UTC day at each whole-second change of the corrected time (and at a step back). */
    private List<Long> secondsOfDay(long fromRawNs, long toRawNs) {
        List<Long> seconds = new ArrayList<>();
        long prevNs = Long.MIN_VALUE;
        for (rawNs = fromRawNs; rawNs <= toRawNs; rawNs += 10_000_000) {
            long ns = clock.nowNs();
            long second = Math.floorMod(Math.floorDiv(ns, S), 86_400L);
            if (seconds.isEmpty() || seconds.getLast() != second || ns < prevNs) {
                seconds.add(second);
            }
            prevNs = ns;
        }
        return seconds;
    }
}
