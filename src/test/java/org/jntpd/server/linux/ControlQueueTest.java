package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import org.jntpd.io.PacketBatch;
import org.junit.jupiter.api.Test;

class ControlQueueTest {
    @Test
    void shouldDropWhileNobodyAnswersWhenFullAndWhenTooLong() {
        try (ControlQueue q = new ControlQueue(); PacketBatch rx = new PacketBatch(1)) {
            rx.address(0, new InetSocketAddress("127.0.0.1", 40000));
            rx.length(0, 12);
            assertFalse(q.offer(rx, 0, 0), "no consumer yet");
            q.consumer(Thread.currentThread());
            for (int i = 0; i < ControlQueue.CAPACITY; i++) {
                assertTrue(q.offer(rx, 0, 0));
            }
            assertFalse(q.offer(rx, 0, 0), "full");
            q.release();
            assertTrue(q.offer(rx, 0, 0), "room again after one is taken");
            rx.length(0, PacketBatch.MIN_DATA_BYTES + 4);
            assertFalse(q.offer(rx, 0, 0), "longer than a slot");
            assertEquals(3, q.dropped());
        }
    }

    @Test
    void shouldHandOverRequestsInOrderWithTheirBytesAddressAndSocket() {
        try (ControlQueue q = new ControlQueue(); PacketBatch rx = new PacketBatch(1)) {
            q.consumer(Thread.currentThread());
            assertEquals(-1, q.peek());
            for (int i = 0; i < 3 * ControlQueue.CAPACITY; i++) { // wraps around the ring
                rx.address(0, new InetSocketAddress("127.0.0.1", 40000 + i));
                rx.data(0).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x16);
                rx.data(0).set(ValueLayout.JAVA_BYTE, 13, (byte) i);
                rx.length(0, 16);
                assertTrue(q.offer(rx, 0, i % 3));
                int slot = q.peek();
                PacketBatch s = q.slots();
                assertEquals(16, s.length(slot));
                assertEquals((byte) 0x16, s.data(slot).get(ValueLayout.JAVA_BYTE, 0));
                assertEquals((byte) i, s.data(slot).get(ValueLayout.JAVA_BYTE, 13));
                assertEquals(40000 + i, s.port(slot));
                assertEquals(i % 3, q.socketIndex(slot));
                q.release();
                assertEquals(-1, q.peek());
            }
            assertEquals(0, q.dropped());
        }
    }
}
