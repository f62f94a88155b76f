package org.jntpd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.jntpd.config.ConfigParser;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.Malformation;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

class ResponderTest {
    private static final long CLIENT = ClientAddress.mappedLo(0xC000_0201);
    private static final long T0 = 1_795_000_000_000_000_000L; // 2026-11-18, in Unix ns
    private static final long S = 1_000_000_000L;

    private final ServerCounters counters = new ServerCounters();
    private final InterleavedTable table = new InterleavedTable(8);
    private final MemorySegment rx = MemorySegment.ofArray(new byte[1024]);
    private final MemorySegment tx = MemorySegment.ofArray(new byte[1024]);
    private final NtpPacket req = new NtpPacket().wrap(rx, 0, 48);
    private final NtpPacket rep = new NtpPacket().wrap(tx, 0, 48);
    private final ServerState synced = new ServerState(0, 2, -24, NtpShort.fromNs(1_500_000), 2_000_000, 15.0,
            0xC0000263, NtpTimestamp.fromUnixNs(T0 - 10 * S), T0 - 10 * S);

    private Responder responder(String restrict) throws Exception {
        return responder(restrict, null, false);
    }

    private Responder responder(String restrict, RateLimiter limiter, boolean everyone) throws Exception {
        AccessControl ac = AccessControl.compile(ConfigParser.parse("t", restrict, null).restrictions());
        return new Responder(ac, limiter, everyone, table, counters);
    }

    private int request(int version, int mode, long origin, long receive, long transmit) {
        req.clearHeader().leapVersionMode(0, version, mode).pollLog2(6).precisionLog2(-20)
                .originTs(origin).receiveTs(receive).transmitTs(transmit);
        return 48;
    }

    @Test
    void shouldAnswerAClientRequestPerRfc5905() throws Exception {
        Responder r = responder("");
        int len = request(4, 3, 0, 0, 0x1122334455667788L);
        assertEquals(Responder.REPLY, r.respond(rx, 0, len, 0, CLIENT, 40000, T0, T0, synced, tx, 0));
        assertEquals(48, r.replyLength);
        assertTrue(r.needsTransmitTs);
        assertEquals(0, r.interleaveKey, "a basic client does not ask for interleaving");
        long t3 = r.stampTransmit(tx, 0, NtpTimestamp.fromUnixNs(T0 + 20_000) | 1, r.interleaveKey);
        assertEquals(0, t3 & 1, "transmit timestamps carry a clear low bit");
        assertEquals(0, rep.leap());
        assertEquals(4, rep.version());
        assertEquals(4, rep.mode());
        assertEquals(2, rep.stratum());
        assertEquals(6, rep.pollLog2());
        assertEquals(-24, rep.precisionLog2());
        assertEquals(NtpShort.fromNs(1_500_000), rep.rootDelay());
        // 2 ms at the reference time, grown by 15 ppm over the 10 s since.
        assertEquals(NtpShort.fromNs(2_000_000 + 150_000), rep.rootDispersion());
        assertEquals(0xC0000263, rep.refId());
        assertEquals(NtpTimestamp.fromUnixNs(T0 - 10 * S), rep.referenceTs());
        assertEquals(0x1122334455667788L, rep.originTs());
        assertEquals(NtpTimestamp.fromUnixNs(T0) | 1, rep.receiveTs());
        assertEquals(t3, rep.transmitTs());
        assertEquals(1, counters.get(Counter.REPLIED));
    }

