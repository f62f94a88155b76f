package org.jntpd.platform;

/**
 * PTP hardware clock ioctl requests (linux/ptp_clock.h, as of Linux 6.1) on /dev/ptpN: capabilities and
 * system/PHC cross timestamps. The "2" variants are the strict ones (reserved fields checked). Checked by AbiTest.
 */
public final class Ptp {
    public static final int PTP_MAX_SAMPLES = 25;
    /** {@link PtpClockCaps}. */
    public static final int PTP_CLOCK_GETCAPS = 0x80503d01;
    /** {@link PtpSysOffset}: interleaved system/PHC readings. */
    public static final int PTP_SYS_OFFSET = 0x43403d05;
    /** {@link PtpSysOffsetPrecise}: a cross timestamp made by the hardware. */
    public static final int PTP_SYS_OFFSET_PRECISE = 0xc0403d08;
    /** {@link PtpSysOffsetExtended}: [system, PHC, system] triples taken around each PHC reading. */
    public static final int PTP_SYS_OFFSET_EXTENDED = 0xc4c03d09;
    public static final int PTP_CLOCK_GETCAPS2 = 0x80503d0a;
    public static final int PTP_SYS_OFFSET2 = 0x43403d0e;
    public static final int PTP_SYS_OFFSET_PRECISE2 = 0xc0403d11;
    public static final int PTP_SYS_OFFSET_EXTENDED2 = 0xc4c03d12;

    private Ptp() {
    }
}
