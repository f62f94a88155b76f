package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct sockaddr_xdp (linux/if_xdp.h): where an AF_XDP socket binds (interface and queue); 16 bytes.
 *
 * <pre>{@code
 * struct sockaddr_xdp {
 *     __u16 sxdp_family;          // AF_XDP
 *     __u16 sxdp_flags;           // XDP_COPY, XDP_ZEROCOPY, XDP_USE_NEED_WAKEUP, XDP_SHARED_UMEM
 *     __u32 sxdp_ifindex;
 *     __u32 sxdp_queue_id;
 *     __u32 sxdp_shared_umem_fd;
 * };
 * }</pre>
 */
public final class SockaddrXdp {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sxdp_family"),
            JAVA_SHORT.withName("sxdp_flags"),
            JAVA_INT.withName("sxdp_ifindex"),
            JAVA_INT.withName("sxdp_queue_id"),
            JAVA_INT.withName("sxdp_shared_umem_fd"))
            .withName("sockaddr_xdp");

    public static final long SXDP_FAMILY_OFFSET = offsetIn(LAYOUT, "sxdp_family");
    public static final long SXDP_FLAGS_OFFSET = offsetIn(LAYOUT, "sxdp_flags");
    public static final long SXDP_IFINDEX_OFFSET = offsetIn(LAYOUT, "sxdp_ifindex");
    public static final long SXDP_QUEUE_ID_OFFSET = offsetIn(LAYOUT, "sxdp_queue_id");
    public static final long SXDP_SHARED_UMEM_FD_OFFSET = offsetIn(LAYOUT, "sxdp_shared_umem_fd");

    private SockaddrXdp() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void sxdp_family(MemorySegment s, int v) {
        s.set(JAVA_SHORT, SXDP_FAMILY_OFFSET, (short) v);
    }

    public static void sxdp_flags(MemorySegment s, int v) {
        s.set(JAVA_SHORT, SXDP_FLAGS_OFFSET, (short) v);
    }

    public static void sxdp_ifindex(MemorySegment s, int v) {
        s.set(JAVA_INT, SXDP_IFINDEX_OFFSET, v);
    }

    public static void sxdp_queue_id(MemorySegment s, int v) {
        s.set(JAVA_INT, SXDP_QUEUE_ID_OFFSET, v);
    }
}
