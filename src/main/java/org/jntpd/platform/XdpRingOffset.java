package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct xdp_ring_offset (linux/if_xdp.h): where, in one ring's mapping, the kernel put the producer and consumer
 * indexes, the descriptors and the flags word; 32 bytes.
 *
 * <pre>{@code
 * struct xdp_ring_offset {
 *     __u64 producer;
 *     __u64 consumer;
 *     __u64 desc;
 *     __u64 flags;
 * };
 * }</pre>
 */
public final class XdpRingOffset {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("producer"),
            JAVA_LONG.withName("consumer"),
            JAVA_LONG.withName("desc"),
            JAVA_LONG.withName("flags"))
            .withName("xdp_ring_offset");

    public static final long PRODUCER_OFFSET = offsetIn(LAYOUT, "producer");
    public static final long CONSUMER_OFFSET = offsetIn(LAYOUT, "consumer");
    public static final long DESC_OFFSET = offsetIn(LAYOUT, "desc");
    public static final long FLAGS_OFFSET = offsetIn(LAYOUT, "flags");

    private XdpRingOffset() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static long producer(MemorySegment s) {
        return s.get(JAVA_LONG, PRODUCER_OFFSET);
    }

    public static long consumer(MemorySegment s) {
        return s.get(JAVA_LONG, CONSUMER_OFFSET);
    }

    public static long desc(MemorySegment s) {
        return s.get(JAVA_LONG, DESC_OFFSET);
    }

    public static long flags(MemorySegment s) {
        return s.get(JAVA_LONG, FLAGS_OFFSET);
    }
}
