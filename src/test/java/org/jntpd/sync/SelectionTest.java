package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jntpd.clock.ReadOnlyClock;
import org.junit.jupiter.api.Test;

/** Marzullo intersection, clustering and combining, on sources with known offsets and interval half-widths. */
class SelectionTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_767_225_600L * S;
    /** The time of the last sample: intervals are the root dispersion plus a little (half the delay, 3 sigma). */
    private static final long NOW = T0 + 4 * 64 * S;

    private final Synchroniser sync = new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults());
    private final List<Source> sources = new ArrayList<>();
    private final Selection selection = new Selection();

    /** A source whose estimate is {@code offsetNs} with an interval of about +-{@code halfWidthNs}. */
    private Source source(String name, long offsetNs, long halfWidthNs, boolean prefer) {
        Source s = sync.addSource(new SourceConfig(name, sources.size() + 1, prefer, false));
        Sample sample = new Sample();
        for (int k = 0; k < 5; k++) {
            s.accumulate(sample.set(T0 + k * 64 * S, offsetNs, 1_000, 0, 0, halfWidthNs, 1, 0, 0, -24));
        }
        s.setReachable(true);
        sources.add(s);
        return s;
    }

    private Source source(String name, long offsetNs, long halfWidthNs) {
        return source(name, offsetNs, halfWidthNs, false);
    }

    private SyncStatus select(SyncConfig cfg) {
        selection.run(sources, NOW, cfg, true);
        return selection.status;
    }

    @Test
    void shouldSelectTheMajorityAndMarkTheFalsetickers() {
        Source a = source("a", 0, MS);
        Source b = source("b", 100_000, MS);
        Source c = source("c", -100_000, MS);
        Source hi = source("hi", 500 * MS, MS);
        Source lo = source("lo", -500 * MS, MS);
        assertEquals(SyncStatus.SYNCHRONISED, select(SyncConfig.defaults()));
        assertEquals(3, selection.agreeing);
        assertEquals(3, selection.survivors);
        assertEquals(SourceState.FALSETICKER, hi.state());
        assertEquals(SourceState.FALSETICKER, lo.state());
        for (Source s : List.of(a, b, c)) {
            assertEquals(true, s.state() == SourceState.COMBINED || s.state() == SourceState.SYSTEM_PEER, s.name());
        }
        assertEquals(0, selection.offset, 1e-4);
    }

    @Test
    void shouldRefuseWhenNoMajorityAgrees() {
        source("a", 0, MS);
        source("b", 0, MS);
        source("c", 500 * MS, MS);
        source("d", -500 * MS, MS);
        source("e", 1000 * MS, MS);
        assertEquals(SyncStatus.NO_MAJORITY, select(SyncConfig.defaults()));
        assertEquals(2, selection.agreeing);
        assertEquals(5, selection.candidates);
    }

    @Test
    void shouldTakeTheFirstOfTwoEqualIntersectionsOfAChain() {
        // A = [0, 2] ms, B = [1, 3] ms, C = [2.5, 4] ms: A and B agree, so do B and C, never all three.
        Source a = source("a", 1 * MS, MS);
        Source b = source("b", 2 * MS, MS);
        Source c = source("c", 3_250_000, 750_000);
        assertEquals(SyncStatus.SYNCHRONISED, select(SyncConfig.defaults()));
        assertEquals(2, selection.agreeing);
        assertEquals(SourceState.FALSETICKER, c.state());
        assertEquals(true, a.state() != SourceState.FALSETICKER && b.state() != SourceState.FALSETICKER);
    }

    @Test
    void shouldCountTouchingIntervalsAsAgreeing() {
        Source a = source("a", 0, MS);
        long distance = a.distanceNs(NOW);
        source("b", 2 * distance, MS);
        assertEquals(SyncStatus.SYNCHRONISED, select(SyncConfig.defaults()));
        assertEquals(2, selection.agreeing);
    }

    @Test
    void shouldRequireMinsaneAgreeingSources() {
        source("a", 0, MS);
        assertEquals(SyncStatus.TOO_FEW_SURVIVORS, select(SyncConfig.builder().minSane(2).build()));
        assertEquals(SyncStatus.SYNCHRONISED, select(SyncConfig.defaults()));
    }

    @Test
    void shouldClusterAwayAnOutlierAmongTheAgreeingSources() {
        source("a", 0, MS);
        source("b", 10_000, MS);
        source("c", -10_000, MS);
        source("d", 5_000, MS);
        Source far = source("far", 900_000, MS);
        assertEquals(SyncStatus.SYNCHRONISED, select(SyncConfig.defaults()));
        assertEquals(5, selection.agreeing);
        assertEquals(SourceState.OUTLIER, far.state());
        assertEquals(3, selection.survivors, "pruned down to minclock (3)");
    }

    @Test
    void shouldWeightSurvivorsByTheirPrecision() {
        source("tight", 100_000, MS);
        source("loose", -100_000, 10 * MS);
        select(SyncConfig.defaults());
        // weights 1/(1 ms)^2 : 1/(10 ms)^2 = 100 : 1
        assertEquals((100 * 100e-6 - 100e-6) / 101, selection.offset, 2e-6);
    }

    @Test
    void shouldNotCombineASurvivorMoreThanTheCombineLimitAsFarAsTheSystemPeer() {
        // A source 20 ms off with a 40 ms interval (unheard for an hour, its distance grown by PHI) still intersects
        // the two that agree at 0 and is not inconsistent by sigmas; averaged in, it would move the clock ~6 us.
        Source a = source("a", 0, MS);
        Source b = source("b", 0, MS);
        Source wide = source("wide", 20 * MS, 40 * MS);
        assertEquals(SyncStatus.SYNCHRONISED, select(SyncConfig.defaults()));
        assertEquals(3, selection.survivors);
        assertTrue(wide.distanceNs(NOW) > Selection.COMBINE_LIMIT * a.distanceNs(NOW));
        assertEquals(SourceState.NOT_COMBINED, wide.state());
        assertEquals(0, selection.offset, 1e-7);
        assertTrue(a.state() == SourceState.SYSTEM_PEER || b.state() == SourceState.SYSTEM_PEER);
    }

    @Test
    void shouldMakeThePreferredSurvivorTheSystemPeer() {
        source("a", 0, MS);
        Source p = source("p", 0, 5 * MS, true);
        source("c", 0, MS);
        select(SyncConfig.defaults());
        assertSame(p, selection.systemPeer);
        assertEquals(SourceState.SYSTEM_PEER, p.state());
    }

    @Test
    void shouldCombineOnlyThePreferredSurvivorsWhenOneSurvives() {
        // A loose preferred source and two tight ones 2 ms away that still overlap it: weighted alone, the tight pair
        // would pull the offset to ~2 ms; with a preferred survivor they vote but are not combined.
        Source p = source("p", 0, 5 * MS, true);
        Source a = source("a", 2 * MS, MS / 10);
        Source b = source("b", 2 * MS, MS / 10);
        assertEquals(SyncStatus.SYNCHRONISED, select(SyncConfig.defaults()));
        assertEquals(3, selection.survivors);
        assertEquals(1, selection.combined, "the log's \"1 of 3 sources combined\"");
        assertSame(p, selection.systemPeer);
        assertEquals(0, selection.offset, 1e-6);
        assertEquals(SourceState.NOT_COMBINED, a.state());
        assertEquals(SourceState.NOT_COMBINED, b.state());
    }

    @Test
    void shouldNotLetASteadyServerStandInForASpikingPreferredSource() {
        // A PPS (preferred, tight) and a server 1 ms off whose wide interval overlaps it; the PPS's last sample was a
        // spike, so it is suspect. Setting it aside left the server alone in the combination, and the clock went
        // 138 us towards it in the guest bench. A suspect preferred source is still combined when no steady
        // preferred one exists.
        Source pps = source("pps", 0, 1_000, true);
        Source server = source("server", MS, 5 * MS);
        long spikeAt = T0 + 5 * 64 * S;
        assertEquals(false, pps.accumulate(new Sample().set(spikeAt, 100_000, 1_000, 0, 0, 1_000, 1, 0, 0, -24)));
        assertEquals(true, pps.suspect());
        selection.run(sources, spikeAt, SyncConfig.defaults(), true);
        assertEquals(SyncStatus.SYNCHRONISED, selection.status);
        assertSame(pps, selection.systemPeer);
        assertEquals(0, selection.offset, 1e-6, "the PPS's estimate, not the server's 1 ms");
        assertEquals(SourceState.NOT_COMBINED, server.state());
    }

    @Test
    void shouldWaitForPendingSourcesBeforeTheFirstSelection() {
        source("a", 0, MS);
        Source pending = sync.addSource(SourceConfig.of("later", 9));
        pending.setPending(true);
        sources.add(pending);
        Source pending2 = sync.addSource(SourceConfig.of("later2", 10));
        pending2.setPending(true);
        sources.add(pending2);
        selection.run(sources, NOW, SyncConfig.defaults(), false);
        assertEquals(SyncStatus.NO_MAJORITY, selection.status, "1 agreeing of 1 + 2 awaited is no majority yet");
        pending.setPending(false);
        pending2.setPending(false);
        selection.run(sources, NOW, SyncConfig.defaults(), false);
        assertEquals(SyncStatus.SYNCHRONISED, selection.status, "the others gave up: 1 of 1");
    }

    @Test
    void shouldNotSelectUnreachableOrNoselectSources() {
        Source a = source("a", 0, MS);
        a.setReachable(false);
        assertEquals(SyncStatus.NO_SELECTABLE_SOURCES, select(SyncConfig.defaults()));
        Source n = sync.addSource(new SourceConfig("n", 2, false, true));
        n.accumulate(new Sample().set(T0, 0, 1_000, 0, 0, 0, 1, 0, 0, -24));
        n.setReachable(true);
        sources.add(n);
        assertEquals(SyncStatus.NO_SELECTABLE_SOURCES, select(SyncConfig.defaults()));
        assertEquals(SourceState.UNSELECTABLE, n.state());
    }
}
