package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct mmsghdr (sys/socket.h), one element of the recvmmsg/sendmmsg vector: 64 bytes.
 *
 * <pre>{@code
 * struct mmsghdr {
 *     struct msghdr msg_hdr;  // message header
 *     unsigned int  msg_len;  // bytes transmitted
 * };
 * }</pre>
 */
public final class Mmsghdr {
    /** The C layout; named "mmsghdr" as in the headers (struct mmsghdr). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            Msghdr.LAYOUT.withName("msg_hdr"),
            JAVA_INT.withName("msg_len"),
            MemoryLayout.paddingLayout(4))
            .withName("mmsghdr");

    public static final long MSG_HDR_OFFSET = offset("msg_hdr");
    public static final long MSG_LEN_OFFSET = offset("msg_len");

    private Mmsghdr() {
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

    /** The nested Msghdr (a slice: allocates, setup paths only). */
    public static MemorySegment msg_hdr(MemorySegment s) {
        return s.asSlice(MSG_HDR_OFFSET, Msghdr.sizeof());
    }

    /** Bytes received or sent for this message. */
    public static int msg_len(MemorySegment s) {
        return s.get(JAVA_INT, MSG_LEN_OFFSET);
    }

    public static void msg_len(MemorySegment s, int v) {
        s.set(JAVA_INT, MSG_LEN_OFFSET, v);
    }
}
