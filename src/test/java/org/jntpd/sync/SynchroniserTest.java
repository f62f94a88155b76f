package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jntpd.clock.LeapMode;
import org.jntpd.clock.VirtualClock;
import org.junit.jupiter.api.Test;

class SynchroniserTest {
    private static final long S = 1_000_000_000L;
    /** 2026-06-30T12:00:00Z. */
    private static final long JUNE_30_NOON = (1_782_777_600L + 43_200) * S;
    private static final long JULY_1 = 1_782_864_000L;

    private final VirtualClock clock = new VirtualClock(JUNE_30_NOON, 0, 0, 0, new SplittableRandom(1), 100_000);
    private final Synchroniser sync = new Synchroniser(clock, SyncConfig.defaults());
    private final Sample sample = new Sample();

    /** A reachable stratum-1 source measured at the current instant, announcing {@code leap}. */
    private Source reachableSource(String name, int refId, int leap) {
        return reachableSource(name, refId, leap, 0);
    }

    private Source reachableSource(String name, int refId, int leap, long biasNs) {
        Source s = sync.addSource(SourceConfig.of(name, refId));
        s.setReachable(true);
        measure(s, leap, biasNs);
        return s;
    }

    /** One sample of {@code s}: true offset -x, 200 us delay, root delay/dispersion 1 ms / 2 ms. */
    private boolean measure(Source s, int leap, long biasNs) {
        long offset = -Math.round(clock.offsetNs()) + biasNs;
        return s.accumulate(sample.set(clock.nowNs(), offset, 200_000, 1_000, 1_000_000, 2_000_000, 1,
                0x47505300, leap, -24));
    }

    @Test
    void shouldLeaveNoResidualFrequencyWithOneSourceAndAccountForTheSlewAndTheUpdateInterval() {
        VirtualClock fast = new VirtualClock(JUNE_30_NOON, 3e6, 20e-6, 0, new SplittableRandom(1), 100_000);
        Synchroniser sync = new Synchroniser(fast, SyncConfig.defaults());
        Source s = sync.addSource(SourceConfig.of("a", 0xC0000201));
        s.setReachable(true);
        assertTrue(Double.isNaN(sync.residualFrequencyPpm()), "no system peer yet");
        assertEquals(-1, sync.updateIntervalNs());
        for (int k = 0; k < 20; k++) {
            assertTrue(s.accumulate(sample.set(fast.nowNs(), -Math.round(fast.offsetNs()), 200_000, 1_000, 1_000_000,
                    2_000_000, 1, 0x47505300, 0, -24)));
            assertEquals(SyncStatus.SYNCHRONISED, sync.update(fast.nowNs()));
            // the whole frequency is applied at each update: nothing is left over from one source alone
            assertEquals(0, sync.residualFrequencyPpm(), 1e-6, "update " + k);
            // what is still to slew is what the clock is still off, as the filter believes it
            assertEquals(sync.lastOffsetS(), sync.slewRemainingS(fast.nowNs()), 1e-12, "update " + k);
            if (k > 0) {
                // 16 s of true time on the local clock: 20 ppm off at first, and slewing out 3 ms
                assertEquals(16 * S, sync.updateIntervalNs(), 16 * 20e3 + 3e6, "update " + k);
            }
            long next = fast.trueNs() + 16 * S;
            while (fast.trueNs() < next) {
                fast.advanceTo(Math.min(next, fast.trueNs() + (sync.nextTimerNs() - fast.nowNs() > 0
                        ? Math.max(1, sync.nextTimerNs() - fast.nowNs()) : 1)));
                if (sync.nextTimerNs() - fast.nowNs() <= 0) {
                    sync.onTimer(fast.nowNs());
                }
            }
        }
        assertEquals(0, sync.slewRemainingS(fast.nowNs()), 1e-9, "the last slew ended");
    }

    @Test
    void shouldServeStratumOneFromAReferenceClock() {
        Source pps = sync.addSource(SourceConfig.of("PPS0", 0x50505300)); // "PPS"
        pps.setReachable(true);
        // A reference clock's sample: stratum 0, no network delay, the clock's own dispersion.
        assertTrue(pps.accumulate(sample.set(clock.nowNs(), -Math.round(clock.offsetNs()), 0, 1_000, 0, 0, 0,
                0x50505300, 0, -20)));
        assertEquals(SyncStatus.SYNCHRONISED, sync.update(clock.nowNs()));
        assertEquals(1, sync.state().stratum());
        assertEquals(0x50505300, sync.state().refId());
        assertEquals(0, sync.state().rootDelayNs());
    }

