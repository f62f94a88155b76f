package org.jntpd.platform;

/** POSIX clock ids (linux/time.h, bits/time.h) and the dynamic clock id of a PTP clock device. Checked by AbiTest. */
public final class Clocks {
    public static final int CLOCK_REALTIME = 0;
    public static final int CLOCK_MONOTONIC = 1;
    public static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    public static final int CLOCK_THREAD_CPUTIME_ID = 3;
    public static final int CLOCK_MONOTONIC_RAW = 4;
    public static final int CLOCK_REALTIME_COARSE = 5;
    public static final int CLOCK_MONOTONIC_COARSE = 6;
    public static final int CLOCK_BOOTTIME = 7;
    public static final int CLOCK_TAI = 11;

    /** clock_nanosleep flag: the request is an absolute time of the clock. */
    public static final int TIMER_ABSTIME = 1;

    /** The kernel's CLOCKFD tag of dynamic clocks (include/linux/posix-timers.h, not exported to user space). */
    private static final int CLOCKFD = 3;

    private Clocks() {
    }

    /** The clock id of an open PTP device (/dev/ptpN): FD_TO_CLOCKID(fd) = ((~fd) << 3) | CLOCKFD. */
    public static int phcClockId(int fd) {
        return (~fd << 3) | CLOCKFD;
    }
}
