package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct sock_extended_err (linux/errqueue.h): the data of an IP_RECVERR / IPV6_RECVERR control message.
 *
 * <pre>{@code
 * struct sock_extended_err {
 *     __u32 ee_errno;   // ENOMSG for timestamps
 *     __u8  ee_origin;  // SO_EE_ORIGIN_TIMESTAMPING for timestamps
 *     __u8  ee_type;
 *     __u8  ee_code;
 *     __u8  ee_pad;
 *     __u32 ee_info;    // SCM_TSTAMP_SND, _SCHED or _ACK for timestamps
 *     __u32 ee_data;    // the SOF_TIMESTAMPING_OPT_ID counter of the packet
 * };
 * }</pre>
 */
public final class SockExtendedErr {
    /** The C layout; named "sock_extended_err" as in the headers (struct sock_extended_err). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("ee_errno"),
            JAVA_BYTE.withName("ee_origin"),
            JAVA_BYTE.withName("ee_type"),
            JAVA_BYTE.withName("ee_code"),
            JAVA_BYTE.withName("ee_pad"),
            JAVA_INT.withName("ee_info"),
            JAVA_INT.withName("ee_data"))
            .withName("sock_extended_err");

    public static final long EE_ERRNO_OFFSET = offset("ee_errno");
    public static final long EE_ORIGIN_OFFSET = offset("ee_origin");
    public static final long EE_TYPE_OFFSET = offset("ee_type");
    public static final long EE_CODE_OFFSET = offset("ee_code");
    public static final long EE_PAD_OFFSET = offset("ee_pad");
    public static final long EE_INFO_OFFSET = offset("ee_info");
    public static final long EE_DATA_OFFSET = offset("ee_data");

    private SockExtendedErr() {
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

    public static int ee_errno(MemorySegment s) {
        return s.get(JAVA_INT, EE_ERRNO_OFFSET);
    }

    public static void ee_errno(MemorySegment s, int v) {
        s.set(JAVA_INT, EE_ERRNO_OFFSET, v);
    }

    public static int ee_origin(MemorySegment s) {
        return Byte.toUnsignedInt(s.get(JAVA_BYTE, EE_ORIGIN_OFFSET));
    }

    public static void ee_origin(MemorySegment s, int v) {
        s.set(JAVA_BYTE, EE_ORIGIN_OFFSET, (byte) v);
    }

    public static int ee_type(MemorySegment s) {
        return Byte.toUnsignedInt(s.get(JAVA_BYTE, EE_TYPE_OFFSET));
    }

    public static void ee_type(MemorySegment s, int v) {
        s.set(JAVA_BYTE, EE_TYPE_OFFSET, (byte) v);
    }

    public static int ee_code(MemorySegment s) {
        return Byte.toUnsignedInt(s.get(JAVA_BYTE, EE_CODE_OFFSET));
    }

    public static void ee_code(MemorySegment s, int v) {
        s.set(JAVA_BYTE, EE_CODE_OFFSET, (byte) v);
    }

    public static int ee_pad(MemorySegment s) {
        return Byte.toUnsignedInt(s.get(JAVA_BYTE, EE_PAD_OFFSET));
    }

    public static void ee_pad(MemorySegment s, int v) {
        s.set(JAVA_BYTE, EE_PAD_OFFSET, (byte) v);
    }

    public static int ee_info(MemorySegment s) {
        return s.get(JAVA_INT, EE_INFO_OFFSET);
    }

    public static void ee_info(MemorySegment s, int v) {
        s.set(JAVA_INT, EE_INFO_OFFSET, v);
    }

    public static int ee_data(MemorySegment s) {
        return s.get(JAVA_INT, EE_DATA_OFFSET);
    }

    public static void ee_data(MemorySegment s, int v) {
        s.set(JAVA_INT, EE_DATA_OFFSET, v);
    }
}
