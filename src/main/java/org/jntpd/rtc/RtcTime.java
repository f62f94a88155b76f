package org.jntpd.rtc;

/**
 * The fields of Linux's {@code struct rtc_time} (the first nine fields of {@code struct tm}), as {@code RTC_RD_TIME}
 * fills them and {@code RTC_SET_TIME} takes them; the platform layer copies between this and the native struct
 * (nine ints, 36 bytes). Mutable and reused: one per device.
 */
public final class RtcTime {
    /** 0..59 */
    public int sec;
    /** 0..59 */
    public int min;
    /** 0..23 */
    public int hour;
    /** day of the month, 1..31 */
    public int mday;
    /** month, 0..11 */
    public int mon;
    /** years since 1900 */
    public int year;
    /** day of the week, 0 = Sunday; ignored by RTC_SET_TIME */
    public int wday;
    /** day of the year, 0..365; ignored by RTC_SET_TIME */
    public int yday;
    /** daylight saving in effect: 1, 0, or -1 for unknown; ignored by the RTC */
    public int isdst;

    /** Sets the date and time fields ({@code mon} 0-based, {@code year} since 1900). */
    public RtcTime set(int year, int mon, int mday, int hour, int min, int sec) {
        this.year = year;
        this.mon = mon;
        this.mday = mday;
        this.hour = hour;
        this.min = min;
        this.sec = sec;
        return this;
    }

    @Override
    public String toString() {
        return String.format("%04d-%02d-%02d %02d:%02d:%02d", year + 1900, mon + 1, mday, hour, min, sec);
    }
}
