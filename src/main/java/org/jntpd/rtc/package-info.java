/**
 * The hardware clock (RTC), chrony's {@code rtc_linux.c}: {@link org.jntpd.rtc.RtcKeeper} keeps it ({@code -s} at
 * start, the rtcfile, {@code rtcautotrim}) from these pieces: reading it against the system clock at its second
 * boundary ({@link org.jntpd.rtc.RtcReader}), setting it aligned to the system clock's seconds
 * ({@link org.jntpd.rtc.RtcSetter}), tracking its offset and drift ({@link org.jntpd.rtc.RtcTracker}), the
 * chrony-format {@code rtcfile} ({@link org.jntpd.rtc.RtcFile}), and the decision to set the system clock from it at
 * start ({@link org.jntpd.rtc.RtcStartup}). Pure: the device is {@link org.jntpd.rtc.RtcDevice} ({@code RTC_RD_TIME},
 * {@code RTC_SET_TIME}, {@code RTC_UIE_ON/OFF}, blocking {@code read()}), the system clock a {@code LongSupplier}
 * of CLOCK_REALTIME ns and sleeping an {@link org.jntpd.rtc.RtcSetter.Sleeper}, all implemented in {@code rtc.linux};
 * what the keeper needs from the daemon comes through {@link org.jntpd.rtc.RtcKeeper.Host}.
 *
 * <p>May use: {@code time}, {@code base} (the log; the rtcfile is written through {@code AtomicFile}). Must not: open
 * the device, start threads or read the system clock itself; the one file it touches is the rtcfile.
 */
package org.jntpd.rtc;
