/**
 * The hardware clock (RTC): reading it against the system clock at its second boundary
 * ({@link org.jntpd.rtc.RtcReader}), setting it aligned to the system clock's seconds ({@link org.jntpd.rtc.RtcSetter}),
 * tracking its offset and drift ({@link org.jntpd.rtc.RtcTracker}, chrony's {@code rtc_linux.c}), the chrony-format
 * {@code rtcfile} ({@link org.jntpd.rtc.RtcFile}), and the decision to set the system clock from it at start
 * ({@link org.jntpd.rtc.RtcStartup}). Pure: the device is {@link org.jntpd.rtc.RtcDevice} ({@code RTC_RD_TIME},
 * {@code RTC_SET_TIME}, {@code RTC_UIE_ON/OFF}, blocking {@code read()}), the system clock a {@code LongSupplier}
 * of CLOCK_REALTIME ns and sleeping an {@link org.jntpd.rtc.RtcSetter.Sleeper}, all implemented by the platform layer.
 */
package org.jntpd.rtc;
