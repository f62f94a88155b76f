package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct timex (sys/timex.h), the argument of clock_adjtime: 208 bytes. Constants in {@link Adjtimex}.
 *
 * <pre>{@code
 * struct timex {
 *     unsigned int modes;   // mode selector (ADJ_*)
 *     long offset;          // time offset; us, or ns with STA_NANO
 *     long freq;            // frequency offset; ppm with 16-bit fraction
 *     long maxerror;        // maximum error (us)
 *     long esterror;        // estimated error (us)
 *     int status;           // clock command/status (STA_*)
 *     long constant;        // pll time constant
 *     long precision;       // clock precision (us) (read-only)
 *     long tolerance;       // clock frequency tolerance (ppm) (read-only)
 *     struct timeval time;  // current time (read-only, except for ADJ_SETOFFSET)
 *     long tick;            // (modified) usecs between clock ticks
 *     long ppsfreq;         // pps frequency (scaled ppm) (ro)
 *     long jitter;          // pps jitter (us or ns) (ro)
 *     int shift;            // interval duration (s) (shift) (ro)
 *     long stabil;          // pps stability (scaled ppm) (ro)
 *     long jitcnt;          // jitter limit exceeded (ro)
 *     long calcnt;          // calibration intervals (ro)
 *     long errcnt;          // calibration errors (ro)
 *     long stbcnt;          // stability limit exceeded (ro)
 *     int tai;              // TAI offset (ro)
 *     int  :32; int  :32; int  :32; int  :32;
 *     int  :32; int  :32; int  :32; int  :32;
 *     int  :32; int  :32; int  :32;
 * };
 * }</pre>
 */
public final class Timex {
    /** The C layout; named "timex" as in the headers (struct timex). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("modes"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("offset"),
            JAVA_LONG.withName("freq"),
            JAVA_LONG.withName("maxerror"),
            JAVA_LONG.withName("esterror"),
            JAVA_INT.withName("status"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("constant"),
            JAVA_LONG.withName("precision"),
            JAVA_LONG.withName("tolerance"),
            Timeval.LAYOUT.withName("time"),
            JAVA_LONG.withName("tick"),
            JAVA_LONG.withName("ppsfreq"),
            JAVA_LONG.withName("jitter"),
            JAVA_INT.withName("shift"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("stabil"),
            JAVA_LONG.withName("jitcnt"),
            JAVA_LONG.withName("calcnt"),
            JAVA_LONG.withName("errcnt"),
            JAVA_LONG.withName("stbcnt"),
            JAVA_INT.withName("tai"),
            MemoryLayout.paddingLayout(44))
            .withName("timex");

    public static final long MODES_OFFSET = offset("modes");
    public static final long OFFSET_OFFSET = offset("offset");
    public static final long FREQ_OFFSET = offset("freq");
    public static final long MAXERROR_OFFSET = offset("maxerror");
    public static final long ESTERROR_OFFSET = offset("esterror");
    public static final long STATUS_OFFSET = offset("status");
    public static final long CONSTANT_OFFSET = offset("constant");
    public static final long PRECISION_OFFSET = offset("precision");
    public static final long TOLERANCE_OFFSET = offset("tolerance");
    public static final long TIME_OFFSET = offset("time");
    public static final long TICK_OFFSET = offset("tick");
    public static final long PPSFREQ_OFFSET = offset("ppsfreq");
    public static final long JITTER_OFFSET = offset("jitter");
    public static final long SHIFT_OFFSET = offset("shift");
    public static final long STABIL_OFFSET = offset("stabil");
    public static final long JITCNT_OFFSET = offset("jitcnt");
    public static final long CALCNT_OFFSET = offset("calcnt");
    public static final long ERRCNT_OFFSET = offset("errcnt");
    public static final long STBCNT_OFFSET = offset("stbcnt");
    public static final long TAI_OFFSET = offset("tai");

    private Timex() {
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

    /** ADJ_* bits: what to set; 0 only reads. */
    public static int modes(MemorySegment s) {
        return s.get(JAVA_INT, MODES_OFFSET);
    }

    public static void modes(MemorySegment s, int v) {
        s.set(JAVA_INT, MODES_OFFSET, v);
    }

    public static long offset(MemorySegment s) {
        return s.get(JAVA_LONG, OFFSET_OFFSET);
    }

    public static void offset(MemorySegment s, long v) {
        s.set(JAVA_LONG, OFFSET_OFFSET, v);
    }

    /** ppm scaled by 2^16. */
    public static long freq(MemorySegment s) {
        return s.get(JAVA_LONG, FREQ_OFFSET);
    }

    public static void freq(MemorySegment s, long v) {
        s.set(JAVA_LONG, FREQ_OFFSET, v);
    }

    public static long maxerror(MemorySegment s) {
        return s.get(JAVA_LONG, MAXERROR_OFFSET);
    }

    public static void maxerror(MemorySegment s, long v) {
        s.set(JAVA_LONG, MAXERROR_OFFSET, v);
    }

