package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct sockaddr_nl (linux/netlink.h): a netlink peer (pid 0 = the kernel); 12 bytes.
 *
 * <pre>{@code
 * struct sockaddr_nl {
 *     __kernel_sa_family_t nl_family;  // AF_NETLINK
 *     unsigned short       nl_pad;     // zero
 *     __u32                nl_pid;     // port ID
 *     __u32                nl_groups;  // multicast groups mask
 * };
 * }</pre>
 */
public final class SockaddrNl {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("nl_family"),
            JAVA_SHORT.withName("nl_pad"),
            JAVA_INT.withName("nl_pid"),
            JAVA_INT.withName("nl_groups"))
            .withName("sockaddr_nl");

    public static final long NL_FAMILY_OFFSET = offsetIn(LAYOUT, "nl_family");
    public static final long NL_PID_OFFSET = offsetIn(LAYOUT, "nl_pid");

    private SockaddrNl() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void nl_family(MemorySegment s, int v) {
        s.set(JAVA_SHORT, NL_FAMILY_OFFSET, (short) v);
    }
}