    @Test
    void shouldPublishTheStateOfItsSystemPeer() {
        assertFalse(sync.state().synced());
        assertEquals(3, sync.state().leapIndicator());
        Source a = reachableSource("a", 0xC0000201, 0);
        assertEquals(SyncStatus.SYNCHRONISED, sync.update(clock.nowNs()));
        SystemState st = sync.state();
        assertTrue(st.synced());
        assertEquals(0, st.leapIndicator());
        assertEquals(2, st.stratum());
        assertEquals(0xC0000201, st.refId());
        assertEquals(1_000_000 + a.minDelayNs(), st.rootDelayNs());
        assertTrue(st.rootDispersionNs() >= 2_000_000);
        assertEquals(clock.nowNs(), st.referenceTimeNs());
        assertEquals(st.rootDispersionNs() + 15_000, st.rootDispersionNs(st.referenceTimeNs() + S), 1);
        assertTrue(clock.synced(), "the kernel is told");
        assertEquals("synchronised to a (1 of 1 sources combined), offset 0.000000000 s", sync.statusMessage());
    }

    @Test
    void shouldSayWhyItRefusesToSynchronise() {
        assertEquals(SyncStatus.NO_SOURCES, sync.update(clock.nowNs()));
        assertEquals("no sources configured", sync.statusMessage());
        Source a = sync.addSource(SourceConfig.of("a", 1));
        assertEquals(SyncStatus.NO_SELECTABLE_SOURCES, sync.update(clock.nowNs()));
        a.setReachable(true);
        measure(a, 0, 0);
        reachableSource("b", 2, 0);
        reachableSource("c", 3, 0, 400_000_000L);
        assertEquals(SyncStatus.SYNCHRONISED, sync.update(clock.nowNs()), "2 of 3 agree");
        reachableSource("d", 4, 0, -400_000_000L);
        assertEquals(SyncStatus.NO_MAJORITY, sync.update(clock.nowNs()));
        assertEquals("no majority: only 2 of 4 sources agree", sync.statusMessage());
        assertTrue(sync.state().synced(), "the last good state stays published while it ages");
    }

    @Test
    void shouldArmTheKernelLeapFromALeapFileAndDisarmItAfterwards() {
        sync.leapSeconds().add(JULY_1, 1);
        Source a = reachableSource("a", 1, 0);
        sync.update(clock.nowNs());
        assertEquals(LeapMode.INSERT, clock.leapMode());
        assertEquals(1, sync.state().leapIndicator());
        // Past midnight (the clock inserted the second itself), housekeeping disarms.
        clock.advanceTo((JULY_1 + 10) * S);
        assertEquals(1, clock.leapsInserted());
        measure(a, 0, 0);
        sync.onTimer(clock.nowNs());
        assertEquals(LeapMode.NONE, clock.leapMode());
        assertEquals(0, sync.state().leapIndicator());
    }

    @Test
    void shouldHonourAMajorityLeapVoteOnlyAtTheEndOfJuneOrDecember() {
        reachableSource("a", 1, 1);
        reachableSource("b", 2, 1);
        reachableSource("c", 3, 0);
        sync.update(clock.nowNs());
        assertEquals(LeapMode.INSERT, clock.leapMode(), "2 of 3 announce an insertion on June 30");

        VirtualClock may = new VirtualClock((1_779_192_000L) * S, 0, 0, 0, new SplittableRandom(1), 100_000); // 2026-05-19
        Synchroniser other = new Synchroniser(may, SyncConfig.defaults());
        Source s = other.addSource(SourceConfig.of("a", 1));
        s.setReachable(true);
        s.accumulate(sample.set(may.nowNs(), 0, 200_000, 0, 0, 0, 1, 0, 1, -24));
        other.update(may.nowNs());
        assertEquals(LeapMode.NONE, may.leapMode(), "no leap second at the end of May 19");
        assertEquals(0, other.state().leapIndicator());
    }

    @Test
    void shouldGoUnsynchronisedOnceTheLastUpdateIsTooOld() {
        reachableSource("a", 1, 0);
        sync.update(clock.nowNs());
        assertTrue(sync.state().synced());
        long[] times = {3_600, 50_000, 99_000};
        for (long t : times) {
            clock.advanceTo(JUNE_30_NOON + t * S);
            sync.onTimer(clock.nowNs());
        }
        assertTrue(sync.state().synced(), "root distance still below maxdist (1.5 s at 15 ppm: 100000 s)");
        clock.advanceTo(JUNE_30_NOON + 101_000 * S);
        sync.onTimer(clock.nowNs());
        assertFalse(sync.state().synced());
        assertEquals(3, sync.state().leapIndicator());
        assertFalse(clock.synced());
    }

    @Test
    void shouldTellStepListenersAndSourcesAboutASteps() {
        VirtualClock off = new VirtualClock(JUNE_30_NOON, -2e9, 0, 0, new SplittableRandom(1), 100_000);
        Synchroniser s = new Synchroniser(off, SyncConfig.defaults());
        List<Long> steps = new ArrayList<>();
        s.addStepListener((nowNs, stepNs) -> steps.add(stepNs));
        Source a = s.addSource(SourceConfig.of("a", 1));
        a.setReachable(true);
        a.accumulate(sample.set(off.nowNs(), 2 * S, 200_000, 0, 0, 0, 1, 0, 0, -24));
        s.update(off.nowNs());
        assertEquals(List.of(2 * S), steps);
        assertEquals(0, a.offsetNs(off.nowNs()), 1_000, "the source's estimate moved with the step");
        assertEquals(0, off.offsetNs(), 1);
    }
}
