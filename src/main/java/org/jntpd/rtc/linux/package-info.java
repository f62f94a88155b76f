/**
 * The RTC on Linux: {@link org.jntpd.rtc.linux.LinuxRtcDevice} implements {@link org.jntpd.rtc.RtcDevice} on
 * {@code /dev/rtcN} ({@code RTC_RD_TIME}, {@code RTC_SET_TIME}, update interrupts waited for with {@code poll()}),
 * {@link org.jntpd.rtc.linux.RealtimeSleeper} the setter's sleep ({@code clock_nanosleep} to an absolute
 * CLOCK_REALTIME). Both through {@link org.jntpd.platform.Libc}; open, use and close each on one thread.
 * {@link org.jntpd.rtc.linux.RtcService} is the daemon's RTC: it reads the {@code rtc*} directives, opens the device and
 * runs {@link org.jntpd.rtc.RtcKeeper} on its own thread {@code jntpd-rtc} (reading at a second boundary blocks).
 *
 * <p>May use: {@code time}, {@code config}, {@code platform}, {@code base}, {@code clock}, {@code rtc}. Must not:
 * hold the policy (the keeper does), or block a serving or sync thread.
 */
package org.jntpd.rtc.linux;
