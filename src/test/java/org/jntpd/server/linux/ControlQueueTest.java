package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import org.jntpd.io.PacketBatch;
import org.jntpd.platform.Net;
import org.jntpd.server.ControlHandoff;
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

    @Test
    void shouldQueueARawPathRequestWithItsClientAndLocalAddressAndDropWhenFull() {
        try (ControlQueue q = new ControlQueue(); PacketBatch rx = new PacketBatch(1)) {
            ControlHandoff handoff = q;
            MemorySegment frame = rx.data(0);
            frame.set(ValueLayout.JAVA_BYTE, 100, (byte) 0x16); // the request sits inside a frame, at offset 100
            frame.set(ValueLayout.JAVA_BYTE, 111, (byte) 7);
            assertFalse(handoff.offer(frame, 100, 12, 0, 0xFFFF_C612_0002L, 40000, 0, 0xFFFF_C612_0001L, 5),
                    "no consumer yet");
            q.consumer(Thread.currentThread());
            // IPv4 198.18.0.2:40000 -> 198.18.0.1; IPv6 2001:2::2:40001 -> 2001:2::1 on interface 5
            assertTrue(handoff.offer(frame, 100, 12, 0, 0xFFFF_C612_0002L, 40000, 0, 0xFFFF_C612_0001L, 5));
            assertTrue(handoff.offer(frame, 100, 12, 0x2001_0002_0000_0000L, 2, 40001, 0x2001_0002_0000_0000L, 1, 5));
            PacketBatch s = q.slots();
            int slot = q.peek();
            assertEquals(12, s.length(slot));
            assertEquals((byte) 0x16, s.data(slot).get(ValueLayout.JAVA_BYTE, 0));
            assertEquals((byte) 7, s.data(slot).get(ValueLayout.JAVA_BYTE, 11));
            assertEquals(new InetSocketAddress("198.18.0.2", 40000), s.socketAddress(slot));
            assertEquals(Net.AF_INET, s.localFamily(slot));
            assertEquals(0xC612_0001, s.localIpv4(slot));
            assertEquals(ControlQueue.BY_LOCAL_ADDRESS, q.socketIndex(slot));
            q.release();
            slot = q.peek();
            assertEquals(new InetSocketAddress("2001:2::2", 40001), s.socketAddress(slot));
            assertEquals(Net.AF_INET6, s.localFamily(slot));
            assertEquals(0x2001_0002_0000_0000L, s.localIpv6High(slot));
            assertEquals(1, s.localIpv6Low(slot));
            assertEquals(5, s.localIfIndex(slot));
            q.release();
            for (int i = 0; i < ControlQueue.CAPACITY; i++) {
                assertTrue(handoff.offer(frame, 100, 12, 0, 0xFFFF_C612_0002L, 40000, 0, 0xFFFF_C612_0001L, 5));
            }
            for (int i = 0; i < 3; i++) {
                assertFalse(handoff.offer(frame, 100, 12, 0, 0xFFFF_C612_0002L, 40000, 0, 0xFFFF_C612_0001L, 5),
                        "full");
            }
            assertFalse(handoff.offer(frame, 0, PacketBatch.MIN_DATA_BYTES + 1, 0, 0xFFFF_C612_0002L, 40000, 0,
                    0xFFFF_C612_0001L, 5), "longer than a slot");
            assertEquals(1 + 3 + 1, q.dropped(), "no consumer, full three times, too long");
        }
    }

    @Test
    void shouldTakeARawPathRequestWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management
                .ManagementFactory.getThreadMXBean();
        try (ControlQueue q = new ControlQueue(); PacketBatch rx = new PacketBatch(1)) {
            q.consumer(Thread.currentThread());
            MemorySegment frame = rx.data(0);
            long allocated = -1;
            // warm-up windows until the JIT has compiled the offer (interpreted code may allocate what C2 removes)
            for (int w = 0; w < 40 && allocated != 0; w++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    boolean v6 = (i & 1) != 0;
                    q.offer(frame, 100, 48, v6 ? 0x2001_0002_0000_0000L : 0, v6 ? 2 : 0xFFFF_C612_0002L, 40000 + i,
                            v6 ? 0x2001_0002_0000_0000L : 0, v6 ? 1 : 0xFFFF_C612_0001L, 5);
                    q.release();
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(0, allocated, "bytes allocated by 10,000 raw path offers");
            assertEquals(0, q.dropped());
        }
    }
}
