package org.jntpd.server.linux;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jntpd.io.PacketBatch;

/**
 * A bounded single-producer, single-consumer queue of mode 6 requests: one serving worker copies a request in
 * ({@link #offer}: no allocation, no lock, a full queue drops it), the {@link ControlWorker} takes it out, answers it
 * and sends the reply through the worker's socket. The slots are one {@link PacketBatch} allocated at start, so a
 * request keeps its peer and local address for the reply.
 */
public final class ControlQueue implements AutoCloseable {
    /** Requests waiting at most per worker (a power of two). */
    public static final int CAPACITY = 16;
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
        int length = rx.length(i);
        long t = tail.get();
        if (c == null || t - head.get() >= CAPACITY || length > SLOT_BYTES) {
            dropped.incrementAndGet();
            return false;
        }
        int s = (int) (t & (CAPACITY - 1));
        MemorySegment.copy(rx.data(i), 0, slots.data(s), 0, length);
        slots.length(s, length);
        slots.copyAddress(rx, i, s);
        socketIndex[s] = socket;
        tail.lazySet(t + 1); // publishes the slot's contents to the consumer
        LockSupport.unpark(c);
        return true;
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
