package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct xdp_statistics (linux/if_xdp.h): getsockopt(XDP_STATISTICS), the kernel's drop counters of one XSK; 48 bytes.
 *
 * <pre>{@code
 * struct xdp_statistics {
 *     __u64 rx_dropped;               // Dropped for other reasons
 *     __u64 rx_invalid_descs;         // Dropped due to invalid descriptor
 *     __u64 tx_invalid_descs;         // Dropped due to invalid descriptor
 *     __u64 rx_ring_full;             // Dropped due to rx ring being full
 *     __u64 rx_fill_ring_empty_descs; // Failed to retrieve item from fill ring
 *     __u64 tx_ring_empty_descs;      // Failed to retrieve item from tx ring
 * };
 * }</pre>
 */
public final class XdpStatistics {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rx_dropped"),
            JAVA_LONG.withName("rx_invalid_descs"),
            JAVA_LONG.withName("tx_invalid_descs"),
            JAVA_LONG.withName("rx_ring_full"),
            JAVA_LONG.withName("rx_fill_ring_empty_descs"),
            JAVA_LONG.withName("tx_ring_empty_descs"))
            .withName("xdp_statistics");

    public static final long RX_DROPPED_OFFSET = offsetIn(LAYOUT, "rx_dropped");
    public static final long RX_INVALID_DESCS_OFFSET = offsetIn(LAYOUT, "rx_invalid_descs");
    public static final long TX_INVALID_DESCS_OFFSET = offsetIn(LAYOUT, "tx_invalid_descs");
    public static final long RX_RING_FULL_OFFSET = offsetIn(LAYOUT, "rx_ring_full");
    public static final long RX_FILL_RING_EMPTY_DESCS_OFFSET = offsetIn(LAYOUT, "rx_fill_ring_empty_descs");
    public static final long TX_RING_EMPTY_DESCS_OFFSET = offsetIn(LAYOUT, "tx_ring_empty_descs");

    private XdpStatistics() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static long rx_dropped(MemorySegment s) {
        return s.get(JAVA_LONG, RX_DROPPED_OFFSET);
    }

    public static long rx_invalid_descs(MemorySegment s) {
        return s.get(JAVA_LONG, RX_INVALID_DESCS_OFFSET);
    }

    public static long tx_invalid_descs(MemorySegment s) {
        return s.get(JAVA_LONG, TX_INVALID_DESCS_OFFSET);
    }

    public static long rx_ring_full(MemorySegment s) {
        return s.get(JAVA_LONG, RX_RING_FULL_OFFSET);
    }

    public static long rx_fill_ring_empty_descs(MemorySegment s) {
        return s.get(JAVA_LONG, RX_FILL_RING_EMPTY_DESCS_OFFSET);
    }
}