    @Test
    void shouldEchoOlderVersionsAndAnswerSymmetricActiveAsPassive() throws Exception {
        Responder r = responder("");
        for (int v = 1; v <= 4; v++) {
            assertEquals(Responder.REPLY, r.respond(rx, 0, request(v, 3, 0, 0, 5), 0, CLIENT, 40000, T0, T0, synced, tx, 0));
            assertEquals(v, rep.version());
            assertEquals(4, rep.mode());
        }
        assertEquals(Responder.REPLY, r.respond(rx, 0, request(1, 0, 0, 0, 5), 0, CLIENT, 40000, T0, T0, synced, tx, 0));
        assertEquals(4, rep.mode(), "NTPv1 mode 0 from a client port is a client request");
        assertEquals(Responder.NONE, r.respond(rx, 0, request(1, 0, 0, 0, 5), 0, CLIENT, 123, T0, T0, synced, tx, 0));
        assertEquals(Responder.REPLY, r.respond(rx, 0, request(4, 1, 0, 0, 5), 0, CLIENT, 123, T0, T0, synced, tx, 0));
        assertEquals(2, rep.mode());
        assertEquals(Responder.NONE, responder("restrict default nopeer").respond(rx, 0, request(4, 1, 0, 0, 5), 0, CLIENT, 123, T0, T0, synced, tx, 0));
        for (int mode : new int[] {2, 4, 5}) {
            assertEquals(Responder.NONE, r.respond(rx, 0, request(4, mode, 0, 0, 5), 0, CLIENT, 40000, T0, T0, synced, tx, 0));
        }
        assertEquals(5, counters.get(Counter.DROPPED_MODE), "v1 from port 123, nopeer, and modes 2, 4, 5");
    }

    @Test
    void shouldServeUnsynchronisedStateAsLeap3Stratum0() throws Exception {
        Responder r = responder("");
        r.respond(rx, 0, request(4, 3, 0, 0, 5), 0, CLIENT, 40000, T0, T0, ServerState.unsynchronised(-23), tx, 0);
        assertEquals(3, rep.leap());
        assertEquals(0, rep.stratum(), "RFC 5905 7.3: 16 (unsynchronised) is sent as 0 (unspecified)");
        assertEquals(NtpPacket.REFID_INIT, rep.refId());
        // A state one stratum beyond 15 (synchronised to a stratum-15 source) is not a valid stratum either.
        r.respond(rx, 0, request(4, 3, 0, 0, 5), 0, CLIENT, 40000, T0, T0,
                new ServerState(0, 16, -23, 0, 0, 15, 0x7F000001, 0, 0), tx, 0);
        assertEquals(0, rep.stratum());
    }

    @Test
    void shouldInterleaveFromTheThirdExchangeAsChronyDoes() throws Exception {
        Responder r = responder("");
        // 1st request: a fresh client (origin 0): basic reply, nothing remembered.
        r.respond(rx, 0, request(4, 3, 0, 0, 0xAAAA_0000_0000_0000L), 0, CLIENT, 40000, T0, T0, synced, tx, 0);
        long rx1 = rep.receiveTs();
        long tx1 = r.stampTransmit(tx, 0, NtpTimestamp.fromUnixNs(T0 + 10_000), r.interleaveKey);
        assertEquals(0, r.interleaveKey);
        // 2nd request names our first receive timestamp: still basic (nothing saved), but now remembered.
        long t2 = T0 + S;
        r.respond(rx, 0, request(4, 3, rx1, NtpTimestamp.fromUnixNs(T0 + 50_000), 0xBBBB_0000_0000_0000L), 0, CLIENT, 40000, t2, t2, synced, tx, 0);
        assertTrue(r.needsTransmitTs);
        long rx2 = rep.receiveTs();
        assertEquals(rx2, r.interleaveKey);
        long t3Of2 = r.stampTransmit(tx, 0, NtpTimestamp.fromUnixNs(t2 + 10_000), r.interleaveKey);
        assertEquals(t3Of2, table.txFor(rx2), "a keyed reply's T3 is remembered until the kernel's stamp comes");
        r.transmitted(r.interleaveKey, t2 + 12_345); // what a worker does with the kernel's TX timestamp
        long kernelTx2 = NtpTimestamp.fromUnixNs(t2 + 12_345) & ~1L;
        assertEquals(kernelTx2, table.txFor(rx2), "the kernel's stamp replaces it, low bit clear");
        // 3rd request names the second receive timestamp: an interleaved reply carrying the kernel TX stamp.
        long clientRx2 = NtpTimestamp.fromUnixNs(t2 + 70_000);
        long t3 = T0 + 2 * S;
        r.respond(rx, 0, request(4, 3, rx2, clientRx2, 0xCCCC_0000_0000_0000L), 0, CLIENT, 40000, t3, t3, synced, tx, 0);
        assertFalse(r.needsTransmitTs);
        assertEquals(clientRx2, rep.originTs(), "origin = the request's receive field");
        assertEquals(NtpTimestamp.fromUnixNs(t3) | 1, rep.receiveTs(), "receive = this exchange's");
        assertEquals(kernelTx2, rep.transmitTs(), "transmit = the previous reply's kernel TX stamp");
        assertEquals(1, counters.get(Counter.INTERLEAVED));
        // A replay of the same request gets a basic answer: the entry was used up.
        r.respond(rx, 0, request(4, 3, rx2, clientRx2, 0xCCCC_0000_0000_0000L), 0, CLIENT, 40000, t3 + S, t3 + S, synced, tx, 0);
        assertTrue(r.needsTransmitTs);
        assertEquals(0xCCCC_0000_0000_0000L, rep.originTs());
        assertTrue(tx1 != 0);
    }

