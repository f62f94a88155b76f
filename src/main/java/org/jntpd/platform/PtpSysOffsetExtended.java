package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ptp_sys_offset_extended (linux/ptp_clock.h), the argument of PTP_SYS_OFFSET_EXTENDED: 1216 bytes.
 *
 * <pre>{@code
 * struct ptp_sys_offset_extended {
 *     unsigned int n_samples;  // Desired number of measurements.
 *     unsigned int rsv[3];     // Reserved for future use.
 *     // [system, phc, system] time stamps; the kernel provides 3*n_samples.
 *     struct ptp_clock_time ts[PTP_MAX_SAMPLES][3];
 * };
 * }</pre>
 */
public final class PtpSysOffsetExtended {
    /** The C layout; named "ptp_sys_offset_extended" as in the headers (struct ptp_sys_offset_extended). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("n_samples"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("rsv"),
            MemoryLayout.sequenceLayout(25, MemoryLayout.sequenceLayout(3, PtpClockTime.LAYOUT)).withName("ts"))
            .withName("ptp_sys_offset_extended");

    public static final long N_SAMPLES_OFFSET = offset("n_samples");
    public static final long RSV_OFFSET = offset("rsv");
    public static final long TS_OFFSET = offset("ts");

    private PtpSysOffsetExtended() {
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

    public static int n_samples(MemorySegment s) {
        return s.get(JAVA_INT, N_SAMPLES_OFFSET);
    }

    public static void n_samples(MemorySegment s, int v) {
        s.set(JAVA_INT, N_SAMPLES_OFFSET, v);
    }

    public static int rsv(MemorySegment s, int i) {
        return s.getAtIndex(JAVA_INT, RSV_OFFSET / 4 + i);
    }

    public static void rsv(MemorySegment s, int i, int v) {
        s.setAtIndex(JAVA_INT, RSV_OFFSET / 4 + i, v);
    }

    /** Byte offset of ts[i][j]. */
    public static long tsOffset(int i, int j) {
        return TS_OFFSET + (i * 3L + j) * PtpClockTime.sizeof();
    }
}
