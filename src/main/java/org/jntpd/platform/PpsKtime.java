package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct pps_ktime (linux/pps.h): 16 bytes.
 *
 * <pre>{@code
 * struct pps_ktime {
 *     __s64 sec;
 *     __s32 nsec;
 *     __u32 flags;  // PPS_TIME_INVALID
 * };
 * }</pre>
 */
public final class PpsKtime {
    /** The C layout; named "pps_ktime" as in the headers (struct pps_ktime). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("sec"),
            JAVA_INT.withName("nsec"),
            JAVA_INT.withName("flags"))
            .withName("pps_ktime");

    public static final long SEC_OFFSET = offset("sec");
    public static final long NSEC_OFFSET = offset("nsec");
    public static final long FLAGS_OFFSET = offset("flags");

    private PpsKtime() {
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

    public static long sec(MemorySegment s) {
        return s.get(JAVA_LONG, SEC_OFFSET);
    }

    public static void sec(MemorySegment s, long v) {
        s.set(JAVA_LONG, SEC_OFFSET, v);
    }

    public static int nsec(MemorySegment s) {
        return s.get(JAVA_INT, NSEC_OFFSET);
    }

    public static void nsec(MemorySegment s, int v) {
        s.set(JAVA_INT, NSEC_OFFSET, v);
    }

    public static int flags(MemorySegment s) {
        return s.get(JAVA_INT, FLAGS_OFFSET);
    }

    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, FLAGS_OFFSET, v);
    }

    /** The pps_ktime at byte {@code offset} of {@code s} in nanoseconds. */
    public static long toNanos(MemorySegment s, long offset) {
        return s.get(JAVA_LONG, offset + SEC_OFFSET) * 1_000_000_000L + s.get(JAVA_INT, offset + NSEC_OFFSET);
    }

    /** Writes the pps_ktime at byte {@code offset} of {@code s} (a nested struct). */
    public static void set(MemorySegment s, long offset, long sec, int nsec, int flags) {
        s.set(JAVA_LONG, offset + SEC_OFFSET, sec);
        s.set(JAVA_INT, offset + NSEC_OFFSET, nsec);
        s.set(JAVA_INT, offset + FLAGS_OFFSET, flags);
    }

    /** Zeroes the pps_ktime at byte {@code offset} of {@code s}. */
    public static void clear(MemorySegment s, long offset) {
        set(s, offset, 0, 0, 0);
    }
}
