package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.jntpd.clock.VirtualClock;
import org.junit.jupiter.api.Test;

/**
 * A sample re-expressed after the clock's rate changed must read as if the clock had run at its present rate all
 * along: its local time is what the clock, extrapolated back at today's rate, read at the measurement, and the
 * reference's time (local + offset) is unchanged. Checked against a virtual clock's true time.
 */
class RateChangesTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_790_000_000L * S;

    private final VirtualClock clock = new VirtualClock(T0, 250_000, 20e-6, 0, new Random(1), 100_000);
    private final RateChanges changes = new RateChanges(4);

    /** Sets the correction to {@code ppm} now and records the change as the discipline reports it. */
    private void setFrequency(double ppm) {
        double rate = 1 + clock.frequencyPpm() * 1e-6;
        clock.setFrequencyPpm(ppm);
        changes.onFrequencyChange(clock.nowNs(), (1 + ppm * 1e-6) / rate - 1);
    }

    /** The clock's reading at {@code trueNs} in the past, extrapolated back at its present rate. */
    private long readingAtPresentRate(long trueNs) {
        double rate = (1 + clock.oscillatorFrequency()) * (1 + clock.frequencyPpm() * 1e-6);
        return clock.nowNs() - Math.round((clock.trueNs() - trueNs) * rate);
    }

    /** (assertEquals(long, long, int) would compare as floats: 137 s apart at these times.) */
    private static void assertWithin(long toleranceNs, long expectedNs, long actualNs) {
        assertTrue(Math.abs(actualNs - expectedNs) <= toleranceNs, "expected " + expectedNs + " +- " + toleranceNs
                + " ns, got " + actualNs + " (" + (actualNs - expectedNs) + ")");
    }

    private Sample measureTrueTime() {
        long local = clock.nowNs();
        return new Sample().set(local, clock.trueNs() - local, 0, 0, 0, 0, 0, 0, 0, -20);
    }

    @Test
    void shouldReadASampleTakenBeforeTwoSlewsAsTheClockRunsNow() {
        clock.advanceTo(T0 + S);
        setFrequency(-20); // a change before the sample: not applied to it
        clock.advanceTo(T0 + 2 * S);
        long measuredAt = clock.trueNs();
        Sample s = measureTrueTime();
        long referenceNs = s.localTimeNs + s.offsetNs;
        clock.advanceTo(T0 + 2 * S + 300_000_000L);
        setFrequency(-20 + 83_333); // a slew at chrony's fastest rate
        clock.advanceTo(T0 + 2 * S + 800_000_000L);
        setFrequency(-19.5); // its end, and a frequency correction
        clock.advanceTo(T0 + 3 * S + 100_000_000L);

        changes.reexpress(s);

        assertWithin(2, readingAtPresentRate(measuredAt), s.localTimeNs);
        assertEquals(referenceNs, s.localTimeNs + s.offsetNs);
    }

    @Test
    void shouldMoveTheChangesWithAStepAsTheSamplesMove() {
        clock.advanceTo(T0 + S);
        long measuredAt = clock.trueNs();
        Sample s = measureTrueTime();
        clock.advanceTo(T0 + S + 400_000_000L);
        setFrequency(-20 + 500);
        clock.advanceTo(T0 + S + 900_000_000L);
        clock.stepNs(-3_000_000);
        changes.onClockStep(clock.nowNs(), -3_000_000);
        s.localTimeNs -= 3_000_000; // as the producer moves a kept sample (RefclockFilter.onClockStep)
        s.offsetNs += 3_000_000;
        clock.advanceTo(T0 + 2 * S);

        changes.reexpress(s);

        assertWithin(2, readingAtPresentRate(measuredAt), s.localTimeNs);
    }

    @Test
    void shouldLeaveASampleAloneWhenNothingChangedSince() {
        clock.advanceTo(T0 + S);
        setFrequency(300);
        clock.advanceTo(T0 + 2 * S);
        Sample s = measureTrueTime();
        long local = s.localTimeNs;
        long offset = s.offsetNs;

        changes.reexpress(s);

        assertEquals(local, s.localTimeNs);
        assertEquals(offset, s.offsetNs);
    }

    /** Changes its producer already applied (a reference clock's filter) are not applied again. */
    @Test
    void shouldApplyOnlyTheChangesAfterThoseAlreadyApplied() {
        clock.advanceTo(T0 + S);
        Sample s = measureTrueTime();
        Sample t = measureTrueTime();
        clock.advanceTo(T0 + S + 200_000_000L);
        setFrequency(20 + 500); // the producer re-expressed its measurement for this one (change 1)
        changes.reexpress(t, 0); // as the producer did: the sample's time moves with change 1
        long local = t.localTimeNs;
        long offset = t.offsetNs;
        clock.advanceTo(T0 + S + 700_000_000L);
        setFrequency(20); // the sample was on its way: change 2 is left to the loop
        clock.advanceTo(T0 + 2 * S);

        changes.reexpress(t, 1);
        changes.reexpress(s);

        assertEquals(2, changes.count());
        assertEquals(s.localTimeNs, t.localTimeNs, "both changes applied once");
        assertEquals(s.offsetNs, t.offsetNs);
        assertEquals(offset - (t.localTimeNs - local), t.offsetNs, "the reference's time unchanged");
        assertTrue(Math.abs(t.localTimeNs - local) > 100_000, "change 2 applied: " + (t.localTimeNs - local) + " ns");
    }
}
