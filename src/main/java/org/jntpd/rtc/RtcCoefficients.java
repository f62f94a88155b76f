package org.jntpd.rtc;

/**
 * What is known about the RTC against true time: at RTC time {@code refRtcSeconds} it was {@code fastSeconds} ahead
 * of the (synchronised) system clock, and it gains {@code gainPpm} per second of its own time. chrony's {@code rtcfile}
 * holds exactly these four values.
 *
 * @param valid         whether the values were measured (chrony writes 0 when not)
 * @param refRtcSeconds the RTC reading the other values refer to, Unix seconds
 * @param fastSeconds   RTC minus system clock at that reading; negative = RTC behind
 * @param gainPpm       how fast the RTC runs, ppm of its own time; positive = it gains
 */
public record RtcCoefficients(boolean valid, long refRtcSeconds, double fastSeconds, double gainPpm) {

    /** How far the RTC is ahead of true time when it reads {@code rtcSeconds}, ns. */
    public long predictFastNs(long rtcSeconds) {
        return Math.round(fastSeconds * 1e9 + (rtcSeconds - refRtcSeconds) * gainPpm * 1e3);
    }
}
