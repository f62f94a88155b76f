package org.jntpd.server.linux;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jntpd.io.PacketBatch;
import org.jntpd.server.ClientAddress;
import org.jntpd.server.ControlHandoff;

/**
 * A bounded single-producer, single-consumer queue of mode 6 requests: one serving worker copies a request in
 * ({@link #offer}: no allocation, no lock, a full queue drops it), the {@link ControlWorker} takes it out, answers it
 * and sends the reply through the worker's socket. The producer may also be a raw path worker (its
 * {@link ControlHandoff}), whose requests are answered through the socket serving the address they were sent to.
 * The slots are one {@link PacketBatch} allocated at start, so a request keeps its peer and local address for the
 * reply.
 */
public final class ControlQueue implements ControlHandoff, AutoCloseable {
    /** Requests waiting at most per worker (a power of two). */
    public static final int CAPACITY = 16;
    /** {@link #socketIndex} of a request from the raw path: the socket serving its local address answers it. */
    static final int BY_LOCAL_ADDRESS = -1;
    private static final int SLOT_BYTES = PacketBatch.MIN_DATA_BYTES; // a mode 6 request is at most ~520 bytes

    private final PacketBatch slots = new PacketBatch(CAPACITY, SLOT_BYTES);
    private final int[] socketIndex = new int[CAPACITY];
    private final AtomicLong head = new AtomicLong(); // next slot the consumer takes
    private final AtomicLong tail = new AtomicLong(); // next slot the producer fills
    private final AtomicLong dropped = new AtomicLong();
    private volatile Thread consumer;

    /** The thread that drains the queue; until one is set, {@link #offer} drops every request. */
    void consumer(Thread thread) {
        consumer = thread;
    }

    /**
     * Worker thread: queues request {@code i} of {@code rx}, which came in on the worker's socket {@code socket};
     * false (and counted) when nobody answers mode 6, the queue is full or the request is too long.
     */
    public boolean offer(PacketBatch rx, int i, int socket) {
        Thread c = consumer;
        int s = claim(c, rx.length(i));
        if (s < 0) {
            return false;
        }
        MemorySegment.copy(rx.data(i), 0, slots.data(s), 0, rx.length(i));
        slots.length(s, rx.length(i));
        slots.copyAddress(rx, i, s);
        socketIndex[s] = socket;
        publish(c);
        return true;
    }

    /**
     * Raw path worker thread: queues a request that came in past the sockets; the reply leaves through the socket
     * that serves (localHi, localLo) ({@link #BY_LOCAL_ADDRESS}), from that address.
     */
    @Override
    public boolean offer(MemorySegment from, long offset, int length, long clientHi, long clientLo, int clientPort,
            long localHi, long localLo, int ifIndex) {
        Thread c = consumer;
        int s = claim(c, length);
        if (s < 0) {
            return false;
        }
        MemorySegment.copy(from, offset, slots.data(s), 0, length);
        slots.length(s, length);
        if (ClientAddress.isMappedIpv4(clientHi, clientLo)) {
            slots.ipv4Address(s, (int) clientLo, clientPort);
            slots.localIpv4(s, (int) localLo);
        } else {
            slots.ipv6Address(s, clientHi, clientLo, clientPort);
            slots.localIpv6(s, localHi, localLo, ifIndex);
        }
        socketIndex[s] = BY_LOCAL_ADDRESS;
        publish(c);
        return true;
    }

    /** The free slot for a request of {@code length} bytes, or -1 (counted) when it must be dropped. */
    private int claim(Thread c, int length) {
        long t = tail.get();
        if (c == null || t - head.get() >= CAPACITY || length > SLOT_BYTES) {
            dropped.incrementAndGet();
            return -1;
        }
        return (int) (t & (CAPACITY - 1));
    }

    private void publish(Thread c) {
        tail.lazySet(tail.get() + 1); // publishes the slot's contents to the consumer
        LockSupport.unpark(c);
    }

    /** Consumer: the slot of the oldest request, or -1 when none waits. */
    int peek() {
        long h = head.get();
        return h == tail.get() ? -1 : (int) (h & (CAPACITY - 1));
    }

    /** Consumer: the slot {@link #peek} gave is done with. */
    void release() {
        head.lazySet(head.get() + 1);
    }

    PacketBatch slots() {
        return slots;
    }

    int socketIndex(int slot) {
        return socketIndex[slot];
    }

    /** Requests dropped: nobody answering, queue full or too long. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        slots.close();
    }
}
