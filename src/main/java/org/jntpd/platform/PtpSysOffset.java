package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ptp_sys_offset (linux/ptp_clock.h), the argument of PTP_SYS_OFFSET: 832 bytes.
 *
 * <pre>{@code
 * struct ptp_sys_offset {
 *     unsigned int n_samples;  // Desired number of measurements.
 *     unsigned int rsv[3];     // Reserved for future use.
 *     // 2*n_samples + 1 interleaved system/phc time stamps, the last one a system time stamp.
 *     struct ptp_clock_time ts[2 * PTP_MAX_SAMPLES + 1];
 * };
 * }</pre>
 */
public final class PtpSysOffset {
    /** The C layout; named "ptp_sys_offset" as in the headers (struct ptp_sys_offset). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("n_samples"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("rsv"),
            MemoryLayout.sequenceLayout(51, PtpClockTime.LAYOUT).withName("ts"))
            .withName("ptp_sys_offset");

    public static final long N_SAMPLES_OFFSET = offset("n_samples");
    public static final long RSV_OFFSET = offset("rsv");
    public static final long TS_OFFSET = offset("ts");

    private PtpSysOffset() {
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

    /** Byte offset of ts[i]. */
    public static long tsOffset(int i) {
        return TS_OFFSET + i * PtpClockTime.sizeof();
    }
}
