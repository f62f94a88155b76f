package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct xdp_umem_reg (linux/if_xdp.h, 6.1): the UMEM an AF_XDP socket receives into and transmits from; 32 bytes.
 * Newer kernels put tx_metadata_len in the trailing padding: left 0, no TX metadata.
 *
 * <pre>{@code
 * struct xdp_umem_reg {
 *     __u64 addr;        // Start of packet data area
 *     __u64 len;         // Length of packet data area
 *     __u32 chunk_size;
 *     __u32 headroom;
 *     __u32 flags;
 * };
 * }</pre>
 */
public final class XdpUmemReg {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("addr"),
            JAVA_LONG.withName("len"),
            JAVA_INT.withName("chunk_size"),
            JAVA_INT.withName("headroom"),
            JAVA_INT.withName("flags"),
            MemoryLayout.paddingLayout(4))
            .withName("xdp_umem_reg");

    public static final long ADDR_OFFSET = offsetIn(LAYOUT, "addr");
    public static final long LEN_OFFSET = offsetIn(LAYOUT, "len");
    public static final long CHUNK_SIZE_OFFSET = offsetIn(LAYOUT, "chunk_size");
    public static final long HEADROOM_OFFSET = offsetIn(LAYOUT, "headroom");
    public static final long FLAGS_OFFSET = offsetIn(LAYOUT, "flags");

    private XdpUmemReg() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void addr(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, ADDR_OFFSET, v);
    }

    public static void len(MemorySegment s, long v) {
        s.set(JAVA_LONG, LEN_OFFSET, v);
    }

    public static void chunk_size(MemorySegment s, int v) {
        s.set(JAVA_INT, CHUNK_SIZE_OFFSET, v);
    }

    public static void headroom(MemorySegment s, int v) {
        s.set(JAVA_INT, HEADROOM_OFFSET, v);
    }

    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, FLAGS_OFFSET, v);
    }
}
