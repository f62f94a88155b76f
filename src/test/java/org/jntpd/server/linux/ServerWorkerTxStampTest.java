package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.jntpd.config.Config;
import org.jntpd.io.KernelStamping;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;
import org.jntpd.server.AccessControl;
import org.jntpd.server.InterleavedTable;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The worker asks the kernel for TX timestamps of the replies whose stamp interleaved mode may need (those with an
 * interleave key) and of no others, and the stamps it gets land in the interleaved table under the right key: the
 * next interleaved reply to a client carries the kernel's TX time of the previous reply to that client, which lies
 * between the T3 that reply carried (read before the send) and the client's kernel RX stamp of it.
 */
class ServerWorkerTxStampTest {
    private static final int CLIENTS = 16; // even slots plain (origin 0), odd slots interleaved after the first round
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private final NtpPacket packet = new NtpPacket();
    private final long[] lastRx = new long[CLIENTS]; // the server's receive timestamp in the last reply to each slot
    private final long[] lastTx = new long[CLIENTS]; // ... and its transmit timestamp (T3, or an earlier kernel stamp)
    private final long[] lastClientRxNtp = new long[CLIENTS]; // the client's kernel RX stamp of that reply

    @ParameterizedTest
    @EnumSource(Config.Serving.Idle.class)
    void shouldStampOnlyRepliesWithAnInterleaveKeyAndServeTheKernelStampNext(Config.Serving.Idle idle) {
        KernelStamping.ensureEnabled();
        long nowNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        ServerStateHolder state = new ServerStateHolder(ServerState.local(1, -20, nowNs, NtpTimestamp.fromUnixNs(nowNs)));
        ServerCounters counters = new ServerCounters();
        InterleavedTable table = new InterleavedTable(10);
        Responder responder = new Responder(AccessControl.compile(List.of()), null, false, table, counters);
        try (UdpSocket server = UdpSocket.open(LOOPBACK, UdpSocket.Options.DEFAULT);
                UdpSocket client = UdpSocket.open(LOOPBACK, UdpSocket.Options.DEFAULT);
                PacketBatch out = new PacketBatch(CLIENTS); PacketBatch in = new PacketBatch(CLIENTS);
                PacketBatch probe = new PacketBatch(4, PacketBatch.MIN_DATA_BYTES)) {
            ServerWorker worker = new ServerWorker(-1, idle, new UdpSocket[] {server}, responder, counters, state,
                    LongUnaryOperator.identity());
            for (int i = 0; i < CLIENTS; i++) {
                out.address(i, server.localAddress());
                out.length(i, NtpPacket.HEADER_LENGTH);
            }
            long interleavedReplies = 0;
            for (int round = 0; round < 4; round++) {
                exchange(worker, idle, client, out, in, round);
                for (int i = 0; i < CLIENTS; i++) {
                    boolean keyed = i % 2 == 1 && round >= 1; // origin = one of our receive timestamps
                    boolean interleavedReply = keyed && round >= 2; // and the table knows its TX stamp
                    packet.wrap(in.data(i), 0, NtpPacket.HEADER_LENGTH);
                    long origin = packet.originTs();
                    if (interleavedReply) {
                        interleavedReplies++;
                        assertEquals(requestReceiveField(round, i), origin, "interleaved reply of round " + round);
                        long kernelTx = packet.transmitTs();
                        assertTrue(kernelTx != lastTx[i], "the kernel's stamp, not the T3 sent before");
                        assertBetweenNtp(lastTx[i], kernelTx, lastClientRxNtp[i], "kernel TX stamp of slot " + i);
                    } else {
                        assertEquals(requestTransmitField(round, i), origin, "basic reply, round " + round);
                    }
                    lastRx[i] = packet.receiveTs();
                    lastTx[i] = packet.transmitTs();
                    lastClientRxNtp[i] = NtpTimestamp.fromUnixNs(in.rxSoftwareNs(i));
                }
                long keyedSoFar = (long) (CLIENTS / 2) * round; // rounds 1.. each had CLIENTS / 2 keyed replies
                assertEquals(keyedSoFar, counters.get(Counter.TX_TIMESTAMPS), "TX stamps after round " + round);
                assertEquals(-Errno.EAGAIN, server.receiveTxTimestamps(probe), "nothing left on the error queue");
            }
            assertEquals(interleavedReplies, counters.get(Counter.INTERLEAVED));
            assertEquals(CLIENTS, interleavedReplies);
            assertEquals(4L * CLIENTS, counters.get(Counter.REPLIED));
        }
    }

    private static long requestTransmitField(int round, int slot) {
        return (0x1000L * (round + 1) + slot) << 1;
    }

    private static long requestReceiveField(int round, int slot) {
        return requestTransmitField(round, slot) + 2;
    }

    private void exchange(ServerWorker worker, Config.Serving.Idle idle, UdpSocket client, PacketBatch out,
            PacketBatch in, int round) {
        for (int i = 0; i < CLIENTS; i++) {
            long origin = i % 2 == 1 && round >= 1 ? lastRx[i] : 0; // xleave as chrony's client asks for it
            packet.wrap(out.data(i), 0, NtpPacket.HEADER_LENGTH).clearHeader().leapVersionMode(0, 4, 3)
                    .originTs(origin).receiveTs(origin == 0 ? 0 : requestReceiveField(round, i))
                    .transmitTs(requestTransmitField(round, i));
        }
        assertEquals(CLIENTS, client.send(out, CLIENTS));
        long before = counters(worker);
        for (int pass = 0; pass < 1000 && counters(worker) - before < CLIENTS; pass++) {
            if (idle == Config.Serving.Idle.BLOCK) {
                worker.awaitAndServe(100);
            } else {
                worker.doWork();
            }
        }
        // On loopback the replies are queued before the worker's sendmmsg returns: one receive takes them all.
        assertEquals(Net.POLLIN, client.poll(Net.POLLIN, 2_000) & Net.POLLIN);
        int got = client.receive(in, CLIENTS);
        assertEquals(CLIENTS, got, "replies in round " + round);
    }

    private static long counters(ServerWorker worker) {
        return worker.counters().get(Counter.REPLIED);
    }

    private static void assertBetweenNtp(long low, long value, long high, String what) {
        // NTP timestamps of one era compare as unsigned; the low bits carry flags (the RX marker), so allow 2 units
        assertTrue(Long.compareUnsigned(low, value + 2) <= 0 && Long.compareUnsigned(value, high + 2) <= 0,
                what + ": " + Long.toHexString(low) + " <= " + Long.toHexString(value) + " <= "
                        + Long.toHexString(high));
    }
}
