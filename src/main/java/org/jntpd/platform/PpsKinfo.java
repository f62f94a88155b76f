package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct pps_kinfo (linux/pps.h): 48 bytes.
 *
 * <pre>{@code
 * struct pps_kinfo {
 *     __u32 assert_sequence;      // seq. num. of assert event
 *     __u32 clear_sequence;       // seq. num. of clear event
 *     struct pps_ktime assert_tu; // time of assert event
 *     struct pps_ktime clear_tu;  // time of clear event
 *     int current_mode;           // current mode bits
 * };
 * }</pre>
 */
public final class PpsKinfo {
    /** The C layout; named "pps_kinfo" as in the headers (struct pps_kinfo). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("assert_sequence"),
            JAVA_INT.withName("clear_sequence"),
            PpsKtime.LAYOUT.withName("assert_tu"),
            PpsKtime.LAYOUT.withName("clear_tu"),
            JAVA_INT.withName("current_mode"),
            MemoryLayout.paddingLayout(4))
            .withName("pps_kinfo");

    public static final long ASSERT_SEQUENCE_OFFSET = offset("assert_sequence");
    public static final long CLEAR_SEQUENCE_OFFSET = offset("clear_sequence");
    public static final long ASSERT_TU_OFFSET = offset("assert_tu");
    public static final long CLEAR_TU_OFFSET = offset("clear_tu");
    public static final long CURRENT_MODE_OFFSET = offset("current_mode");

    private PpsKinfo() {
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

    public static int assert_sequence(MemorySegment s) {
        return s.get(JAVA_INT, ASSERT_SEQUENCE_OFFSET);
    }

    public static void assert_sequence(MemorySegment s, int v) {
        s.set(JAVA_INT, ASSERT_SEQUENCE_OFFSET, v);
    }

    public static int clear_sequence(MemorySegment s) {
        return s.get(JAVA_INT, CLEAR_SEQUENCE_OFFSET);
    }

    public static void clear_sequence(MemorySegment s, int v) {
        s.set(JAVA_INT, CLEAR_SEQUENCE_OFFSET, v);
    }

    /** The nested PpsKtime (a slice: allocates, setup paths only). */
    public static MemorySegment assert_tu(MemorySegment s) {
        return s.asSlice(ASSERT_TU_OFFSET, PpsKtime.sizeof());
    }

    /** The nested PpsKtime (a slice: allocates, setup paths only). */
    public static MemorySegment clear_tu(MemorySegment s) {
        return s.asSlice(CLEAR_TU_OFFSET, PpsKtime.sizeof());
    }

    public static int current_mode(MemorySegment s) {
        return s.get(JAVA_INT, CURRENT_MODE_OFFSET);
    }

    public static void current_mode(MemorySegment s, int v) {
        s.set(JAVA_INT, CURRENT_MODE_OFFSET, v);
    }
}
