package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PulseMonitorTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    /** One kernel event of a replayed train: sequence number and local timestamp. */
    record Event(long sequence, long timeNs, boolean spurious) {}

    /**
     * A 1 PPS train as the system clock stamps it: local clock fast by {@code freqPpm}, Gaussian timestamp noise
     * {@code sigmaNs}; the pulses in {@code dropped} never come; {@code glitches} extra events at random phases.
     */
    static List<Event> train(int pulses, double freqPpm, double sigmaNs, Set<Integer> dropped, int glitches, long seed) {
        Random rnd = new Random(seed);
        List<Integer> glitchAfter = new ArrayList<>();
        while (glitchAfter.size() < glitches) {
            int k = 10 + rnd.nextInt(pulses - 20);
            if (!glitchAfter.contains(k) && !dropped.contains(k) && !dropped.contains(k + 1)) {
                glitchAfter.add(k);
            }
        }
        List<Event> events = new ArrayList<>();
        long seq = 0;
        for (int k = 0; k < pulses; k++) {
            long ideal = T0 + k * S + Math.round(k * S * freqPpm * 1e-6);
            if (!dropped.contains(k)) {
                events.add(new Event(++seq, ideal + Math.round(rnd.nextGaussian() * sigmaNs), false));
            }
            if (glitchAfter.contains(k)) {
                events.add(new Event(++seq, ideal + 100 * MS + rnd.nextLong(800 * MS), true));
            }
        }
        return events;
    }

    @Test
    void shouldCountMissingAndSpuriousPulsesAndMeasureTheJitterOfAReplayedTrain() {
        Set<Integer> dropped = Set.of(50, 51, 200, 377, 512);
        List<Event> events = train(600, 12.0, 2000, dropped, 7, 11);
        PulseMonitor m = new PulseMonitor(S, 10 * MS, 0, 0, 256);
        int rejected = 0;
        for (Event e : events) {
            boolean good = m.onPulse(e.sequence(), e.timeNs());
            assertEquals(!e.spurious(), good, "event " + e);
            rejected += good ? 0 : 1;
        }
        assertEquals(7, rejected);
        assertEquals(7, m.spuriousIntervalPulses());
        assertEquals(5, m.missingPulses(), "seconds without a pulse");
        assertEquals(595, m.goodPulses());
        assertEquals(0, m.unreadEvents(), "every event was read");
        long jitter = m.jitterNs();
        assertTrue(Math.abs(jitter - 2000) < 0.15 * 2000, "jitter " + jitter + " ns for a true 2000 ns");
        assertEquals(12.0, m.localFrequencyErrorPpm(), 0.05, "the local clock's frequency error against the pulses");
    }

    @Test
    void shouldCountEventsTheReaderNeverFetched() {
        PulseMonitor m = new PulseMonitor(S, 10 * MS, 0, 0, 16);
        assertTrue(m.onPulse(10, T0));
        assertTrue(m.onPulse(13, T0 + 3 * S), "read once every three seconds");
        assertEquals(2, m.unreadEvents());
        assertEquals(2, m.missingPulses(), "by time the two pulses in between were not seen either");
        assertTrue(m.onPulse(0, T0 + 4 * S), "the 32-bit sequence wraps");
        assertEquals(2 + (0xFFFF_FFFFL - 13), m.unreadEvents());
    }

    @Test
    void shouldFollowTheTrainWhenTheFirstPulseWasTheGlitch() {
        PulseMonitor m = new PulseMonitor(S, 10 * MS, 0, 0, 16);
        assertTrue(m.onPulse(1, T0 + 300 * MS), "nothing to compare the first pulse with");
        assertFalse(m.onPulse(2, T0 + S), "0.7 s after the glitch");
        assertTrue(m.onPulse(3, T0 + 2 * S), "two pulses a second apart: the train is here");
        assertTrue(m.onPulse(4, T0 + 3 * S));
        assertFalse(m.onPulse(5, T0 + 3 * S + 400 * MS));
        assertTrue(m.onPulse(6, T0 + 4 * S), "one glitch does not move the train");
        assertEquals(2, m.spuriousIntervalPulses());
    }

    @Test
    void shouldRejectPulsesOfTheWrongWidth() {
        PulseMonitor m = new PulseMonitor(S, 10 * MS, 100 * MS, 10 * MS, 16);
        assertTrue(m.widthPlausible(T0, T0 + 102 * MS), "clear of this pulse");
        assertTrue(m.widthPlausible(T0 + S, T0 + 300 * MS), "an older clear says nothing about this pulse");
        assertFalse(m.widthPlausible(T0 + 2 * S, T0 + 2 * S + 5 * MS), "a 5 ms glitch");
        assertEquals(1, m.spuriousWidthPulses());
        assertTrue(new PulseMonitor(S, 10 * MS, 0, 0, 16).widthPlausible(T0, T0 + 5 * MS), "no width configured");
    }

    @Test
    void shouldNotMistakeAClockStepForSpuriousPulses() {
        PulseMonitor m = new PulseMonitor(S, 10 * MS, 0, 0, 16);
        assertTrue(m.onPulse(1, T0));
        m.onClockStep(-350 * MS);
        assertTrue(m.onPulse(2, T0 + S - 350 * MS));
        assertEquals(0, m.spuriousIntervalPulses());
        assertEquals(-1, m.jitterNs(), "intervals across a step are not used");
    }

    @Test
    void shouldJudgeIntervalsAtTheRateTheSystemClockIsSlewedAt() {
        // A daemon slews a large offset out at 8%: on the system clock the pulses come 1.08 s apart.
        PulseMonitor unaware = new PulseMonitor(S, 10 * MS, 0, 0, 16);
        PulseMonitor told = new PulseMonitor(S, 10 * MS, 0, 0, 16);
        told.localRate(0.08);
        for (int k = 0; k < 4; k++) {
            long t = T0 + k * (S + 80 * MS);
            assertEquals(k == 0, unaware.onPulse(k + 1, t), "unaware of the slew: only the first pulse fits, " + k);
            assertTrue(told.onPulse(k + 1, t), "pulse " + k + " at the told rate");
        }
        assertEquals(3, unaware.spuriousIntervalPulses());
        assertEquals(0, told.spuriousIntervalPulses());
        // Still whole periods of that length: a pulse half-way is spurious, one a period later again good.
        assertFalse(told.onPulse(5, T0 + 3 * (S + 80 * MS) + 540 * MS));
        assertTrue(told.onPulse(6, T0 + 4 * (S + 80 * MS)));
        // Beyond +-15% it is no slew: ignored.
        told.localRate(0.5);
        assertFalse(told.onPulse(7, T0 + 4 * (S + 80 * MS) + 1500 * MS));
    }
}
