package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct cmsghdr (sys/socket.h): header of one control message; the data starts at {@link #len(long) CMSG_LEN(0)}.
 *
 * <pre>{@code
 * struct cmsghdr {
 *     size_t cmsg_len;    // data byte count, including header
 *     int    cmsg_level;  // originating protocol
 *     int    cmsg_type;   // protocol-specific type
 *     // followed by unsigned char cmsg_data[];
 * };
 * }</pre>
 */
public final class Cmsghdr {
    /** The C layout; named "cmsghdr" as in the headers (struct cmsghdr). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"),
            JAVA_INT.withName("cmsg_level"),
            JAVA_INT.withName("cmsg_type"))
            .withName("cmsghdr");

    public static final long CMSG_LEN_OFFSET = offset("cmsg_len");
    public static final long CMSG_LEVEL_OFFSET = offset("cmsg_level");
    public static final long CMSG_TYPE_OFFSET = offset("cmsg_type");

    private Cmsghdr() {
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

    public static long cmsg_len(MemorySegment s) {
        return s.get(JAVA_LONG, CMSG_LEN_OFFSET);
    }

    public static void cmsg_len(MemorySegment s, long v) {
        s.set(JAVA_LONG, CMSG_LEN_OFFSET, v);
    }

    /** Writes a control message header at {@code at} of a control buffer (no slice: the send path allocates nothing). */
    public static void header(MemorySegment s, long at, long len, int level, int type) {
        s.set(JAVA_LONG, at + CMSG_LEN_OFFSET, len);
        s.set(JAVA_INT, at + CMSG_LEVEL_OFFSET, level);
        s.set(JAVA_INT, at + CMSG_TYPE_OFFSET, type);
    }

    public static int cmsg_level(MemorySegment s) {
        return s.get(JAVA_INT, CMSG_LEVEL_OFFSET);
    }

    public static void cmsg_level(MemorySegment s, int v) {
        s.set(JAVA_INT, CMSG_LEVEL_OFFSET, v);
    }

    public static int cmsg_type(MemorySegment s) {
        return s.get(JAVA_INT, CMSG_TYPE_OFFSET);
    }

    public static void cmsg_type(MemorySegment s, int v) {
        s.set(JAVA_INT, CMSG_TYPE_OFFSET, v);
    }

    /** CMSG_ALIGN: rounds up to the 8-byte alignment of control messages. */
    public static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    /** CMSG_LEN: the cmsg_len of a message carrying {@code dataBytes}. */
    public static long len(long dataBytes) {
        return align(LAYOUT.byteSize()) + dataBytes;
    }

    /** CMSG_SPACE: the buffer space a message carrying {@code dataBytes} takes. */
    public static long space(long dataBytes) {
        return align(LAYOUT.byteSize()) + align(dataBytes);
    }

    /** Offset of the data of the control message at {@code offset} (CMSG_DATA). */
    public static long dataOffset(long offset) {
        return offset + align(LAYOUT.byteSize());
    }

    /**
     * CMSG_NXTHDR over a control buffer of {@code controlLen} bytes: the offset of the message after the one at
     * {@code offset}, or -1 when there is none (also for a corrupt length). Start with offset 0 (CMSG_FIRSTHDR)
     * when {@code controlLen >= sizeof()}.
     */
    public static long next(MemorySegment control, long offset, long controlLen) {
        long len = control.get(JAVA_LONG, offset + CMSG_LEN_OFFSET);
        if (len < LAYOUT.byteSize()) {
            return -1;
        }
        long next = offset + align(len);
        return next + LAYOUT.byteSize() <= controlLen ? next : -1;
    }

    /** Whether a whole message fits at {@code offset} of a buffer of {@code controlLen} bytes (the first one). */
    public static boolean fits(MemorySegment control, long offset, long controlLen) {
        return offset + LAYOUT.byteSize() <= controlLen
                && offset + control.get(JAVA_LONG, offset + CMSG_LEN_OFFSET) <= controlLen;
    }
}
