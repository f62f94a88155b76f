package org.jntpd.xdp;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import org.jntpd.platform.Xdp;
import org.jntpd.platform.XdpDesc;
import org.jntpd.platform.XdpRingOffset;

/**
 * One of an AF_XDP socket's four single-producer single-consumer rings, mapped from the kernel: a u32 producer and a
 * u32 consumer index (free-running, wrapping), a flags word and a power-of-two array of entries (struct xdp_desc for
 * RX and TX, a bare u64 UMEM address for fill and completion). The index the other side writes is read with acquire
 * semantics, ours is published with release semantics after the entries, as the kernel's side (and libxdp) does.
 * Both indexes are cached so that the shared cache lines are touched once per batch, not per entry.
 */
public final class XskRing {
    private static final VarHandle U32 = JAVA_INT.varHandle();

    private final MemorySegment map;
    private final long producerOffset;
    private final long consumerOffset;
    private final long flagsOffset;
    private final long descOffset;
    private final int mask;
    private final int size;
    private final int entryBytes;
    private int cachedProducer;
    private int cachedConsumer;

    XskRing(MemorySegment map, MemorySegment ringOffsets, int size, int entryBytes) {
        this.map = map;
        this.producerOffset = XdpRingOffset.producer(ringOffsets);
        this.consumerOffset = XdpRingOffset.consumer(ringOffsets);
        this.flagsOffset = XdpRingOffset.flags(ringOffsets);
        this.descOffset = XdpRingOffset.desc(ringOffsets);
        this.size = size;
        this.mask = size - 1;
        this.entryBytes = entryBytes;
        this.cachedProducer = (int) U32.getAcquire(map, producerOffset);
        this.cachedConsumer = (int) U32.getAcquire(map, consumerOffset);
    }

    /** Bytes to map for a ring of {@code size} entries of {@code entryBytes}. */
    static long mapLength(MemorySegment ringOffsets, int size, int entryBytes) {
        return XdpRingOffset.desc(ringOffsets) + (long) size * entryBytes;
    }

    MemorySegment mapping() {
        return map;
    }

    public int size() {
        return size;
    }

    // ------------------------------------------------------------------------------ consumer side (RX, completion)

    /** Entries the kernel has produced and we have not released; refreshes the producer index. */
    public int available() {
        cachedProducer = (int) U32.getAcquire(map, producerOffset);
        return cachedProducer - cachedConsumer;
    }

    /** The UMEM address of fill/completion entry {@code i} past the consumer index. */
    public long addressAt(int i) {
        return map.get(JAVA_LONG, descOffset + (long) ((cachedConsumer + i) & mask) * entryBytes);
    }

    /** The address of RX/TX descriptor {@code i} past the consumer index. */
    public long descAddrAt(int i) {
        return map.get(JAVA_LONG, descOffset + (long) ((cachedConsumer + i) & mask) * entryBytes + XdpDesc.ADDR_OFFSET);
    }

    /** The length of RX/TX descriptor {@code i} past the consumer index. */
    public int descLenAt(int i) {
        return map.get(JAVA_INT, descOffset + (long) ((cachedConsumer + i) & mask) * entryBytes + XdpDesc.LEN_OFFSET);
    }

    /** Gives {@code n} consumed entries back to the kernel. */
    public void release(int n) {
        cachedConsumer += n;
        U32.setRelease(map, consumerOffset, cachedConsumer);
    }

    // ------------------------------------------------------------------------------ producer side (fill, TX)

    /** Free entries we may produce; refreshes the consumer index. */
    public int free() {
        cachedConsumer = (int) U32.getAcquire(map, consumerOffset);
        return size - (cachedProducer - cachedConsumer);
    }

    /** Writes fill entry {@code i} past the producer index (not visible before {@link #submit}). */
    public void putAddress(int i, long addr) {
        map.set(JAVA_LONG, descOffset + (long) ((cachedProducer + i) & mask) * entryBytes, addr);
    }

    /** Writes TX descriptor {@code i} past the producer index. */
    public void putDesc(int i, long addr, int len) {
        long at = descOffset + (long) ((cachedProducer + i) & mask) * entryBytes;
        map.set(JAVA_LONG, at + XdpDesc.ADDR_OFFSET, addr);
        map.set(JAVA_INT, at + XdpDesc.LEN_OFFSET, len);
        map.set(JAVA_INT, at + XdpDesc.OPTIONS_OFFSET, 0);
    }

    /** Publishes {@code n} written entries to the kernel. */
    public void submit(int n) {
        cachedProducer += n;
        U32.setRelease(map, producerOffset, cachedProducer);
    }

    /** Entries submitted and not yet consumed by the kernel. */
    public int outstanding() {
        return cachedProducer - (int) U32.getAcquire(map, consumerOffset);
    }

    /** The kernel asks for a syscall to process this ring (XDP_USE_NEED_WAKEUP). */
    public boolean needsWakeup() {
        return ((int) U32.getAcquire(map, flagsOffset) & Xdp.XDP_RING_NEED_WAKEUP) != 0;
    }
}
