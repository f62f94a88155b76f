package org.jntpd.platform;

import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct xdp_mmap_offsets (linux/if_xdp.h): getsockopt(XDP_MMAP_OFFSETS) fills one ring offset set per ring; 128 bytes.
 *
 * <pre>{@code
 * struct xdp_mmap_offsets {
 *     struct xdp_ring_offset rx;
 *     struct xdp_ring_offset tx;
 *     struct xdp_ring_offset fr;   // Fill
 *     struct xdp_ring_offset cr;   // Completion
 * };
 * }</pre>
 */
public final class XdpMmapOffsets {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            XdpRingOffset.LAYOUT.withName("rx"),
            XdpRingOffset.LAYOUT.withName("tx"),
            XdpRingOffset.LAYOUT.withName("fr"),
            XdpRingOffset.LAYOUT.withName("cr"))
            .withName("xdp_mmap_offsets");

    public static final long RX_OFFSET = offsetIn(LAYOUT, "rx");
    public static final long TX_OFFSET = offsetIn(LAYOUT, "tx");
    public static final long FR_OFFSET = offsetIn(LAYOUT, "fr");
    public static final long CR_OFFSET = offsetIn(LAYOUT, "cr");

    private XdpMmapOffsets() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** One ring's offsets (a slice: allocates, setup paths only). */
    public static MemorySegment ring(MemorySegment s, long ringOffset) {
        return s.asSlice(ringOffset, XdpRingOffset.sizeof());
    }
}