    @Test
    void shouldApplyRestrictFlags() throws Exception {
        Responder r = responder("restrict 192.0.2.1 ignore\nrestrict 192.0.2.2 noserve\nrestrict 192.0.2.3 noserve kod\n",
                new RateLimiter(8, 0, 4, 4, 1), false);
        assertEquals(Responder.NONE, r.respond(rx, 0, request(4, 3, 0, 0, 5), 0, CLIENT, 40000, T0, T0, synced, tx, 0));
        assertEquals(Responder.NONE, r.respond(rx, 0, request(4, 3, 0, 0, 5), 0, ClientAddress.mappedLo(0xC000_0202), 40000, T0, T0, synced, tx, 0));
        assertEquals(Responder.REPLY, r.respond(rx, 0, request(4, 3, 0, 0, 5), 0, ClientAddress.mappedLo(0xC000_0203), 40000, T0, T0, synced, tx, 0));
        assertEquals(NtpPacket.KISS_DENY, rep.refId());
        assertEquals(0, rep.stratum());
        assertEquals(3, counters.get(Counter.DENIED));
        // Mode 6 goes to the control handler only where queries are allowed (loopback by default).
        req.clearHeader().leapVersionMode(0, 2, 6);
        assertEquals(Responder.NONE, r.respond(rx, 0, 12, 0, ClientAddress.mappedLo(0xC000_0209), 40000, T0, T0, synced, tx, 0));
        assertEquals(Responder.CONTROL, r.respond(rx, 0, 12, 0, ClientAddress.mappedLo(0x7F00_0001), 40000, T0, T0, synced, tx, 0));
        req.clearHeader().leapVersionMode(0, 2, 7);
        assertEquals(Responder.NONE, r.respond(rx, 0, 48, 0, ClientAddress.mappedLo(0x7F00_0001), 40000, T0, T0, synced, tx, 0));
        assertEquals(1, counters.get(Counter.MODE7_DROPPED));
    }

    @Test
    void shouldRateLimitWithKissesOnlyWhereKodIsSet() throws Exception {
        Responder r = responder("restrict default limited kod\n", new RateLimiter(8, 4, 2, 4, 3), false);
        int replies = 0;
        int kods = 0;
        for (int i = 0; i < 10; i++) {
            if (r.respond(rx, 0, request(4, 3, 0, 0, 5 + i), 0, CLIENT, 40000, T0 + i * 1000, T0 + i * 1000, synced, tx, 0) == Responder.REPLY) {
                if (rep.refId() == NtpPacket.KISS_RATE) {
                    kods++;
                    assertEquals(5 + i, rep.transmitTs());
                } else {
                    replies++;
                }
            }
        }
        assertTrue(replies >= 2 && replies <= 4, "burst of 2 plus leaks: " + replies);
        assertEquals(1, kods);
    }

