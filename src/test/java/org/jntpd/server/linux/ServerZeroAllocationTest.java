package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.List;
import org.jntpd.config.Config;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.JitDirectives;
import org.jntpd.platform.Net;
import org.jntpd.server.AccessControl;
import org.jntpd.server.InterleavedTable;
import org.jntpd.server.RateLimiter;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The whole serving path on real sockets: a client batch of NTP requests, the worker's duty cycle (recvmmsg, classify,
 * access control, rate limiter, reply, one T3 read, sendmmsg, TX timestamps into the interleaved table), and the client
 * reading the replies, with the bytes this thread allocated measured over 100,000 requests after warm-up: must be 0.
 * Half the requests ask for interleaved mode (origin = one of the server's receive timestamps), so that path runs too.
 */
class ServerZeroAllocationTest {
    private static final int BATCH = 32;
    private static final int WARM_UP_WINDOW = 10_000;
    private static final int MAX_WARM_UP = 1_000_000;
    private static final int MEASURED = 100_000;
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private final NtpPacket request = new NtpPacket();
    private final NtpPacket reply = new NtpPacket();
    private long sent;
    private long answered;
    private long interleavedAnswers;
    private long wrong;
    private final long[] serverRxBySlot = new long[BATCH]; // the receive timestamp of the last reply per slot

    @Test
    void shouldServeWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(JitDirectives.ensureInstalled(), JitDirectives.outcome());
        ServerState state = new ServerState(0, 2, -23, NtpShort.fromNs(1_000_000), 500_000, 15.0, 0x7F000001,
                NtpTimestamp.fromUnixNs(System.currentTimeMillis() * 1_000_000L), System.currentTimeMillis() * 1_000_000L);
        ServerStateHolder holder = new ServerStateHolder(state);
        ServerCounters counters = new ServerCounters();
        InterleavedTable table = new InterleavedTable(12);
        // Limited with a generous rate so the limiter runs on every request without refusing any.
        Responder responder = new Responder(AccessControl.compile(List.of()), new RateLimiter(12, -19, 255, 4, 1), true,
                table, counters);
        // With packet info, as on a wildcard bind: each reply carries its IP_PKTINFO control message too.
        try (UdpSocket serverSocket = UdpSocket.open(LOOPBACK, UdpSocket.Options.DEFAULT.withPacketInfo(true));
                // The client takes no TX stamps: undrained error-queue reports would fill its receive buffer.
                UdpSocket client = UdpSocket.open(LOOPBACK,
                        UdpSocket.Options.DEFAULT.withTimestamps(UdpSocket.TimestampMode.NONE));
                PacketBatch out = new PacketBatch(BATCH);
                PacketBatch in = new PacketBatch(BATCH)) {
            ServerWorker worker = new ServerWorker(-1, Config.Serving.Idle.BUSY_POLL, new UdpSocket[] {serverSocket},
                    responder, counters, holder, java.util.function.LongUnaryOperator.identity());
            InetSocketAddress to = serverSocket.localAddress();
            for (int i = 0; i < BATCH; i++) {
                out.address(i, to);
                out.length(i, NtpPacket.HEADER_LENGTH);
            }
            long window = -1;
            while (window != 0 && sent < MAX_WARM_UP) {
                long before = threads.getCurrentThreadAllocatedBytes();
                run(worker, client, out, in, WARM_UP_WINDOW);
                window = threads.getCurrentThreadAllocatedBytes() - before;
            }
            long warmUp = sent;
            long before = threads.getCurrentThreadAllocatedBytes();
            run(worker, client, out, in, MEASURED);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertEquals(0, wrong, "replies that did not match their request");
            assertEquals(sent, answered, "every request answered");
            assertTrue(interleavedAnswers > MEASURED / 4, "interleaved replies: " + interleavedAnswers);
            assertEquals(sent, counters.get(Counter.REPLIED));
            assertEquals(0, allocated, "bytes allocated serving " + MEASURED + " requests after " + warmUp + " of warm-up");
        }
    }

    private void run(ServerWorker worker, UdpSocket client, PacketBatch out, PacketBatch in, int requests) {
        long target = sent + requests;
        for (int round = 0; sent < target && round < 4 * requests / BATCH; round++) {
            roundTrip(worker, client, out, in);
        }
    }

    private void roundTrip(ServerWorker worker, UdpSocket client, PacketBatch out, PacketBatch in) {
        for (int i = 0; i < BATCH; i++) {
            long seq = sent + i;
            // Odd slots name the server's receive timestamp of their previous reply, as a chrony client in xleave mode does.
            long origin = (i & 1) == 1 ? serverRxBySlot[i] : 0;
            request.wrap(out.data(i), 0, NtpPacket.HEADER_LENGTH).clearHeader().leapVersionMode(0, 4, 3).pollLog2(6)
                    .originTs(origin).receiveTs(origin == 0 ? 0 : origin + 4).transmitTs(seq << 1);
        }
        if (client.send(out, BATCH) != BATCH) {
            wrong++;
        }
        sent += BATCH;
        int handled = 0;
        for (int spin = 0; handled < BATCH && spin < 100_000; spin++) {
            handled += worker.doWork();
        }
        int got = 0;
        for (int spin = 0; got < BATCH && spin < 100_000; spin++) {
            int n = client.receive(in, BATCH - got);
            if (n > 0) {
                for (int i = 0; i < n; i++) {
                    check(in, i, got + i);
                }
                got += n;
            }
        }
        answered += got;
    }

    private void check(PacketBatch in, int i, int slotSent) {
        reply.wrap(in.data(i), 0, in.length(i));
        if (reply.mode() != NtpPacket.MODE_SERVER || reply.stratum() != 2 || in.family(i) != Net.AF_INET) {
            wrong++;
        }
        long origin = reply.originTs();
        if ((origin & 1) == 1) {
            interleavedAnswers++; // origin = our request's receive field (a server RX value + 4): odd
        } else if ((origin >>> 1) >= sent) {
            wrong++; // a basic reply's origin is a transmit value we sent (seq << 1): even
        }
        serverRxBySlot[slotSent] = reply.receiveTs();
    }
}
