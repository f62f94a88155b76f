package org.jntpd.server;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigParser;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The serving logic as a second transport (a raw ring) uses it, without the socket worker: requests and replies in
 * frames the caller owns, at the offset a raw Ethernet/IPv4/UDP frame puts the NTP header, the client as two longs.
 */
class ServerCoreTest {
    private static final long T0 = 1_795_000_000_000_000_000L; // Unix ns
    private static final long S = 1_000_000_000L;
    private static final int FRAME_HEADERS = 14 + 20 + 8; // Ethernet, IPv4, UDP
    private static final long CLIENT = ClientAddress.mappedLo(0xC000_0201);
    private static final long IGNORED = ClientAddress.mappedLo(0xC000_0242);

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment rxFrame = arena.allocate(2048);
    private final MemorySegment txFrame = arena.allocate(2048);
    private final NtpPacket request = new NtpPacket().wrap(rxFrame, FRAME_HEADERS, NtpPacket.HEADER_LENGTH);
    private final NtpPacket reply = new NtpPacket().wrap(txFrame, FRAME_HEADERS, NtpPacket.HEADER_LENGTH);
    private final ServerState state = ServerState.local(1, -20, T0 - S, NtpTimestamp.fromUnixNs(T0 - S));

    private int respond(Responder r, long origin, long receive, long transmit, long client, long rxNs) {
        request.clearHeader().leapVersionMode(0, 4, NtpPacket.MODE_CLIENT).originTs(origin).receiveTs(receive)
                .transmitTs(transmit);
        return r.respond(rxFrame, FRAME_HEADERS, NtpPacket.HEADER_LENGTH, 0, client, 40000, rxNs, state, txFrame,
                FRAME_HEADERS);
    }

    private static ServerCore core(String configText) throws Exception {
        Config config = ConfigParser.parse("t.conf", configText, null);
        return new ServerCore(config.serving().rateLimit(), config.restrictions());
    }

    @Test
    void shouldAnswerFromFramesTheCallerOwnsWithRespondersThatShareOneAccessListAndInterleavedTable() throws Exception {
        ServerCore core = core("restrict 192.0.2.66 ignore\n");
        ServerCounters socketCounters = new ServerCounters();
        ServerCounters ringCounters = new ServerCounters();
        Responder socketSide = core.newResponder(socketCounters);
        Responder ringSide = core.newResponder(ringCounters);

        // A basic exchange: the reply is built in the caller's frame, T3 written just before the send.
        assertEquals(Responder.REPLY, respond(ringSide, 0, 0, 0xAAAA_0000_0000_0000L, CLIENT, T0));
        assertEquals(NtpPacket.HEADER_LENGTH, ringSide.replyLength);
        assertTrue(ringSide.needsTransmitTs);
        long t3 = ringSide.stampTransmit(txFrame, FRAME_HEADERS, NtpTimestamp.fromUnixNs(T0 + 20_000),
                ringSide.interleaveKey);
        assertEquals(NtpPacket.MODE_SERVER, reply.mode());
        assertEquals(1, reply.stratum());
        assertEquals(0xAAAA_0000_0000_0000L, reply.originTs());
        long rx1 = reply.receiveTs();
        assertEquals(NtpTimestamp.fromUnixNs(T0) | 1, rx1);
        assertEquals(t3, reply.transmitTs());
        assertEquals(0, txFrame.get(JAVA_BYTE, 0), "nothing written before the offset");

        // The client names our receive timestamp: keyed; the kernel's TX stamp is reported after the send.
        long t2 = T0 + S;
        respond(ringSide, rx1, NtpTimestamp.fromUnixNs(T0 + 50_000), 0xBBBB_0000_0000_0000L, CLIENT, t2);
        long rx2 = reply.receiveTs();
        assertEquals(rx2, ringSide.interleaveKey);
        ringSide.stampTransmit(txFrame, FRAME_HEADERS, NtpTimestamp.fromUnixNs(t2 + 10_000), ringSide.interleaveKey);
        ringSide.transmitted(ringSide.interleaveKey, t2 + 12_345);

        // The next request reaches the other transport's responder: the shared table gives the interleaved reply.
        long clientRx2 = NtpTimestamp.fromUnixNs(t2 + 70_000);
        assertEquals(Responder.REPLY, respond(socketSide, rx2, clientRx2, 0xCCCC_0000_0000_0000L, CLIENT, T0 + 2 * S));
        assertFalse(socketSide.needsTransmitTs);
        assertEquals(clientRx2, reply.originTs());
        assertEquals(NtpTimestamp.fromUnixNs(t2 + 12_345) & ~1L, reply.transmitTs());
        assertEquals(1, socketCounters.get(Counter.INTERLEAVED));

        // The access list is the configuration's, for every responder.
        assertEquals(Responder.NONE, respond(socketSide, 0, 0, 5, IGNORED, T0));
        assertEquals(Responder.NONE, respond(ringSide, 0, 0, 5, IGNORED, T0));
        assertEquals(1, socketCounters.get(Counter.DENIED));
        assertEquals(1, ringCounters.get(Counter.DENIED));
        assertEquals(3, ringCounters.get(Counter.RECEIVED), "each responder counts into its own worker's counters");
    }

    @Test
    void shouldGiveEveryResponderItsOwnRateLimiterWhenTheConfigurationLimits() throws Exception {
        ServerCore core = core("ratelimit interval 4 burst 2 leak 4\n");
        ServerCounters a = new ServerCounters();
        ServerCounters b = new ServerCounters();
        Responder first = core.newResponder(a);
        Responder second = core.newResponder(b);
        int answered = 0;
        for (int i = 0; i < 10; i++) {
            answered += respond(first, 0, 0, 5 + i, CLIENT, T0 + i) == Responder.REPLY ? 1 : 0;
        }
        assertTrue(answered < 10 && a.get(Counter.RATE_LIMITED) > 0, "a burst of 2 per 16 s: " + answered + " of 10");
        assertEquals(Responder.REPLY, respond(second, 0, 0, 99, CLIENT, T0 + 11), "another worker's limiter");
        assertNotEquals(0, reply.receiveTs());
        assertEquals(0, b.get(Counter.RATE_LIMITED));
    }
}
