package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.LongUnaryOperator;
import org.jntpd.clock.ReadOnlyClock;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
import org.jntpd.config.ConfigParser;
import org.jntpd.io.UdpSocket;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.Synchroniser;
import org.junit.jupiter.api.Test;

/**
 * {@link NtpSources#reconfigure} on the loop's side, without a daemon: a kept line keeps its association object and
 * source, a removed pool loses its member and its source leaves the synchroniser, a line removed before its address
 * came is never mobilised, and a line whose options changed is a new association.
 */
class NtpSourcesReloadTest {
    private static final long T0 = 1_767_225_600_000_000_000L;

    private static Config parse(String text) throws ConfigException {
        return ConfigParser.parse("t.conf", text, null);
    }

    @Test
    void shouldKeepUnchangedLinesAndDropRemovedOnesWithTheirPoolMembers() throws Exception {
        ReadOnlyClock clock = new ReadOnlyClock(T0);
        Synchroniser sync = new Synchroniser(clock, SyncConfig.defaults());
        UdpSocket.Options noStamps = UdpSocket.Options.DEFAULT.withTimestamps(UdpSocket.TimestampMode.NONE);
        try (ClientSockets sockets = new ClientSockets(clock, LongUnaryOperator.identity(), noStamps, 0,
                java.util.List.of());
                NtpSources sources = new NtpSources(parse("server 127.0.0.2 port 9\npool 127.0.0.3 port 9\n"), sync,
                        sockets, SymmetricKeys.NONE)) {
            awaitPeers(sources, 2);
            Peer kept = peerAt(sources, "127.0.0.2");
            Peer member = peerAt(sources, "127.0.0.3");
            assertTrue(sync.sources().contains(member.source));

            // The server line moved down a line; the pool is gone; a server comes.
            NtpSources.Change c = sources.reconfigure(parse("# moved\nserver 127.0.0.4 port 9\nserver 127.0.0.2 port 9\n")
                    .servers());
            assertEquals(new NtpSources.Change(List.of("server 127.0.0.4 port 9"), List.of("pool 127.0.0.3 port 9"), 1), c);
            assertEquals(List.of(kept), sources.peers(), "the pool's member left at once; the kept one is the same object");
            assertFalse(sync.sources().contains(member.source), "and its source left the selection");
            assertTrue(sync.sources().contains(kept.source));
            awaitPeers(sources, 2);
            assertSame(kept, sources.peers().getFirst());

            // A line removed before its address is handed over is never mobilised.
            sources.reconfigure(parse("server 127.0.0.2 port 9\nserver 127.0.0.4 port 9\nserver 127.0.0.5 port 9\n")
                    .servers());
            c = sources.reconfigure(parse("server 127.0.0.2 port 9\nserver 127.0.0.4 port 9\n").servers());
            assertEquals(new NtpSources.Change(List.of(), List.of("server 127.0.0.5 port 9"), 2), c);
            Thread.sleep(300); // the literal's resolution has long arrived
            sources.mobiliseResolved(T0);
            assertEquals(2, sources.peers().size(), sources.peers().toString());
            assertEquals(2, sources.configuredLines());

            // Options changed: the line is removed and added, a new association.
            c = sources.reconfigure(parse("server 127.0.0.2 port 9 minpoll 4\nserver 127.0.0.4 port 9\n").servers());
            assertEquals(new NtpSources.Change(List.of("server 127.0.0.2 port 9"), List.of("server 127.0.0.2 port 9"), 1), c);
            awaitPeers(sources, 2);
            assertFalse(sources.peers().contains(kept));
            assertEquals(4, peerAt(sources, "127.0.0.2").spec.minPollLog2());
        }
    }

    private static Peer peerAt(NtpSources sources, String address) {
        return sources.peers().stream().filter(p -> p.address.getAddress().getHostAddress().equals(address)).findFirst()
                .orElseThrow(() -> new AssertionError(address + " is no source: " + sources.peers()));
    }

    /** Hands the resolver's results over until {@code n} associations are mobilised (10 s at most). */
    private static void awaitPeers(NtpSources sources, int n) throws InterruptedException {
        long deadlineNs = System.nanoTime() + 10_000_000_000L;
        while (sources.peers().size() < n && System.nanoTime() - deadlineNs < 0) {
            sources.mobiliseResolved(T0);
            Thread.sleep(5);
        }
        assertEquals(n, sources.peers().size(), sources.peers().toString());
    }
}
