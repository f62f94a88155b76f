package org.jntpd.platform;

import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct scm_timestamping (linux/errqueue.h): the data of an SCM_TIMESTAMPING control message, 48 bytes.
 *
 * <pre>{@code
 * struct scm_timestamping {
 *     struct timespec ts[3];  // [0] software, [1] legacy (zero), [2] raw hardware
 * };
 * }</pre>
 */
public final class ScmTimestamping {
    /** The C layout; named "scm_timestamping" as in the headers (struct scm_timestamping). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(3, Timespec.LAYOUT).withName("ts"))
            .withName("scm_timestamping");

    public static final long TS_OFFSET = offset("ts");

    private ScmTimestamping() {
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

    /** Byte offset of ts[i]. */
    public static long tsOffset(int i) {
        return TS_OFFSET + i * Timespec.sizeof();
    }

    /** Index of the software stamp (CLOCK_REALTIME). */
    public static final int SOFTWARE = 0;
    /** Index of the raw hardware stamp (the NIC's clock). */
    public static final int RAW_HARDWARE = 2;

    /** ts[i] of the struct at byte {@code offset} of {@code s} in nanoseconds; 0 when the kernel left it empty. */
    public static long tsNanos(MemorySegment s, long offset, int i) {
        return Timespec.toNanos(s, offset + TS_OFFSET + i * Timespec.sizeof());
    }
}
