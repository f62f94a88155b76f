package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * struct xdp_md (linux/bpf.h): the context an XDP program reads (never allocated by user space: the offsets are what
 * the program's loads use); 24 bytes. data, data_end and data_meta are 32-bit fields the verifier rewrites into
 * packet pointers.
 *
 * <pre>{@code
 * struct xdp_md {
 *     __u32 data;
 *     __u32 data_end;
 *     __u32 data_meta;
 *     __u32 ingress_ifindex;   // rxq->dev->ifindex
 *     __u32 rx_queue_index;    // rxq->queue_index
 *     __u32 egress_ifindex;    // txq->dev->ifindex
 * };
 * }</pre>
 */
public final class XdpMd {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("data"),
            JAVA_INT.withName("data_end"),
            JAVA_INT.withName("data_meta"),
            JAVA_INT.withName("ingress_ifindex"),
            JAVA_INT.withName("rx_queue_index"),
            JAVA_INT.withName("egress_ifindex"))
            .withName("xdp_md");

    public static final long DATA_OFFSET = offsetIn(LAYOUT, "data");
    public static final long DATA_END_OFFSET = offsetIn(LAYOUT, "data_end");
    public static final long DATA_META_OFFSET = offsetIn(LAYOUT, "data_meta");
    public static final long INGRESS_IFINDEX_OFFSET = offsetIn(LAYOUT, "ingress_ifindex");
    public static final long RX_QUEUE_INDEX_OFFSET = offsetIn(LAYOUT, "rx_queue_index");

    private XdpMd() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }
}
