package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct timespec (time.h): seconds and nanoseconds, 16 bytes on x86_64.
 *
 * <pre>{@code
 * struct timespec {
 *     time_t tv_sec;   // seconds
 *     long   tv_nsec;  // nanoseconds [0, 999999999]
 * };
 * }</pre>
 */
public final class Timespec {
    /** The C layout; named "timespec" as in the headers (struct timespec). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_LONG.withName("tv_nsec"))
            .withName("timespec");

    public static final long TV_SEC_OFFSET = offset("tv_sec");
    public static final long TV_NSEC_OFFSET = offset("tv_nsec");

    private Timespec() {
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

    public static long tv_sec(MemorySegment s) {
        return s.get(JAVA_LONG, TV_SEC_OFFSET);
    }

    public static void tv_sec(MemorySegment s, long v) {
        s.set(JAVA_LONG, TV_SEC_OFFSET, v);
    }

    public static long tv_nsec(MemorySegment s) {
        return s.get(JAVA_LONG, TV_NSEC_OFFSET);
    }

    public static void tv_nsec(MemorySegment s, long v) {
        s.set(JAVA_LONG, TV_NSEC_OFFSET, v);
    }

    /** The time as nanoseconds ({@code tv_sec * 1e9 + tv_nsec}). */
    public static long toNanos(MemorySegment s) {
        return s.get(JAVA_LONG, TV_SEC_OFFSET) * 1_000_000_000L + s.get(JAVA_LONG, TV_NSEC_OFFSET);
    }

    /** The timespec at byte {@code offset} of {@code s} (an array element or nested struct) as nanoseconds. */
    public static long toNanos(MemorySegment s, long offset) {
        return s.get(JAVA_LONG, offset + TV_SEC_OFFSET) * 1_000_000_000L + s.get(JAVA_LONG, offset + TV_NSEC_OFFSET);
    }

    /** Writes {@code nanos} as seconds and non-negative nanoseconds (floor division). */
    public static void fromNanos(MemorySegment s, long nanos) {
        s.set(JAVA_LONG, TV_SEC_OFFSET, Math.floorDiv(nanos, 1_000_000_000L));
        s.set(JAVA_LONG, TV_NSEC_OFFSET, Math.floorMod(nanos, 1_000_000_000L));
    }
}
