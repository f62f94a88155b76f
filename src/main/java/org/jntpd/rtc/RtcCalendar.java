package org.jntpd.rtc;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneRules;

/**
 * Converts between the RTC's broken-down time and Unix seconds, for an RTC kept in UTC ({@code rtconutc}) or in local
 * time (a machine that also boots Windows). Pure: time zone rules come from the JDK's tz database.
 *
 * <p>A local time that occurs twice (the hour after clocks go back) is read as the later one, standard time, as
 * chrony's {@code t_from_rtc} does; a local time that never occurs (the hour skipped when clocks go forward) is read
 * with the offset from before the gap, that is moved forward by the gap's length.
 */
public final class RtcCalendar {
    private RtcCalendar() {}

    /**
     * The instant an RTC reading means.
     *
     * @param zone null or UTC for an RTC on UTC, else the local zone the RTC runs in
     * @throws IllegalArgumentException naming the field when the reading is no valid date (a flat RTC battery)
     */
    public static long toUnixSeconds(RtcTime t, ZoneId zone) {
        check("tm_sec", t.sec, 0, 59);
        check("tm_min", t.min, 0, 59);
        check("tm_hour", t.hour, 0, 23);
        check("tm_mon", t.mon, 0, 11);
        check("tm_year", t.year, 0, 8099);
        LocalDateTime local;
        try {
            local = LocalDateTime.of(t.year + 1900, t.mon + 1, t.mday, t.hour, t.min, t.sec);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("RTC reads " + t + ", not a date (tm_mday " + t.mday + " does not exist in "
                    + "that month)", e);
        }
        if (zone == null || zone.equals(ZoneOffset.UTC)) {
            return local.toEpochSecond(ZoneOffset.UTC);
        }
        return ZonedDateTime.ofLocal(local, zone, null).withLaterOffsetAtOverlap().toEpochSecond();
    }

    /** Fills {@code out} (all nine fields) with the RTC reading for {@code unixSeconds} in {@code zone} (null = UTC). */
    public static void fromUnixSeconds(long unixSeconds, ZoneId zone, RtcTime out) {
        ZoneOffset offset;
        int dst = 0;
        if (zone == null || zone.equals(ZoneOffset.UTC)) {
            offset = ZoneOffset.UTC;
        } else {
            ZoneRules rules = zone.getRules();
            Instant instant = Instant.ofEpochSecond(unixSeconds);
            offset = rules.getOffset(instant);
            dst = rules.isDaylightSavings(instant) ? 1 : 0;
        }
        LocalDateTime local = LocalDateTime.ofEpochSecond(unixSeconds, 0, offset);
        out.set(local.getYear() - 1900, local.getMonthValue() - 1, local.getDayOfMonth(), local.getHour(),
                local.getMinute(), local.getSecond());
        out.wday = local.getDayOfWeek().getValue() % 7;
        out.yday = local.getDayOfYear() - 1;
        out.isdst = dst;
    }

    private static void check(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("RTC reading has " + field + " = " + value + ", expected " + min + ".." + max);
        }
    }
}
