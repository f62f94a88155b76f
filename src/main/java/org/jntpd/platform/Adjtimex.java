package org.jntpd.platform;

/**
 * Constants of clock_adjtime/adjtimex (sys/timex.h): {@link Timex#modes} bits (ADJ_*), {@link Timex#status} bits
 * (STA_*), and the clock states it returns (TIME_*). Checked against the headers by AbiTest.
 */
public final class Adjtimex {
    public static final int ADJ_OFFSET = 0x0001;
    public static final int ADJ_FREQUENCY = 0x0002;
    public static final int ADJ_MAXERROR = 0x0004;
    public static final int ADJ_ESTERROR = 0x0008;
    public static final int ADJ_STATUS = 0x0010;
    public static final int ADJ_TIMECONST = 0x0020;
    public static final int ADJ_TAI = 0x0080;
    public static final int ADJ_SETOFFSET = 0x0100;
    public static final int ADJ_MICRO = 0x1000;
    public static final int ADJ_NANO = 0x2000;
    public static final int ADJ_TICK = 0x4000;
    public static final int ADJ_OFFSET_SINGLESHOT = 0x8001;
    public static final int ADJ_OFFSET_SS_READ = 0xa001;

    public static final int STA_PLL = 0x0001;
    public static final int STA_PPSFREQ = 0x0002;
    public static final int STA_PPSTIME = 0x0004;
    public static final int STA_FLL = 0x0008;
    public static final int STA_INS = 0x0010;
    public static final int STA_DEL = 0x0020;
    public static final int STA_UNSYNC = 0x0040;
    public static final int STA_FREQHOLD = 0x0080;
    public static final int STA_PPSSIGNAL = 0x0100;
    public static final int STA_PPSJITTER = 0x0200;
    public static final int STA_PPSWANDER = 0x0400;
    public static final int STA_PPSERROR = 0x0800;
    public static final int STA_CLOCKERR = 0x1000;
    public static final int STA_NANO = 0x2000;
    public static final int STA_MODE = 0x4000;
    public static final int STA_CLK = 0x8000;
    /** Read-only status bits. */
    public static final int STA_RONLY = STA_PPSSIGNAL | STA_PPSJITTER | STA_PPSWANDER | STA_PPSERROR | STA_CLOCKERR
            | STA_NANO | STA_MODE | STA_CLK;

    public static final int TIME_OK = 0;
    public static final int TIME_INS = 1;
    public static final int TIME_DEL = 2;
    public static final int TIME_OOP = 3;
    public static final int TIME_WAIT = 4;
    public static final int TIME_ERROR = 5;

    private Adjtimex() {
    }
}
