package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ptp_clock_caps (linux/ptp_clock.h, as of Linux 6.1), the argument of PTP_CLOCK_GETCAPS: 80 bytes.
 *
 * <pre>{@code
 * struct ptp_clock_caps {
 *     int max_adj;            // Maximum frequency adjustment in parts per billon.
 *     int n_alarm;            // Number of programmable alarms.
 *     int n_ext_ts;           // Number of external time stamp channels.
 *     int n_per_out;          // Number of programmable periodic signals.
 *     int pps;                // Whether the clock supports a PPS callback.
 *     int n_pins;             // Number of input/output pins.
 *     int cross_timestamping; // Whether the clock supports precise system-device cross timestamps
 *     int adjust_phase;       // Whether the clock supports adjust phase
 *     int rsv[12];            // Reserved for future use.
 * };
 * }</pre>
 */
public final class PtpClockCaps {
    /** The C layout; named "ptp_clock_caps" as in the headers (struct ptp_clock_caps). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("max_adj"),
            JAVA_INT.withName("n_alarm"),
            JAVA_INT.withName("n_ext_ts"),
            JAVA_INT.withName("n_per_out"),
            JAVA_INT.withName("pps"),
            JAVA_INT.withName("n_pins"),
            JAVA_INT.withName("cross_timestamping"),
            JAVA_INT.withName("adjust_phase"),
            MemoryLayout.sequenceLayout(12, JAVA_INT).withName("rsv"))
            .withName("ptp_clock_caps");

    public static final long MAX_ADJ_OFFSET = offset("max_adj");
    public static final long N_ALARM_OFFSET = offset("n_alarm");
    public static final long N_EXT_TS_OFFSET = offset("n_ext_ts");
    public static final long N_PER_OUT_OFFSET = offset("n_per_out");
    public static final long PPS_OFFSET = offset("pps");
    public static final long N_PINS_OFFSET = offset("n_pins");
    public static final long CROSS_TIMESTAMPING_OFFSET = offset("cross_timestamping");
    public static final long ADJUST_PHASE_OFFSET = offset("adjust_phase");
    public static final long RSV_OFFSET = offset("rsv");

    private PtpClockCaps() {
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

    public static int max_adj(MemorySegment s) {
        return s.get(JAVA_INT, MAX_ADJ_OFFSET);
    }

    public static void max_adj(MemorySegment s, int v) {
        s.set(JAVA_INT, MAX_ADJ_OFFSET, v);
    }

    public static int n_alarm(MemorySegment s) {
        return s.get(JAVA_INT, N_ALARM_OFFSET);
    }

    public static void n_alarm(MemorySegment s, int v) {
        s.set(JAVA_INT, N_ALARM_OFFSET, v);
    }

    public static int n_ext_ts(MemorySegment s) {
        return s.get(JAVA_INT, N_EXT_TS_OFFSET);
    }

    public static void n_ext_ts(MemorySegment s, int v) {
        s.set(JAVA_INT, N_EXT_TS_OFFSET, v);
    }

    public static int n_per_out(MemorySegment s) {
        return s.get(JAVA_INT, N_PER_OUT_OFFSET);
    }

    public static void n_per_out(MemorySegment s, int v) {
        s.set(JAVA_INT, N_PER_OUT_OFFSET, v);
    }

    public static int pps(MemorySegment s) {
        return s.get(JAVA_INT, PPS_OFFSET);
    }

    public static void pps(MemorySegment s, int v) {
        s.set(JAVA_INT, PPS_OFFSET, v);
    }

    public static int n_pins(MemorySegment s) {
        return s.get(JAVA_INT, N_PINS_OFFSET);
    }

    public static void n_pins(MemorySegment s, int v) {
        s.set(JAVA_INT, N_PINS_OFFSET, v);
    }

    public static int cross_timestamping(MemorySegment s) {
        return s.get(JAVA_INT, CROSS_TIMESTAMPING_OFFSET);
    }

    public static void cross_timestamping(MemorySegment s, int v) {
        s.set(JAVA_INT, CROSS_TIMESTAMPING_OFFSET, v);
    }

    public static int adjust_phase(MemorySegment s) {
        return s.get(JAVA_INT, ADJUST_PHASE_OFFSET);
    }

    public static void adjust_phase(MemorySegment s, int v) {
        s.set(JAVA_INT, ADJUST_PHASE_OFFSET, v);
    }

    public static int rsv(MemorySegment s, int i) {
        return s.getAtIndex(JAVA_INT, RSV_OFFSET / 4 + i);
    }

    public static void rsv(MemorySegment s, int i, int v) {
        s.setAtIndex(JAVA_INT, RSV_OFFSET / 4 + i, v);
    }
}