    @Test
    void shouldCountMalformedPacketsByReasonAndNeverAmplify() throws Exception {
        Responder r = responder("");
        request(4, 3, 0, 0, 5);
        assertEquals(Responder.NONE, r.respond(rx, 0, 47, 0, CLIENT, 40000, T0, T0, synced, tx, 0));
        assertEquals(1, counters.malformedCount(Malformation.TOO_SHORT));
        SplittableRandom rnd = new SplittableRandom(11);
        byte[] raw = new byte[1024];
        for (int i = 0; i < 200_000; i++) {
            int len = rnd.nextInt(0, 600);
            rnd.nextBytes(raw);
            MemorySegment.copy(MemorySegment.ofArray(raw), 0, rx, 0, raw.length);
            if (rnd.nextInt(4) == 0) { // a quarter are well-formed client requests with random fields
                len = 48;
                rx.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) (3 | rnd.nextInt(1, 5) << 3));
            }
            int verdict = r.respond(rx, 0, len, 0, CLIENT, 40000, T0, T0, synced, tx, 0);
            assertTrue(r.replyLength <= len, "reply of " + r.replyLength + " to " + len + " bytes");
            assertTrue(verdict != Responder.REPLY || len >= 48);
        }
        assertTrue(counters.get(Counter.REPLIED) > 40_000, "random v1-4 client headers were answered: " + counters.get(Counter.REPLIED));
    }

    @Test
    void shouldDropARequestFromSourcePortZeroAndCountIt() throws Exception {
        Responder r = responder("");
        assertEquals(Responder.NONE, r.respond(rx, 0, request(4, 3, 0, 0, 5), 0, CLIENT, 0, T0, T0, synced, tx, 0));
        assertEquals(0, r.replyLength);
        assertEquals(1, counters.get(Counter.DROPPED_PORT_ZERO));
        assertEquals(1, counters.get(Counter.RECEIVED));
        assertEquals(0, counters.get(Counter.REPLIED));
        assertEquals(Responder.REPLY, r.respond(rx, 0, request(4, 3, 0, 0, 6), 0, CLIENT, 1, T0, T0, synced, tx, 0));
    }

    @Test
    void shouldNotRateLimitClientsWellUnderTheLimitWhenTheServedClockStepsBack() throws Exception {
        // limit: one request per 2 s on average, bursts of 4. Eight clients each ask every 16 s (8x under the limit)
        // for 10 minutes; at minute 5 the served clock steps back 40 s while the monotonic clock runs on.
        Responder r = responder("restrict default limited kod\n", new RateLimiter(8, 1, 4, 1, 7), false);
        long mono0 = 123 * S; // any monotonic origin: it has nothing to do with the served time
        int replies = 0;
        int asked = 0;
        for (long t = 0; t < 600 * S; t += 16 * S) {
            long servedNs = T0 + t - (t >= 300 * S ? 40 * S : 0);
            for (int c = 0; c < 8; c++) {
                long client = ClientAddress.mappedLo(0xC000_0210 + c);
                int verdict = r.respond(rx, 0, request(4, 3, 0, 0, 5 + asked), 0, client, 40000, servedNs + c * 1000,
                        mono0 + t + c * 1000, synced, tx, 0);
                asked++;
                if (verdict == Responder.REPLY) {
                    assertFalse(rep.refId() == NtpPacket.KISS_RATE, "KoD RATE to client " + c + " at " + t / S + " s");
                    replies++;
                }
            }
        }
        assertEquals(0, counters.get(Counter.RATE_LIMITED));
        assertEquals(asked, replies);
    }
}
