package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class LeapSecondsTest {
    private static final long S = 1_000_000_000L;

    @Test
    void shouldKnowTheLastDaysOfJuneAndDecemberAcrossCenturies() {
        for (LocalDate d = LocalDate.of(1899, 1, 1); d.isBefore(LocalDate.of(2101, 1, 1)); d = d.plusDays(1)) {
            boolean expected = d.getMonthValue() == 6 && d.getDayOfMonth() == 30
                    || d.getMonthValue() == 12 && d.getDayOfMonth() == 31;
            assertEquals(expected, LeapSeconds.isJuneOrDecemberEnd(d.toEpochDay()), d.toString());
        }
    }

    @Test
    void shouldAnnounceAFileEntryDuringTheDayItEnds() {
        LeapSeconds l = new LeapSeconds();
        l.add(1_483_228_800L, 1); // 2017-01-01T00:00:00Z: 2016-12-31T23:59:60 inserted
        assertEquals(1, l.dueToday((1_483_228_800L - 1) * S, 0));
        assertEquals(1, l.dueToday((1_483_228_800L - 86_400) * S, 0));
        assertEquals(0, l.dueToday((1_483_228_800L - 86_401) * S, 0), "not the day before");
        assertEquals(0, l.dueToday(1_483_228_800L * S, 0), "nor after");
        l.add(1_483_228_800L, -1);
        assertEquals(2, l.dueToday((1_483_228_800L - 1) * S, 0), "replaced by a deletion");
    }

    @Test
    void shouldHonourAVoteOnlyOnLeapSecondDays() {
        LeapSeconds l = new LeapSeconds();
        long june30 = LocalDate.of(2026, 6, 30).toEpochDay() * 86_400 * S;
        assertEquals(1, l.dueToday(june30 + 3_600 * S, 1));
        assertEquals(2, l.dueToday(june30 + 3_600 * S, 2));
        assertEquals(0, l.dueToday(june30 + 86_400 * S, 1), "July 1");
    }

    @Test
    void shouldRejectLeapSecondsThatAreNotAtMidnight() {
        LeapSeconds l = new LeapSeconds();
        assertThrows(IllegalArgumentException.class, () -> l.add(1_483_228_801L, 1));
        assertThrows(IllegalArgumentException.class, () -> l.add(1_483_228_800L, 2));
    }
}
