package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jntpd.clock.VirtualClock;
import org.junit.jupiter.api.Test;

class DisciplineTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_767_225_600L * S;

    private final List<String> events = new ArrayList<>();
    private final Discipline.Listener listener = new Discipline.Listener() {
        @Override
        public void onFrequencyChange(long nowNs, double dFreq) {
            events.add("freq " + dFreq);
        }

        @Override
        public void onStep(long nowNs, long stepNs) {
            events.add("step " + stepNs);
        }
    };

    /** A clock without frequency error or wander, {@code x0Ns} off true time. */
    private static VirtualClock clock(double x0Ns) {
        return new VirtualClock(T0, x0Ns, 0, 0, new SplittableRandom(1), 100_000);
    }

    /** Advances true time until the clock reads {@code localNs} (at its current rate). */
    private static void advanceToLocal(VirtualClock c, long localNs) {
        long ahead = localNs - c.nowNs();
        c.advanceTo(c.trueNs() + (long) Math.ceil(ahead / (1 + c.frequencyError())));
    }

    @Test
    void shouldSlewAnOffsetBelowTheStepThresholdAndEndTheSlewOnTime() {
        VirtualClock c = clock(-50e6); // 50 ms behind: the sources are 50 ms ahead
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        assertEquals(Discipline.Correction.SLEW, d.update(c.nowNs(), 0.050, 0));
        assertEquals(0, c.steps());
        // 50 ms over the minimum slew duration of 1 s: the offset shrinks 0.05 s per local second
        assertEquals((1 / (1 - 0.05) - 1) * 1e6, c.frequencyPpm(), 1e-6);
        advanceToLocal(c, d.nextTimerNs());
        d.onTimer(c.nowNs());
        assertEquals(0, c.frequencyPpm(), 1e-9);
        assertEquals(0, c.offsetNs(), 100, "the slew removed exactly the offset");
        assertEquals(Long.MAX_VALUE, d.nextTimerNs());
        assertEquals(2, events.size(), "slew start and end reported: " + events);
    }

    @Test
    void shouldAccountForWhatIsStillToSlewAsTheClockReallyIsAndTheIntervalBetweenUpdates() {
        VirtualClock c = clock(-50e6); // 50 ms behind
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        assertEquals(-1, d.updateIntervalNs(), "no update yet");
        long t0 = c.nowNs();
        d.update(t0, 0.050, 0);
        assertEquals(-1, d.updateIntervalNs(), "one update: no interval yet");
        assertEquals(S, d.slewLeftNs(t0), "50 ms over the minimum slew duration of 1 s");
        assertEquals(0.050, d.slewRate() * d.slewLeftNs(t0) * 1e-9, 1e-12);
        for (long partNs : new long[] {250_000_000L, 500_000_000L, 900_000_000L}) {
            advanceToLocal(c, t0 + partNs);
            double remainingS = d.slewRate() * d.slewLeftNs(c.nowNs()) * 1e-9;
            // chronyc's System time: what is still to slew is what the clock is still behind
            assertEquals(-c.offsetNs(), remainingS * 1e9, 1_000, "at " + partNs + " ns");
        }
        advanceToLocal(c, d.nextTimerNs());
        d.onTimer(c.nowNs());
        assertEquals(0, d.slewLeftNs(c.nowNs()));
        advanceToLocal(c, t0 + 16 * S);
        d.update(c.nowNs(), 0.0001, 0);
        assertEquals(16 * S, d.updateIntervalNs(), 2);
        long t1 = c.nowNs();
        d.requestStep();
        d.update(t1, -0.5, 0); // stepped back 0.5 s: the next interval counts on the stepped clock
        advanceToLocal(c, t1 - 500_000_000L + 8 * S);
        d.update(c.nowNs(), 0, 0);
        assertEquals(8 * S, d.updateIntervalNs(), 2);
    }

    @Test
    void shouldStepASmallOffsetOnceWhenAStepWasRequested() {
        VirtualClock c = clock(-5e6); // 5 ms behind: far below the step threshold, so normally slewed
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        assertEquals(Discipline.Correction.SLEW, d.update(c.nowNs(), 0.005, 0));
        advanceToLocal(c, d.nextTimerNs());
        d.onTimer(c.nowNs());
        c.advanceTo(c.trueNs() + S);
        c.stepNs(-3_000_000); // now 3 ms behind again
        d.requestStep(); // jntpc makestep
        assertEquals(Discipline.Correction.STEP, d.update(c.nowNs(), 0.003, 0));
        assertEquals(0, c.offsetNs(), 100, "stepped by exactly the offset");
        assertTrue(events.contains("step 3000000"), events.toString());
        c.stepNs(-2_000_000);
        assertEquals(Discipline.Correction.SLEW, d.update(c.nowNs(), 0.002, 0), "the request is used up");
    }

    @Test
    void shouldSlewALargeOffsetAtTheMaximumRate() {
        VirtualClock c = clock(-100e6);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        d.update(c.nowNs(), 0.1, 0);
        assertEquals(83_333.333, c.frequencyPpm(), 1e-3);
        advanceToLocal(c, d.nextTimerNs());
        d.onTimer(c.nowNs());
        assertEquals(0, c.offsetNs(), 100);
    }

    @Test
    void shouldSpreadASmallCorrectionOverTheMinimumSlewDuration() {
        VirtualClock c = clock(-10_000);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        d.update(c.nowNs(), 10e-6, 0);
        assertEquals(10, c.frequencyPpm(), 1e-3, "10 us over 1 s");
        assertEquals(c.nowNs() + S, d.nextTimerNs(), 1);
    }

    @Test
    void shouldSlewAKnownMillisecondOutWithinATenthOfASecondWithoutOvershoot() {
        // A step of the source seen twice: 1 ms known to 50 us (20 sigma). Spread over the minimum slew duration it
        // left the clock half a millisecond off on average for a second; now (2 / 20)^2 of it, at least 50 ms.
        VirtualClock c = clock(-1e6);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        long t0 = c.nowNs();
        assertEquals(Discipline.Correction.SLEW, d.update(t0, 1e-3, 50e-6, 0));
        long durationNs = d.nextTimerNs() - t0;
        assertTrue(durationNs >= 50_000_000L && durationNs <= 100_000_000L, "slewed over " + durationNs + " ns");
        advanceToLocal(c, t0 + durationNs / 2);
        assertTrue(c.offsetNs() > -600_000 && c.offsetNs() < -400_000, "half way: " + c.offsetNs() + " ns");
        advanceToLocal(c, d.nextTimerNs());
        d.onTimer(c.nowNs());
        assertEquals(0, c.offsetNs(), 1_000, "the whole millisecond, no more");
        assertEquals(0, c.frequencyPpm(), 1e-9, "the slew ended");
    }

    @Test
    void shouldSpreadNoiseAndAnOffsetOfUnknownSigmaOverTheMinimumSlewDuration() {
        VirtualClock c = clock(0);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        d.update(c.nowNs(), 5e-6, 4e-6, 0); // 1.25 sigma: noise
        assertEquals(c.nowNs() + S, d.nextTimerNs(), 1);
        d.update(c.nowNs(), 1e-3, 0);
        assertEquals(c.nowNs() + S, d.nextTimerNs(), 1, "no sigma given: the minimum slew duration");
        d.update(c.nowNs(), 1e-3, 250e-6, 0); // 4 sigma: a quarter of the minimum
        assertEquals(c.nowNs() + S / 4, d.nextTimerNs(), 1);
    }

    @Test
    void shouldSlowKnownSlewsDownAfterTheirEndCameLate() {
        // A slew that ends late overshoots by its rate times the lateness: once the loop was seen 40 ms late, a known
        // correction takes at least 5 x 40 ms.
        VirtualClock c = clock(-1e6);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        d.update(c.nowNs(), 1e-3, 10e-6, 0);
        advanceToLocal(c, d.nextTimerNs() + 40_000_000L);
        d.onTimer(c.nowNs());
        long t = c.nowNs();
        d.update(t, 1e-3, 10e-6, 0);
        assertEquals(200_000_000L, d.nextTimerNs() - t, 2);
    }

    @Test
    void shouldStepBeyondTheThresholdOnTheFirstUpdate() {
        VirtualClock c = clock(-500e6);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        assertEquals(Discipline.Correction.STEP, d.update(c.nowNs(), 0.5, 0));
        assertEquals(1, c.steps());
        assertEquals(500_000_000L, c.lastStepNs());
        assertEquals(0, c.offsetNs(), 1);
        assertTrue(events.contains("step 500000000"), events.toString());
    }

    @Test
    void shouldStepLaterOnlyOnceTheOffsetPersistedForTheStepoutInterval() {
        VirtualClock c = clock(0);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        d.update(c.nowNs(), 1e-6, 0);
        long t = c.nowNs();
        assertEquals(Discipline.Correction.STEPOUT_WAIT, d.update(t, 0.2, 0));
        assertEquals(Discipline.Correction.STEPOUT_WAIT, d.update(t + 299 * S, 0.2, 0));
        assertEquals(0, c.steps());
        assertEquals(Discipline.Correction.STEP, d.update(t + 300 * S, 0.2, 0));
        assertEquals(1, c.steps());
    }

    @Test
    void shouldRefuseAnOffsetBeyondThePanicThresholdUnlessExemptAtStart() {
        VirtualClock c = clock(0);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        assertEquals(Discipline.Correction.PANIC, d.update(c.nowNs(), 2000, 0));
        assertEquals(0, c.steps());
        assertEquals(0, c.frequencyPpm());
        assertTrue(events.isEmpty());

        Discipline g = new Discipline(c, SyncConfig.builder().panicExemptFirst(true).build(), listener);
        assertEquals(Discipline.Correction.STEP, g.update(c.nowNs(), 2000, 0));
        assertEquals(Discipline.Correction.PANIC, g.update(c.nowNs(), -2000, 0), "only the first update is exempt");
    }

    @Test
    void shouldSlewOnceTheStepLimitIsUsedUp() {
        VirtualClock c = clock(0);
        SyncConfig cfg = SyncConfig.builder().stepThresholdNs(100_000_000L).stepLimit(1).stepoutNs(0).build();
        Discipline d = new Discipline(c, cfg, listener);
        assertEquals(Discipline.Correction.STEP, d.update(c.nowNs(), 0.5, 0));
        assertEquals(Discipline.Correction.SLEW, d.update(c.nowNs(), 0.5, 0));
        assertEquals(1, c.steps());
    }

    @Test
    void shouldHonourAConfiguredStepThreshold() {
        VirtualClock c = clock(0);
        Discipline never = new Discipline(c, SyncConfig.builder().stepThresholdNs(0).build(), listener);
        assertEquals(Discipline.Correction.SLEW, never.update(c.nowNs(), 5, 0), "threshold 0: never step");
        Discipline low = new Discipline(c, SyncConfig.builder().stepThresholdNs(10_000_000L).build(), listener);
        assertEquals(Discipline.Correction.STEP, low.update(c.nowNs(), 0.02, 0));
    }

    @Test
    void shouldCancelTheEstimatedFrequencyExactly() {
        VirtualClock c = clock(0);
        Discipline d = new Discipline(c, SyncConfig.defaults(), listener);
        // the sources gain 10 us per local second: the clock must run faster by 1 / (1 - 1e-5) - 1
        d.update(c.nowNs(), 0, 10e-6);
        assertEquals((1 / (1 - 1e-5) - 1) * 1e6, d.frequencyPpm(), 1e-9);
        assertEquals(d.frequencyPpm(), c.frequencyPpm(), 1e-9);
    }

    @Test
    void shouldStartFromASavedDriftAndClampToTheFrequencyLimit() {
        VirtualClock c = clock(0);
        Discipline d = new Discipline(c, SyncConfig.builder().initialFrequencyPpm(-12.5).build(), listener);
        assertEquals(-12.5, c.frequencyPpm(), 1e-12);
        assertTrue(d.frequencyKnown());
        d.update(c.nowNs(), 0, -1e-3);
        assertEquals(-500, d.frequencyPpm(), 1e-12);
    }
}
