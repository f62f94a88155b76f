package org.jntpd.refclock;

import static org.jntpd.time.Units.NS_PER_S;
import static org.jntpd.time.Units.NS_PER_US;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * chrony's SOCK refclock message ({@code struct sock_sample}, {@code refclock_sock.c}; gpsd's {@code chrony_send}
 * writes it) on x86_64 Linux: a flyweight decoder over one received datagram. Native byte order (same machine);
 * unaligned reads, so any buffer works. Offsets checked against gcc by {@code RefclockAbiTest}.
 *
 * <pre>
 * struct sock_sample {
 *     struct timeval tv;   // system time of the measurement (tv_sec, tv_usec: 8 + 8 bytes)
 *     double offset;       // true time minus system time, seconds
 *     int pulse;           // non-zero: a PPS edge, only the phase is known (see {@link #pulse()})
 *     int leap;            // 0 normal, 1 insert, 2 delete
 *     int _pad;
 *     int magic;           // 0x534f434b, "SOCK"
 * };                       // 40 bytes
 * </pre>
 */
public final class SockSample {
    public static final int MAGIC = 0x534f434b;
    public static final long TV_SEC = 0;
    public static final long TV_USEC = 8;
    public static final long OFFSET = 16;
    public static final long PULSE = 24;
    public static final long LEAP = 28;
    public static final long PAD = 32;
    public static final long MAGIC_OFFSET = 36;
    private static final long SIZEOF = 40;
    /** An offset beyond this (about one NTP era) is garbage, not a clock error. */
    private static final double MAX_ABS_OFFSET_S = 4.0e9;
    /** Latest tv_sec taken (2255): with {@link #MAX_ABS_USEC} the time fits a long of ns, which 2262 overflows. */
    private static final long MAX_SEC = 9_000_000_000L;
    /** tv_usec beyond 0..999999 is normalised, but only this far (1000 s): more is garbage that would overflow. */
    private static final long MAX_ABS_USEC = 1_000_000_000L;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** Why a datagram was refused. */
    public enum Status {
        OK,
        /** Not exactly {@link #sizeof()} bytes (chrony refuses those too). */
        BAD_SIZE,
        /** The magic number is not 0x534f434b. */
        BAD_MAGIC,
        /** The offset is not a finite number of plausible size. */
        BAD_OFFSET,
        /** tv_sec before 1970 or after 2255, or tv_usec more than 1000 s: not a time in ns since 1970. */
        BAD_TIME
    }

    private long systemTimeNs;
    private double offsetSeconds;
    private boolean pulse;
    private int leap;

    public static long sizeof() {
        return SIZEOF;
    }

    /** Decodes the first {@code length} bytes of {@code datagram}; the fields are valid when OK is returned. */
    public Status decode(MemorySegment datagram, long length) {
        if (length != SIZEOF || datagram.byteSize() < SIZEOF) {
            return Status.BAD_SIZE;
        }
        if (datagram.get(INT, MAGIC_OFFSET) != MAGIC) {
            return Status.BAD_MAGIC;
        }
        double offset = datagram.get(DOUBLE, OFFSET);
        if (!Double.isFinite(offset) || Math.abs(offset) > MAX_ABS_OFFSET_S) {
            return Status.BAD_OFFSET;
        }
        long tvSec = datagram.get(LONG, TV_SEC);
        long tvUsec = datagram.get(LONG, TV_USEC);
        if (tvSec < 0 || tvSec > MAX_SEC || tvUsec < -MAX_ABS_USEC || tvUsec > MAX_ABS_USEC) {
            return Status.BAD_TIME; // else the ns sum overflows into a time that was never sent (fuzzing found it)
        }
        // tv_usec outside 0..999999 is normalised, as chrony's UTI_NormaliseTimespec does.
        systemTimeNs = tvSec * NS_PER_S + tvUsec * NS_PER_US;
        offsetSeconds = offset;
        pulse = datagram.get(INT, PULSE) != 0;
        leap = datagram.get(INT, LEAP);
        return Status.OK;
    }

    /** Writes a message in the wire layout (tests, and a gpsd-like sender). */
    public static void encode(MemorySegment out, long tvSec, long tvUsec, double offsetS, boolean pulse, int leap) {
        out.set(LONG, TV_SEC, tvSec);
        out.set(LONG, TV_USEC, tvUsec);
        out.set(DOUBLE, OFFSET, offsetS);
        out.set(INT, PULSE, pulse ? 1 : 0);
        out.set(INT, LEAP, leap);
        out.set(INT, PAD, 0);
        out.set(INT, MAGIC_OFFSET, MAGIC);
    }

    /** System clock of the measurement, Unix ns. */
    public long systemTimeNs() {
        return systemTimeNs;
    }

    /** The offset field, seconds. */
    public double offsetSeconds() {
        return offsetSeconds;
    }

    /** The offset field rounded to ns. */
    public long offsetNs() {
        return Math.round(offsetSeconds * 1e9);
    }

    /**
     * A pulse sample: only the phase within the second is known. chrony passes {@code offset} of such a message on as
     * the pulse's position in the second ({@code RCL_AddPulse(..., sample.offset)}): for pulses the field is the system
     * clock minus the pulse's true time, the opposite sign of a full sample. jntpd reads it the same way.
     */
    public boolean pulse() {
        return pulse;
    }

    public int leap() {
        return leap;
    }
}
