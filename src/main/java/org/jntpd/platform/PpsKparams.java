package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct pps_kparams (linux/pps.h), the argument of PPS_GETPARAMS / PPS_SETPARAMS: 40 bytes.
 *
 * <pre>{@code
 * struct pps_kparams {
 *     int api_version;               // API version #
 *     int mode;                      // mode bits
 *     struct pps_ktime assert_off_tu; // offset compensation for assert
 *     struct pps_ktime clear_off_tu;  // offset compensation for clear
 * };
 * }</pre>
 */
public final class PpsKparams {
    /** The C layout; named "pps_kparams" as in the headers (struct pps_kparams). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("api_version"),
            JAVA_INT.withName("mode"),
            PpsKtime.LAYOUT.withName("assert_off_tu"),
            PpsKtime.LAYOUT.withName("clear_off_tu"))
            .withName("pps_kparams");

    public static final long API_VERSION_OFFSET = offset("api_version");
    public static final long MODE_OFFSET = offset("mode");
    public static final long ASSERT_OFF_TU_OFFSET = offset("assert_off_tu");
    public static final long CLEAR_OFF_TU_OFFSET = offset("clear_off_tu");

    private PpsKparams() {
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

    public static int api_version(MemorySegment s) {
        return s.get(JAVA_INT, API_VERSION_OFFSET);
    }

    public static void api_version(MemorySegment s, int v) {
        s.set(JAVA_INT, API_VERSION_OFFSET, v);
    }

    public static int mode(MemorySegment s) {
        return s.get(JAVA_INT, MODE_OFFSET);
    }

    public static void mode(MemorySegment s, int v) {
        s.set(JAVA_INT, MODE_OFFSET, v);
    }

    /** The nested PpsKtime (a slice: allocates, setup paths only). */
    public static MemorySegment assert_off_tu(MemorySegment s) {
        return s.asSlice(ASSERT_OFF_TU_OFFSET, PpsKtime.sizeof());
    }

    /** The nested PpsKtime (a slice: allocates, setup paths only). */
    public static MemorySegment clear_off_tu(MemorySegment s) {
        return s.asSlice(CLEAR_OFF_TU_OFFSET, PpsKtime.sizeof());
    }
}
