package org.jntpd.rtc;

/**
 * A Linux RTC character device, {@code /dev/rtcN}: what the platform layer implements with {@code RTC_RD_TIME},
 * {@code RTC_SET_TIME}, {@code RTC_UIE_ON}/{@code RTC_UIE_OFF} and a blocking {@code read()} of the interrupt count.
 * Device failures other than the ones answered below surface as the platform layer's unchecked exception.
 */
public interface RtcDevice {
    /** {@code RTC_RD_TIME}: the current reading, whole seconds. */
    void readTime(RtcTime out);

    /** {@code RTC_SET_TIME}. Where the RTC's second then begins depends on the chip; see {@link RtcSetter}. */
    void setTime(RtcTime time);

    /**
     * {@code RTC_UIE_ON} / {@code RTC_UIE_OFF}: update interrupts, one at each tick of the RTC's seconds.
     *
     * @return false when the RTC has no update interrupt (EINVAL, ENOTTY): the second boundary must then be found by
     *         reading the time repeatedly
     */
    boolean updateInterrupts(boolean on);

    /**
     * Waits for the next update interrupt ({@code poll()} then {@code read()} of the 8-byte count).
     *
     * @return false when none came within {@code timeoutNs}
     */
    boolean waitForUpdate(long timeoutNs);
}
