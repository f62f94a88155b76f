package org.jntpd.refclock;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The NTP shared-memory segment ({@code struct shmTime}, ntpd's {@code refclock_shm.c}, written by gpsd's
 * {@code ntpshmwrite.c} and read by chrony's {@code refclock_shm.c}) on x86_64 Linux, in jextract's shape: offset
 * constants and accessors over the segment the platform layer maps with {@code shmget(0x4e545030 + unit)} and
 * {@code shmat}. Native byte order: writer and reader share the machine. Offsets checked against gcc by
 * {@code RefclockAbiTest}.
 *
 * <pre>
 * struct shmTime {
 *     int    mode;                  // 0: use when valid; 1: also check count before and after (torn write)
 *     volatile int count;           // the writer increments it before and after each update
 *     time_t clockTimeStampSec;     // reference time
 *     int    clockTimeStampUSec;
 *     time_t receiveTimeStampSec;   // system clock when the reference time was taken
 *     int    receiveTimeStampUSec;
 *     int    leap;                  // 0 none, 1 insert, 2 delete, 3 not in sync
 *     int    precision;             // log2 seconds
 *     int    nsamples;
 *     volatile int valid;           // set by the writer, cleared by the reader
 *     unsigned clockTimeStampNSec;  // nanoseconds, when the writer supports them
 *     unsigned receiveTimeStampNSec;
 *     int    dummy[8];              // gpsd: dummy[0..1] are the top bits of the seconds after 2038
 * };
 * </pre>
 */
public final class ShmTime {
    /** Key of unit 0 ("NTP0"); unit N is at {@code KEY_BASE + N}. */
    public static final int KEY_BASE = 0x4e545030;

    public static final long MODE = 0;
    public static final long COUNT = 4;
    public static final long CLOCK_SEC = 8;
    public static final long CLOCK_USEC = 16;
    public static final long RECEIVE_SEC = 24;
    public static final long RECEIVE_USEC = 32;
    public static final long LEAP = 36;
    public static final long PRECISION = 40;
    public static final long NSAMPLES = 44;
    public static final long VALID = 48;
    public static final long CLOCK_NSEC = 52;
    public static final long RECEIVE_NSEC = 56;
    public static final long DUMMY = 60;
    private static final long SIZEOF = 96;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    /** count and valid are the handshake: read and written with volatile semantics. */
    private static final VarHandle INT_AT = INT.varHandle();

    private ShmTime() {}

    public static long sizeof() {
        return SIZEOF;
    }

    public static int mode(MemorySegment s) {
        return s.get(INT, MODE);
    }

    public static void mode(MemorySegment s, int v) {
        s.set(INT, MODE, v);
    }

    public static int countVolatile(MemorySegment s) {
        return (int) INT_AT.getVolatile(s, COUNT);
    }

    public static void countVolatile(MemorySegment s, int v) {
        INT_AT.setVolatile(s, COUNT, v);
    }

    public static int validVolatile(MemorySegment s) {
        return (int) INT_AT.getVolatile(s, VALID);
    }

    public static void validVolatile(MemorySegment s, int v) {
        INT_AT.setVolatile(s, VALID, v);
    }

    public static long clockSec(MemorySegment s) {
        return s.get(LONG, CLOCK_SEC);
    }

    public static void clockSec(MemorySegment s, long v) {
        s.set(LONG, CLOCK_SEC, v);
    }

    public static int clockUsec(MemorySegment s) {
        return s.get(INT, CLOCK_USEC);
    }

    public static void clockUsec(MemorySegment s, int v) {
        s.set(INT, CLOCK_USEC, v);
    }

    public static long receiveSec(MemorySegment s) {
        return s.get(LONG, RECEIVE_SEC);
    }

    public static void receiveSec(MemorySegment s, long v) {
        s.set(LONG, RECEIVE_SEC, v);
    }

    public static int receiveUsec(MemorySegment s) {
        return s.get(INT, RECEIVE_USEC);
    }

    public static void receiveUsec(MemorySegment s, int v) {
        s.set(INT, RECEIVE_USEC, v);
    }

    public static int leap(MemorySegment s) {
        return s.get(INT, LEAP);
    }

    public static void leap(MemorySegment s, int v) {
        s.set(INT, LEAP, v);
    }

    public static int precision(MemorySegment s) {
        return s.get(INT, PRECISION);
    }

    public static void precision(MemorySegment s, int v) {
        s.set(INT, PRECISION, v);
    }

    /** Unsigned in C: read as int, use with {@link Integer#toUnsignedLong}. */
    public static int clockNsec(MemorySegment s) {
        return s.get(INT, CLOCK_NSEC);
    }

    public static void clockNsec(MemorySegment s, int v) {
        s.set(INT, CLOCK_NSEC, v);
    }

    public static int receiveNsec(MemorySegment s) {
        return s.get(INT, RECEIVE_NSEC);
    }

    public static void receiveNsec(MemorySegment s, int v) {
        s.set(INT, RECEIVE_NSEC, v);
    }
}
