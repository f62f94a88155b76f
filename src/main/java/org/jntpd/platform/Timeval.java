package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct timeval (sys/time.h): seconds and microseconds; nested in {@link Timex}.
 *
 * <pre>{@code
 * struct timeval {
 *     time_t      tv_sec;   // seconds
 *     suseconds_t tv_usec;  // microseconds (nanoseconds in struct timex when STA_NANO is set)
 * };
 * }</pre>
 */
public final class Timeval {
    /** The C layout; named "timeval" as in the headers (struct timeval). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_LONG.withName("tv_usec"))
            .withName("timeval");

    public static final long TV_SEC_OFFSET = offset("tv_sec");
    public static final long TV_USEC_OFFSET = offset("tv_usec");

    private Timeval() {
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

    public static long tv_usec(MemorySegment s) {
        return s.get(JAVA_LONG, TV_USEC_OFFSET);
    }

    public static void tv_usec(MemorySegment s, long v) {
        s.set(JAVA_LONG, TV_USEC_OFFSET, v);
    }
}
