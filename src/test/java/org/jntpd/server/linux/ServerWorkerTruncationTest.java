package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import org.jntpd.config.Config;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.server.AccessControl;
import org.jntpd.server.InterleavedTable;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.time.NtpTimestamp;
import org.junit.jupiter.api.Test;

/**
 * A datagram longer than the worker's receive buffer arrives cut (MSG_TRUNC). The prefix can look like a whole,
 * unauthenticated request (a MAC or an NTS field past the cut is simply gone), so the worker must drop it, as
 * chrony does, instead of answering it as plain time.
 */
class ServerWorkerTruncationTest {
    @Test
    void shouldDropADatagramLongerThanTheReceiveBufferAndAnswerTheNextRequest() throws Exception {
        long nowNs = System.currentTimeMillis() * 1_000_000L;
        ServerStateHolder state = new ServerStateHolder(ServerState.local(3, -20, nowNs, NtpTimestamp.fromUnixNs(nowNs)));
        ServerCounters counters = new ServerCounters();
        InterleavedTable table = new InterleavedTable(8);
        Responder responder = new Responder(AccessControl.compile(List.of()), null, false, table, counters);
        try (UdpSocket server = UdpSocket.open(new InetSocketAddress("127.0.0.1", 0), UdpSocket.Options.DEFAULT);
                DatagramChannel client = DatagramChannel.open()) {
            client.bind(new InetSocketAddress("127.0.0.1", 0));
            ServerWorker worker = new ServerWorker(-1, Config.Serving.Idle.BUSY_POLL, new UdpSocket[] {server},
                    responder, counters, state, java.util.function.LongUnaryOperator.identity());
            // v4 client request, one 2000-byte unknown extension field, a 24-byte MAC of key 1: 2072 bytes, of
            // which the first 2048 (the buffer) are a well-formed request without a MAC.
            int overLength = PacketBatch.DEFAULT_DATA_BYTES + 24;
            ByteBuffer keyed = ByteBuffer.allocate(overLength);
            keyed.put(0, (byte) 0x23).putLong(40, 0x1111_0000_0000_0000L);
            keyed.putShort(48, (short) 0x2005).putShort(50, (short) (PacketBatch.DEFAULT_DATA_BYTES - 48));
            keyed.putInt(PacketBatch.DEFAULT_DATA_BYTES, 1);
            ByteBuffer plain = ByteBuffer.allocate(48);
            plain.put(0, (byte) 0x23).putLong(40, 0x2222_0000_0000_0000L);
            client.send(keyed, server.localAddress());
            client.send(plain, server.localAddress());

            for (int spin = 0; spin < 1_000_000 && counters.get(Counter.RECEIVED) < 2; spin++) {
                worker.doWork();
            }
            assertEquals(2, counters.get(Counter.RECEIVED));
            assertEquals(1, counters.get(Counter.DROPPED_TRUNCATED));
            assertEquals(1, counters.get(Counter.REPLIED));

            client.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(4096);
            long deadlineNs = System.nanoTime() + 2_000_000_000L;
            while (client.receive(in) == null && System.nanoTime() - deadlineNs < 0) {
                Thread.sleep(1);
            }
            assertTrue(in.position() > 0, "the plain request is answered");
            assertEquals(48, in.position());
            assertEquals(0x2222_0000_0000_0000L, in.getLong(24), "the reply is to the plain request");
            in.clear();
            Thread.sleep(50);
            assertNull(client.receive(in), "nothing for the truncated one");
        }
    }
}
