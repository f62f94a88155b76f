package org.jntpd.platform;

/** RTC ioctl requests (linux/rtc.h) on /dev/rtcN; {@link RtcTime} is the time argument. Checked by AbiTest. */
public final class Rtc {
    public static final int RTC_AIE_ON = 0x7001;
    public static final int RTC_AIE_OFF = 0x7002;
    /** Update interrupt on: a read() then blocks until the next second boundary of the RTC. */
    public static final int RTC_UIE_ON = 0x7003;
    public static final int RTC_UIE_OFF = 0x7004;
    public static final int RTC_PIE_ON = 0x7005;
    public static final int RTC_PIE_OFF = 0x7006;
    public static final int RTC_ALM_SET = 0x40247007;
    public static final int RTC_ALM_READ = 0x80247008;
    public static final int RTC_RD_TIME = 0x80247009;
    public static final int RTC_SET_TIME = 0x4024700a;
    public static final int RTC_IRQP_READ = 0x8008700b;
    public static final int RTC_IRQP_SET = 0x4008700c;
    public static final int RTC_EPOCH_READ = 0x8008700d;
    public static final int RTC_EPOCH_SET = 0x4008700e;
    public static final int RTC_WKALM_SET = 0x4028700f;
    public static final int RTC_WKALM_RD = 0x80287010;
    public static final int RTC_VL_READ = 0x80047013;
    public static final int RTC_VL_CLR = 0x7014;
    public static final int RTC_PARAM_GET = 0x40187013;
    public static final int RTC_PARAM_SET = 0x40187014;

    private Rtc() {
    }
}
