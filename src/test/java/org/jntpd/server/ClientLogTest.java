package org.jntpd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigParser;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * {@code clientloglimit}: the tables a server allocates are the size it says, and interleaved mode works for as many
 * clients as the interleaved table holds; beyond that a client gets basic replies (chrony's fallback), never a wrong
 * interleaved one.
 */
class ClientLogTest {
    private static final long T0 = 1_795_000_000_000_000_000L; // Unix ns
    private static final long S = 1_000_000_000L;
    private static final long POLL_NS = 64 * S;

    private final MemorySegment rx = MemorySegment.ofArray(new byte[256]);
    private final MemorySegment tx = MemorySegment.ofArray(new byte[256]);
    private final NtpPacket req = new NtpPacket().wrap(rx, 0, 48);
    private final NtpPacket rep = new NtpPacket().wrap(tx, 0, 48);
    private final ServerState synced = new ServerState(0, 2, -24, NtpShort.fromNs(1_500_000), 2_000_000, 15.0,
            0xC0000263, NtpTimestamp.fromUnixNs(T0 - 10 * S), T0 - 10 * S);

    private static ServerCore core(String text, int workers) throws Exception {
        Config c = ConfigParser.parse("t.conf", text, null);
        return new ServerCore(c.serving().rateLimit(), c.restrictions(), ServerAuth.NONE, c.serving().clientLog(),
                workers);
    }

    @Test
    void shouldSizeTheInterleavedTableAndTheRateLimitersAsTheLimitSays() throws Exception {
        // chrony's default, 524288 bytes at 88 a client: 4096 clients and 4096 replies (96 KiB + 256 KiB).
        ServerCore dflt = core("ratelimit\n", 1);
        assertEquals(4096, dflt.interleaved().capacity());
        assertEquals(4096, dflt.newResponder(new ServerCounters()).limiter().capacity());
        assertEquals(96 * 1024 + 256 * 1024, ServerCore.tableBytes(Config.ClientLog.DEFAULT, true, 1));
        assertEquals(96 * 1024, ServerCore.tableBytes(Config.ClientLog.DEFAULT, false, 4));
        // 1 MiB / 88 = 11915: 8192 of each; four workers share the 8192 clients, 2048 each.
        ServerCore four = core("clientloglimit 1048576\nrestrict default limited\n", 4);
        assertEquals(8192, four.interleaved().capacity());
        for (int w = 0; w < 4; w++) {
            assertEquals(2048, four.newResponder(new ServerCounters()).limiter().capacity());
        }
        // Three workers: a power of two each, so 2048 (the total stays within the limit).
        assertEquals(2048, core("clientloglimit 1048576\nratelimit\n", 3).newResponder(new ServerCounters()).limiter()
                .capacity());
        // The smallest: 16 of each.
        ServerCore least = core("clientloglimit 1408\nratelimit\n", 2);
        assertEquals(16, least.interleaved().capacity());
        assertEquals(16, least.newResponder(new ServerCounters()).limiter().capacity());
        // ntpd's spelling: mru maxdepth 20000 holds 16384.
        assertEquals(16384, core("mru maxdepth 20000\n", 1).interleaved().capacity());
        // Nothing limited: no rate table at all, whatever the limit.
        assertNull(core("clientloglimit 1048576\n", 1).newResponder(new ServerCounters()).limiter());
    }

    @Test
    void shouldRefuseTablesThatTheHeapCannotHoldNamingTheLine() throws Exception {
        Config c = ConfigParser.parse("t.conf", "\nclientloglimit 33554432\n", null);
        Config.ClientLog most = c.serving().clientLog();
        assertEquals(18, most.entriesLog2());
        long bytes = ServerCore.tableBytes(most, true, 4);
        assertEquals((24L + 64) << 18, bytes); // 6 MiB + 16 MiB
        // The most the parser takes fits bin/jntpd's cap of 64 MiB (the JVM reports 63): what --check-config passes starts.
        ServerCore.checkFits(most, bytes, 63L << 20);
        // A cap lowered by JNTPD_JAVA_OPTS is found at start, and the line named.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerCore.checkFits(most, bytes, 32L << 20));
        assertEquals("t.conf:2: clientloglimit 33554432 needs 22 MiB of tables, more than half the heap's cap of "
                + "32 MiB: lower it, or raise the cap (JNTPD_JAVA_OPTS=-Xmx...)", e.getMessage());
    }

    @Test
    void shouldInterleaveForEveryClientWithinReachAndFallBackToBasicBeyondIt() throws Exception {
        // The default table holds 4096 replies. Interleaved clients polling every 64 s, spread evenly over it.
        // Measured: 1024 and 2048 clients all, 3072 95%, 4096 85%, 8192 none (each reply's entry is replaced before
        // its client asks again: the oldest of the window goes first).
        assertEquals(1.0, interleavedShare(1024), "a quarter of the table: every client interleaved");
        assertEquals(1.0, interleavedShare(2048), "half the table: every client interleaved");
        double full = interleavedShare(4096);
        assertTrue(full >= 0.80 && full < 1.0, "as many clients as replies: " + full);
        double beyond = interleavedShare(2 * 4096);
        assertTrue(beyond < 0.05, "twice the table: basic replies, " + beyond);
    }

    /**
     * {@code clients} interleaved clients (chrony's xleave: each request's origin is our last receive timestamp),
     * polling in turn every 64 s from addresses of their own, through one responder of a default server. Returns the
     * share of third exchanges answered in interleaved mode; each of the others must be a correct basic reply.
     */
    private double interleavedShare(int clients) throws Exception {
        ServerCounters counters = new ServerCounters();
        Responder r = core("", 1).newResponder(counters);
        long[] lastRx = new long[clients];
        long stepNs = POLL_NS / clients;
        int interleaved = 0;
        for (int round = 0; round < 3; round++) {
            for (int c = 0; c < clients; c++) {
                long nowNs = T0 + round * POLL_NS + c * stepNs;
                long clientTx = 0xC000_0000_0000_0000L + ((long) round << 32) + c;
                long clientRx = lastRx[c] == 0 ? 0 : lastRx[c] + 2; // its receive stamp of our last reply
                req.clearHeader().leapVersionMode(0, 4, NtpPacket.MODE_CLIENT).originTs(lastRx[c]).receiveTs(clientRx)
                        .transmitTs(clientTx);
                long lo = ClientAddress.mappedLo(0x0A00_0000 + c);
                assertEquals(Responder.REPLY, r.respond(rx, 0, 48, 0, lo, 40000, nowNs, nowNs, synced, tx, 0));
                lastRx[c] = rep.receiveTs();
                if (!r.needsTransmitTs) {
                    assertEquals(2, round, "interleaved only from the third exchange");
                    assertEquals(clientRx, rep.originTs());
                    interleaved++;
                } else {
                    long t3 = r.stampTransmit(tx, 0, NtpTimestamp.fromUnixNs(nowNs + 10_000), r.interleaveKey);
                    assertEquals(clientTx, rep.originTs(), "a basic reply: origin = the request's transmit");
                    assertEquals(t3, rep.transmitTs());
                    if (r.interleaveKey != 0) { // what a worker does with the kernel's TX stamp of a keyed reply
                        r.transmitted(r.interleaveKey, nowNs + 12_000);
                    }
                }
            }
        }
        assertEquals(3L * clients, counters.get(Counter.REPLIED));
        assertEquals(interleaved, counters.get(Counter.INTERLEAVED));
        return (double) interleaved / clients;
    }
}
