package org.jntpd.platform;

import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct pps_fdata (linux/pps.h), the argument of PPS_FETCH: 64 bytes.
 *
 * <pre>{@code
 * struct pps_fdata {
 *     struct pps_kinfo info;
 *     struct pps_ktime timeout;  // timeout.flags = PPS_TIME_INVALID waits forever
 * };
 * }</pre>
 */
public final class PpsFdata {
    /** The C layout; named "pps_fdata" as in the headers (struct pps_fdata). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            PpsKinfo.LAYOUT.withName("info"),
            PpsKtime.LAYOUT.withName("timeout"))
            .withName("pps_fdata");

    public static final long INFO_OFFSET = offset("info");
    public static final long TIMEOUT_OFFSET = offset("timeout");

    private PpsFdata() {
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

    /** The nested PpsKinfo (a slice: allocates, setup paths only). */
    public static MemorySegment info(MemorySegment s) {
        return s.asSlice(INFO_OFFSET, PpsKinfo.sizeof());
    }

    /** The nested PpsKtime (a slice: allocates, setup paths only). */
    public static MemorySegment timeout(MemorySegment s) {
        return s.asSlice(TIMEOUT_OFFSET, PpsKtime.sizeof());
    }
}
