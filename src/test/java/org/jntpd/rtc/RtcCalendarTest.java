package org.jntpd.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Expected values from GNU date ({@code date -u -d '2100-03-01' +%s}, {@code TZ=Europe/Berlin date -d @...}). */
class RtcCalendarTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static long unix(int year, int month, int day, int h, int m, int s, ZoneId zone) {
        return RtcCalendar.toUnixSeconds(new RtcTime().set(year - 1900, month - 1, day, h, m, s), zone);
    }

    @Test
    void shouldConvertAcrossMonthYearAndLeapYearBoundaries() {
        assertEquals(0, unix(1970, 1, 1, 0, 0, 0, null));
        assertEquals(946_684_799L, unix(1999, 12, 31, 23, 59, 59, null));
        assertEquals(946_684_800L, unix(2000, 1, 1, 0, 0, 0, ZoneOffset.UTC));
        assertEquals(951_825_600L, unix(2000, 2, 29, 12, 0, 0, null), "2000 is a leap year (divisible by 400)");
        assertEquals(1_709_251_199L, unix(2024, 2, 29, 23, 59, 59, null));
        assertEquals(1_682_899_199L, unix(2023, 4, 30, 23, 59, 59, null));
        assertEquals(1_682_899_200L, unix(2023, 5, 1, 0, 0, 0, null));
        assertEquals(4_107_542_399L, unix(2100, 2, 28, 23, 59, 59, null));
        assertEquals(4_107_542_400L, unix(2100, 3, 1, 0, 0, 0, null), "2100 is no leap year: Feb 28 is followed by Mar 1");
        assertEquals(2_147_483_648L, unix(2038, 1, 19, 3, 14, 8, null), "past the 32-bit time_t");
    }

    @Test
    void shouldFillEveryFieldBackFromUnixSeconds() {
        RtcTime t = new RtcTime();
        RtcCalendar.fromUnixSeconds(951_825_600L, null, t);
        assertEquals("2000-02-29 12:00:00", t.toString());
        assertEquals(100, t.year);
        assertEquals(1, t.mon, "tm_mon is 0-based");
        assertEquals(2, t.wday, "a Tuesday");
        assertEquals(59, t.yday, "tm_yday is 0-based");
        assertEquals(0, t.isdst);
        RtcCalendar.fromUnixSeconds(4_107_542_400L, null, t);
        assertEquals("2100-03-01 00:00:00", t.toString());
        assertEquals(59, t.yday, "no Feb 29 in 2100");
        for (long u = 946_684_700L; u < 946_684_900L; u += 7) { // across a century
            RtcCalendar.fromUnixSeconds(u, null, t);
            assertEquals(u, RtcCalendar.toUnixSeconds(t, null));
        }
    }

    @Test
    void shouldReadAnRtcKeptInLocalTime() {
        assertEquals(1_719_792_000L, unix(2024, 7, 1, 2, 0, 0, BERLIN), "CEST is UTC+2");
        // 02:30 happened twice on 2024-10-27: read as the later, standard-time one (chrony does the same).
        assertEquals(1_729_992_600L, unix(2024, 10, 27, 2, 30, 0, BERLIN));
        // 02:30 never happened on 2024-03-31: moved forward by the gap, to 03:30 CEST = 01:30 UTC.
        assertEquals(1_711_848_600L, unix(2024, 3, 31, 2, 30, 0, BERLIN));
        RtcTime t = new RtcTime();
        RtcCalendar.fromUnixSeconds(1_719_792_000L, BERLIN, t);
        assertEquals("2024-07-01 02:00:00", t.toString());
        assertEquals(1, t.isdst);
    }

    @Test
    void shouldNameTheFieldOfAnImpossibleReading() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> unix(2023, 4, 31, 0, 0, 0, null));
        assertEquals("RTC reads 2023-04-31 00:00:00, not a date (tm_mday 31 does not exist in that month)", e.getMessage());
        assertEquals("RTC reading has tm_mon = 12, expected 0..11",
                assertThrows(IllegalArgumentException.class, () -> unix(2023, 13, 1, 0, 0, 0, null)).getMessage());
        assertEquals("RTC reading has tm_sec = 60, expected 0..59",
                assertThrows(IllegalArgumentException.class, () -> unix(2023, 1, 1, 0, 0, 60, null)).getMessage());
    }
}
