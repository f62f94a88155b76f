package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * struct xdp_desc (linux/if_xdp.h): one RX or TX ring entry, a frame in the UMEM; 16 bytes. The fill and completion
 * rings carry bare __u64 addresses instead.
 *
 * <pre>{@code
 * struct xdp_desc {
 *     __u64 addr;
 *     __u32 len;
 *     __u32 options;
 * };
 * }</pre>
 */
public final class XdpDesc {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_INT.withName("options"))
            .withName("xdp_desc");

    public static final long ADDR_OFFSET = offsetIn(LAYOUT, "addr");
    public static final long LEN_OFFSET = offsetIn(LAYOUT, "len");
    public static final long OPTIONS_OFFSET = offsetIn(LAYOUT, "options");

    private XdpDesc() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }
}