    public static long esterror(MemorySegment s) {
        return s.get(JAVA_LONG, ESTERROR_OFFSET);
    }

    public static void esterror(MemorySegment s, long v) {
        s.set(JAVA_LONG, ESTERROR_OFFSET, v);
    }

    /** STA_* bits. */
    public static int status(MemorySegment s) {
        return s.get(JAVA_INT, STATUS_OFFSET);
    }

    public static void status(MemorySegment s, int v) {
        s.set(JAVA_INT, STATUS_OFFSET, v);
    }

    public static long constant(MemorySegment s) {
        return s.get(JAVA_LONG, CONSTANT_OFFSET);
    }

    public static void constant(MemorySegment s, long v) {
        s.set(JAVA_LONG, CONSTANT_OFFSET, v);
    }

    public static long precision(MemorySegment s) {
        return s.get(JAVA_LONG, PRECISION_OFFSET);
    }

    public static void precision(MemorySegment s, long v) {
        s.set(JAVA_LONG, PRECISION_OFFSET, v);
    }

    public static long tolerance(MemorySegment s) {
        return s.get(JAVA_LONG, TOLERANCE_OFFSET);
    }

    public static void tolerance(MemorySegment s, long v) {
        s.set(JAVA_LONG, TOLERANCE_OFFSET, v);
    }

    /** The nested Timeval (a slice: allocates, setup paths only). */
    public static MemorySegment time(MemorySegment s) {
        return s.asSlice(TIME_OFFSET, Timeval.sizeof());
    }

    public static long tick(MemorySegment s) {
        return s.get(JAVA_LONG, TICK_OFFSET);
    }

    public static void tick(MemorySegment s, long v) {
        s.set(JAVA_LONG, TICK_OFFSET, v);
    }

    public static long ppsfreq(MemorySegment s) {
        return s.get(JAVA_LONG, PPSFREQ_OFFSET);
    }

    public static void ppsfreq(MemorySegment s, long v) {
        s.set(JAVA_LONG, PPSFREQ_OFFSET, v);
    }

    public static long jitter(MemorySegment s) {
        return s.get(JAVA_LONG, JITTER_OFFSET);
    }

    public static void jitter(MemorySegment s, long v) {
        s.set(JAVA_LONG, JITTER_OFFSET, v);
    }

    public static int shift(MemorySegment s) {
        return s.get(JAVA_INT, SHIFT_OFFSET);
    }

    public static void shift(MemorySegment s, int v) {
        s.set(JAVA_INT, SHIFT_OFFSET, v);
    }

    public static long stabil(MemorySegment s) {
        return s.get(JAVA_LONG, STABIL_OFFSET);
    }

    public static void stabil(MemorySegment s, long v) {
        s.set(JAVA_LONG, STABIL_OFFSET, v);
    }

    public static long jitcnt(MemorySegment s) {
        return s.get(JAVA_LONG, JITCNT_OFFSET);
    }

    public static void jitcnt(MemorySegment s, long v) {
        s.set(JAVA_LONG, JITCNT_OFFSET, v);
    }

    public static long calcnt(MemorySegment s) {
        return s.get(JAVA_LONG, CALCNT_OFFSET);
    }

    public static void calcnt(MemorySegment s, long v) {
        s.set(JAVA_LONG, CALCNT_OFFSET, v);
    }

    public static long errcnt(MemorySegment s) {
        return s.get(JAVA_LONG, ERRCNT_OFFSET);
    }

    public static void errcnt(MemorySegment s, long v) {
        s.set(JAVA_LONG, ERRCNT_OFFSET, v);
    }

    public static long stbcnt(MemorySegment s) {
        return s.get(JAVA_LONG, STBCNT_OFFSET);
    }

    public static void stbcnt(MemorySegment s, long v) {
        s.set(JAVA_LONG, STBCNT_OFFSET, v);
    }

    public static int tai(MemorySegment s) {
        return s.get(JAVA_INT, TAI_OFFSET);
    }

    public static void tai(MemorySegment s, int v) {
        s.set(JAVA_INT, TAI_OFFSET, v);
    }

    /** time.tv_sec: seconds of the clock when the call ran. */
    public static long time_sec(MemorySegment s) {
        return s.get(JAVA_LONG, TIME_OFFSET + Timeval.TV_SEC_OFFSET);
    }

    public static void time_sec(MemorySegment s, long v) {
        s.set(JAVA_LONG, TIME_OFFSET + Timeval.TV_SEC_OFFSET, v);
    }

    /** time.tv_usec: microseconds, or nanoseconds when STA_NANO is set in status. */
    public static long time_usec(MemorySegment s) {
        return s.get(JAVA_LONG, TIME_OFFSET + Timeval.TV_USEC_OFFSET);
    }

    public static void time_usec(MemorySegment s, long v) {
        s.set(JAVA_LONG, TIME_OFFSET + Timeval.TV_USEC_OFFSET, v);
    }
}
