package org.jntpd.platform;

/**
 * PPS API (linux/pps.h, RFC 2783) ioctl requests on /dev/ppsN and mode bits. The size field of the ioctl numbers
 * is 8 because the header encodes pointer types. Checked against the headers by AbiTest.
 */
public final class Pps {
    public static final int PPS_GETPARAMS = 0x800870a1;
    public static final int PPS_SETPARAMS = 0x400870a2;
    public static final int PPS_GETCAP = 0x800870a3;
    public static final int PPS_FETCH = 0xc00870a4;
    public static final int PPS_KC_BIND = 0x400870a5;

    public static final int PPS_API_VERS_1 = 1;
    public static final int PPS_API_VERS = PPS_API_VERS_1;
    public static final int PPS_MAX_NAME_LEN = 32;
    /** pps_ktime.flags: the timeout is infinite. */
    public static final int PPS_TIME_INVALID = 1;

    public static final int PPS_CAPTUREASSERT = 0x01;
    public static final int PPS_CAPTURECLEAR = 0x02;
    public static final int PPS_CAPTUREBOTH = 0x03;
    public static final int PPS_OFFSETASSERT = 0x10;
    public static final int PPS_OFFSETCLEAR = 0x20;
    public static final int PPS_ECHOASSERT = 0x40;
    public static final int PPS_ECHOCLEAR = 0x80;
    public static final int PPS_CANWAIT = 0x100;
    public static final int PPS_CANPOLL = 0x200;
    public static final int PPS_TSFMT_TSPEC = 0x1000;
    public static final int PPS_TSFMT_NTPFP = 0x2000;

    // pps_bind_args.consumer.
    public static final int PPS_KC_HARDPPS = 0;
    public static final int PPS_KC_HARDPPS_PLL = 1;
    public static final int PPS_KC_HARDPPS_FLL = 2;

    private Pps() {
    }
}
