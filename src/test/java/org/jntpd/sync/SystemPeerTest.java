package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jntpd.clock.ReadOnlyClock;
import org.junit.jupiter.api.Test;

/**
 * Which survivor becomes the system peer (and so this host's stratum, refid and root distance) as samples arrive:
 * stratum weighs, and a source one stratum further away does not take over on one good moment and keep the role.
 * The case seen on a real network: jntpd moved from a stratum-1 server to a stratum-2 peer after the server's one
 * spike, stayed there, advertised stratum 3, and chronyd (the peer) rejected it as a loop.
 */
class SystemPeerTest {
    private static final long S = 1_000_000_000L;
    private static final long US = 1_000L;
    private static final long T0 = 1_767_225_600L * S;

    private final Synchroniser sync = new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults());
    private final List<Source> sources = new ArrayList<>();
    private final Selection selection = new Selection();
    private final SplittableRandom random = new SplittableRandom(7);
    private final Sample sample = new Sample();

    /** A reachable source; its stratum and root distance come with its samples ({@link #measure}). */
    private Source server(String name) {
        Source s = sync.addSource(new SourceConfig(name, sources.size() + 1, false, false));
        s.setReachable(true);
        sources.add(s);
        return s;
    }

    /**
     * One sample of {@code s} at {@code tNs}: {@code offsetUs} plus 20 us of noise, 200 us round trip, from a server at
     * {@code stratum} with that root delay and dispersion (us); then a selection run. Returns whether it was accepted.
     */
    private boolean measure(Source s, long tNs, long offsetUs, int stratum, long rootDelayUs, long rootDispersionUs) {
        long offsetNs = offsetUs * US + Math.round(20_000 * random.nextGaussian());
        boolean accepted = s.accumulate(sample.set(tNs, offsetNs, 200 * US, 1_000, rootDelayUs * US,
                rootDispersionUs * US, stratum, 0, 0, -24));
        selection.run(sources, tNs, SyncConfig.defaults(), true);
        assertEquals(SyncStatus.SYNCHRONISED, selection.status);
        return accepted;
    }

    /** {@code n} rounds from {@code t}: the server measured, then the peer 16 s later; returns the time after them. */
    private long rounds(Source server, Source peer, long t, int n) {
        for (int k = 0; k < n; k++, t += 32 * S) {
            measure(server, t, 0, 1, 0, 10);
            measure(peer, t + 16 * S, 0, 2, 300, 200);
        }
        return t;
    }

    @Test
    void shouldKeepTheStratum1ServerThroughItsSpikeAndNotHopToTheStratum2Peer() {
        Source server = server("server");
        Source peer = server("peer");
        long t = rounds(server, peer, T0, 20);
        assertSame(server, selection.systemPeer);
        // One spike of the server (50 ms, no delay to explain it): rejected, the server is suspect for a while.
        assertTrue(!measure(server, t, 50_000, 1, 0, 10), "the spike is rejected");
        assertSame(server, selection.systemPeer, "a momentary spike does not hand the role to the stratum-2 peer");
        assertEquals(SourceState.SYSTEM_PEER, server.state());
        for (int k = 0; k < 20; k++) {
            t += 32 * S;
            measure(peer, t + 16 * S, 0, 2, 300, 200);
            assertSame(server, selection.systemPeer);
            measure(server, t, 0, 1, 0, 10);
            assertSame(server, selection.systemPeer);
        }
    }

    @Test
    void shouldHandTheRoleBackToTheStratum1ServerOnceItIsBack() {
        Source server = server("server");
        Source peer = server("peer");
        long t = rounds(server, peer, T0, 20);
        // The server is gone for a while: the peer takes over, as it must.
        server.setReachable(false);
        for (int k = 0; k < 5; k++, t += 32 * S) {
            measure(peer, t + 16 * S, 0, 2, 300, 200);
        }
        assertSame(peer, selection.systemPeer);
        server.setReachable(true);
        int updates = 0;
        for (; updates < 40 && selection.systemPeer != server; updates++, t += 32 * S) {
            measure(server, t, 0, 1, 0, 10);
            measure(peer, t + 16 * S, 0, 2, 300, 200);
        }
        assertSame(server, selection.systemPeer, "the stratum-1 server is consistently closer: it is the peer again");
        assertTrue(updates <= 10, "back after " + updates + " rounds");
    }

    @Test
    void shouldNotLetAStratum2PeerWinOnItsOwnSmallerNoise() {
        // The peer is measured slightly more precisely than the server, but it is one stratum further away and its
        // root distance is larger: the server stays the system peer.
        Source server = server("server");
        Source peer = server("peer");
        long t = T0;
        for (int k = 0; k < 60; k++, t += 32 * S) {
            measure(server, t, 0, 1, 0, 10);
            measure(peer, t + 16 * S, 0, 2, 50, 30);
            if (k >= 5) {
                assertSame(server, selection.systemPeer, "round " + k);
            }
        }
    }
}
