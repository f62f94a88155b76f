package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ptp_sys_offset_precise (linux/ptp_clock.h), the argument of PTP_SYS_OFFSET_PRECISE: 64 bytes.
 *
 * <pre>{@code
 * struct ptp_sys_offset_precise {
 *     struct ptp_clock_time device;
 *     struct ptp_clock_time sys_realtime;
 *     struct ptp_clock_time sys_monoraw;
 *     unsigned int rsv[4];  // Reserved for future use.
 * };
 * }</pre>
 */
public final class PtpSysOffsetPrecise {
    /** The C layout; named "ptp_sys_offset_precise" as in the headers (struct ptp_sys_offset_precise). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            PtpClockTime.LAYOUT.withName("device"),
            PtpClockTime.LAYOUT.withName("sys_realtime"),
            PtpClockTime.LAYOUT.withName("sys_monoraw"),
            MemoryLayout.sequenceLayout(4, JAVA_INT).withName("rsv"))
            .withName("ptp_sys_offset_precise");

    public static final long DEVICE_OFFSET = offset("device");
    public static final long SYS_REALTIME_OFFSET = offset("sys_realtime");
    public static final long SYS_MONORAW_OFFSET = offset("sys_monoraw");
    public static final long RSV_OFFSET = offset("rsv");

    private PtpSysOffsetPrecise() {
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

    /** The nested PtpClockTime (a slice: allocates, setup paths only). */
    public static MemorySegment device(MemorySegment s) {
        return s.asSlice(DEVICE_OFFSET, PtpClockTime.sizeof());
    }

    /** The nested PtpClockTime (a slice: allocates, setup paths only). */
    public static MemorySegment sys_realtime(MemorySegment s) {
        return s.asSlice(SYS_REALTIME_OFFSET, PtpClockTime.sizeof());
    }

    /** The nested PtpClockTime (a slice: allocates, setup paths only). */
    public static MemorySegment sys_monoraw(MemorySegment s) {
        return s.asSlice(SYS_MONORAW_OFFSET, PtpClockTime.sizeof());
    }

    public static int rsv(MemorySegment s, int i) {
        return s.getAtIndex(JAVA_INT, RSV_OFFSET / 4 + i);
    }

    public static void rsv(MemorySegment s, int i, int v) {
        s.setAtIndex(JAVA_INT, RSV_OFFSET / 4 + i, v);
    }
}
