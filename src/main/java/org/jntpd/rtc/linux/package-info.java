/**
 * The RTC on Linux: {@link org.jntpd.rtc.linux.LinuxRtcDevice} implements {@link org.jntpd.rtc.RtcDevice} on
 * {@code /dev/rtcN} ({@code RTC_RD_TIME}, {@code RTC_SET_TIME}, update interrupts waited for with {@code poll()}),
 * {@link org.jntpd.rtc.linux.RealtimeSleeper} the setter's sleep ({@code clock_nanosleep} to an absolute
 * CLOCK_REALTIME). Both through {@link org.jntpd.platform.Libc}; open, use and close each on one thread.
 */
package org.jntpd.rtc.linux;
