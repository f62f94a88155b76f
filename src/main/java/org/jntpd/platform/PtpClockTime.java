package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ptp_clock_time (linux/ptp_clock.h): 16 bytes.
 *
 * <pre>{@code
 * struct ptp_clock_time {
 *     __s64 sec;       // seconds
 *     __u32 nsec;      // nanoseconds
 *     __u32 reserved;
 * };
 * }</pre>
 */
public final class PtpClockTime {
    /** The C layout; named "ptp_clock_time" as in the headers (struct ptp_clock_time). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("sec"),
            JAVA_INT.withName("nsec"),
            JAVA_INT.withName("reserved"))
            .withName("ptp_clock_time");

    public static final long SEC_OFFSET = offset("sec");
    public static final long NSEC_OFFSET = offset("nsec");
    public static final long RESERVED_OFFSET = offset("reserved");

    private PtpClockTime() {
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

    public static int reserved(MemorySegment s) {
        return s.get(JAVA_INT, RESERVED_OFFSET);
    }

    public static void reserved(MemorySegment s, int v) {
        s.set(JAVA_INT, RESERVED_OFFSET, v);
    }

    /** The ptp_clock_time at byte {@code offset} of {@code s} (an array element) in nanoseconds. */
    public static long toNanos(MemorySegment s, long offset) {
        return s.get(JAVA_LONG, offset + SEC_OFFSET) * 1_000_000_000L
                + Integer.toUnsignedLong(s.get(JAVA_INT, offset + NSEC_OFFSET));
    }
}
