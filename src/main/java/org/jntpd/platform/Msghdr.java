package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct msghdr (sys/socket.h), the argument of recvmsg/sendmsg: 56 bytes.
 *
 * <pre>{@code
 * struct msghdr {
 *     void         *msg_name;        // address (optional)
 *     socklen_t     msg_namelen;     // size of address
 *     struct iovec *msg_iov;         // scatter/gather array
 *     size_t        msg_iovlen;      // # elements in msg_iov
 *     void         *msg_control;     // ancillary data
 *     size_t        msg_controllen;  // ancillary data buffer len
 *     int           msg_flags;       // flags on received message
 * };
 * }</pre>
 */
public final class Msghdr {
    /** The C layout; named "msghdr" as in the headers (struct msghdr). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4))
            .withName("msghdr");

    public static final long MSG_NAME_OFFSET = offset("msg_name");
    public static final long MSG_NAMELEN_OFFSET = offset("msg_namelen");
    public static final long MSG_IOV_OFFSET = offset("msg_iov");
    public static final long MSG_IOVLEN_OFFSET = offset("msg_iovlen");
    public static final long MSG_CONTROL_OFFSET = offset("msg_control");
    public static final long MSG_CONTROLLEN_OFFSET = offset("msg_controllen");
    public static final long MSG_FLAGS_OFFSET = offset("msg_flags");

    private Msghdr() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    private static long offset(String field) {
        return offsetIn(LAYOUT, field);
    }

    public static MemorySegment msg_name(MemorySegment s) {
        return s.get(ADDRESS, MSG_NAME_OFFSET);
    }

    public static void msg_name(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, MSG_NAME_OFFSET, v);
    }

    /** Rewritten by recvmsg: reset before each call. */
    public static int msg_namelen(MemorySegment s) {
        return s.get(JAVA_INT, MSG_NAMELEN_OFFSET);
    }

    public static void msg_namelen(MemorySegment s, int v) {
        s.set(JAVA_INT, MSG_NAMELEN_OFFSET, v);
    }

    public static MemorySegment msg_iov(MemorySegment s) {
        return s.get(ADDRESS, MSG_IOV_OFFSET);
    }

    public static void msg_iov(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, MSG_IOV_OFFSET, v);
    }

    public static long msg_iovlen(MemorySegment s) {
        return s.get(JAVA_LONG, MSG_IOVLEN_OFFSET);
    }

    public static void msg_iovlen(MemorySegment s, long v) {
        s.set(JAVA_LONG, MSG_IOVLEN_OFFSET, v);
    }

    public static MemorySegment msg_control(MemorySegment s) {
        return s.get(ADDRESS, MSG_CONTROL_OFFSET);
    }

    public static void msg_control(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, MSG_CONTROL_OFFSET, v);
    }

    /** Rewritten by recvmsg: reset before each call. */
    public static long msg_controllen(MemorySegment s) {
        return s.get(JAVA_LONG, MSG_CONTROLLEN_OFFSET);
    }

    public static void msg_controllen(MemorySegment s, long v) {
        s.set(JAVA_LONG, MSG_CONTROLLEN_OFFSET, v);
    }

    /** MSG_TRUNC, MSG_CTRUNC, MSG_ERRQUEUE on return. */
    public static int msg_flags(MemorySegment s) {
        return s.get(JAVA_INT, MSG_FLAGS_OFFSET);
    }

    public static void msg_flags(MemorySegment s, int v) {
        s.set(JAVA_INT, MSG_FLAGS_OFFSET, v);
    }
}
