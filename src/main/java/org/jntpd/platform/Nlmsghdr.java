package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct nlmsghdr (linux/netlink.h): the header of every netlink message; 16 bytes.
 *
 * <pre>{@code
 * struct nlmsghdr {
 *     __u32 nlmsg_len;    // Length of message including header
 *     __u16 nlmsg_type;   // Message content
 *     __u16 nlmsg_flags;  // Additional flags
 *     __u32 nlmsg_seq;    // Sequence number
 *     __u32 nlmsg_pid;    // Sending process port ID
 * };
 * }</pre>
 */
public final class Nlmsghdr {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nlmsg_len"),
            JAVA_SHORT.withName("nlmsg_type"),
            JAVA_SHORT.withName("nlmsg_flags"),
            JAVA_INT.withName("nlmsg_seq"),
            JAVA_INT.withName("nlmsg_pid"))
            .withName("nlmsghdr");

    public static final long NLMSG_LEN_OFFSET = offsetIn(LAYOUT, "nlmsg_len");
    public static final long NLMSG_TYPE_OFFSET = offsetIn(LAYOUT, "nlmsg_type");
    public static final long NLMSG_FLAGS_OFFSET = offsetIn(LAYOUT, "nlmsg_flags");
    public static final long NLMSG_SEQ_OFFSET = offsetIn(LAYOUT, "nlmsg_seq");

    private Nlmsghdr() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int nlmsg_len(MemorySegment s, long at) {
        return s.get(JAVA_INT, at + NLMSG_LEN_OFFSET);
    }

    public static void nlmsg_len(MemorySegment s, long at, int v) {
        s.set(JAVA_INT, at + NLMSG_LEN_OFFSET, v);
    }

    public static int nlmsg_type(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(JAVA_SHORT, at + NLMSG_TYPE_OFFSET));
    }

    public static void nlmsg_type(MemorySegment s, long at, int v) {
        s.set(JAVA_SHORT, at + NLMSG_TYPE_OFFSET, (short) v);
    }

    public static void nlmsg_flags(MemorySegment s, long at, int v) {
        s.set(JAVA_SHORT, at + NLMSG_FLAGS_OFFSET, (short) v);
    }

    public static int nlmsg_seq(MemorySegment s, long at) {
        return s.get(JAVA_INT, at + NLMSG_SEQ_OFFSET);
    }

    public static void nlmsg_seq(MemorySegment s, long at, int v) {
        s.set(JAVA_INT, at + NLMSG_SEQ_OFFSET, v);
    }
}
