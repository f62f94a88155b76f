package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jntpd.clock.ClockInterferenceListener;
import org.jntpd.config.ConfigParser;
import org.jntpd.control.DaemonStatus;
import org.jntpd.time.LeapFiles;
import org.jntpd.time.LeapSecondsFile;
import org.jntpd.time.NtpTimestamp;
import org.junit.jupiter.api.Test;

class OperatorWarningsTest {
    private static final long S = 1_000_000_000L;
    private static final long DAY_S = 86_400;
    /** 2026-12-07T00:00:00Z. */
    private static final long NOW_S = 1_796_601_600L;

    private static LeapSecondsFile leapFileExpiringAt(long expiresUnixS) throws Exception {
        return LeapSecondsFile.parse(LeapFiles.rehash(LeapFiles.tzdata2025b().replaceFirst("(?m)^#@\\s+\\d+",
                "#@\t" + (expiresUnixS + NtpTimestamp.UNIX_EPOCH_NTP_S))));
    }

    @Test
    void shouldWarnOfALeapFileTenDaysFromExpiryAndOnceExpiredButNotAMonthAhead() throws Exception {
        LeapSecondsFile f = leapFileExpiringAt(NOW_S + 10 * DAY_S);
        assertEquals("leap second file L expires on 2026-12-17T00:00:00Z, in 10.0 days",
                OperatorWarnings.expiryText("leap second file L", f.expiresUnixS(), NOW_S));
        assertNull(OperatorWarnings.expiryText("leap second file L", f.expiresUnixS(), NOW_S - 21 * DAY_S),
                "31 days ahead: nothing yet");
        assertEquals("leap second file L expires on 2026-12-17T00:00:00Z, in 30.0 days",
                OperatorWarnings.expiryText("leap second file L", f.expiresUnixS(), NOW_S - 20 * DAY_S + 1), "a second inside the 30 days");
        assertEquals("leap second file L expired on 2026-12-17T00:00:00Z, 3.0 days ago",
                OperatorWarnings.expiryText("leap second file L", f.expiresUnixS(), NOW_S + 13 * DAY_S));
        assertNull(OperatorWarnings.expiryText("certificate", Long.MAX_VALUE, NOW_S), "no certificate loaded");
    }

    @Test
    void shouldListAWatchedExpiryAndFollowItsDateAtMostOnceAMinute() throws Exception {
        OperatorWarnings w = new OperatorWarnings();
        long[] expires = {leapFileExpiringAt(NOW_S + 10 * DAY_S).expiresUnixS()};
        w.watchExpiry("leapfile", "leap second file /x", "update it", () -> expires[0], false);
        long nowNs = NOW_S * S;
        w.checkExpiries(nowNs);
        assertEquals(List.of("leap second file /x expires on 2026-12-17T00:00:00Z, in 10.0 days: update it"),
                w.list(nowNs));
        expires[0] = NOW_S + 400 * DAY_S; // replaced by a fresh file
        w.checkExpiries(nowNs + 30 * S);
        assertEquals(1, w.list(nowNs + 30 * S).size(), "checked at most once a minute");
        w.checkExpiries(nowNs + 61 * S);
        assertEquals(List.of(), w.list(nowNs + 61 * S), "a fresh file: nothing to say");

        // A reload: another file watched under the same key replaces the first, and is looked at at once.
        w.watchExpiry("leapfile", "leap second file /y", "update it", () -> NOW_S - DAY_S, false);
        w.checkExpiries(nowNs + 62 * S);
        assertEquals(List.of("leap second file /y expired on 2026-12-06T00:00:00Z, 1.0 days ago: update it"),
                w.list(nowNs + 62 * S));
        w.unwatchExpiry("leapfile"); // the reload removed the leapfile line
        w.checkExpiries(nowNs + 63 * S);
        assertEquals(List.of(), w.list(nowNs + 63 * S));
    }

    @Test
    void shouldListAnEventForADayAndAConditionUntilCleared() {
        OperatorWarnings w = new OperatorWarnings();
        long nowNs = NOW_S * S;
        w.raise("timescale:tai.example", "source tai.example is 37.000 s ahead", nowNs);
        w.raise("timescale:tai.example", "source tai.example is 37.000 s ahead", nowNs + S); // still holds: once
        w.event("clock:step", "system clock stepped by another process: +2.000 s at 2026-12-07T00:00:00Z", nowNs);
        assertEquals(List.of("source tai.example is 37.000 s ahead",
                "system clock stepped by another process: +2.000 s at 2026-12-07T00:00:00Z"), w.list(nowNs + 3_600 * S));
        assertEquals(List.of("source tai.example is 37.000 s ahead"), w.list(nowNs + (DAY_S + 1) * S), "the event's day is over");
        w.clear("timescale:tai.example");
        assertEquals(List.of(), w.list(nowNs + (DAY_S + 2) * S));
    }

    @Test
    void shouldShowWarningsInTheStatusSnapshot() {
        DaemonStatus none = DaemonStatus.EMPTY;
        DaemonStatus some = new DaemonStatus(0, none.tracking(), List.of(), none.activity(), List.of("a", "b"));
        assertEquals(List.of("a", "b"), some.warnings());
        // jntpc warnings: the control reply's "warnings" (docs/CONTROL.md), empty when all is well
        for (DaemonStatus s : List.of(none, some)) {
            org.jntpd.control.ControlCommands c = new org.jntpd.control.ControlCommands(
                    new org.jntpd.control.ControlCommands.Sources(() -> s, () -> null, () -> "", () -> null, null, "t"));
            assertEquals(java.util.Map.of("warnings", s.warnings()), c.get("warnings").handler().run(List.of()));
        }
    }

    @Test
    void shouldReadEnableSmearexclude() throws Exception {
        assertEquals(Boolean.TRUE, ConfigParser.parse("t.conf", "enable smearexclude\n", null).systemFlags().get("smearexclude"));
        assertEquals(Boolean.FALSE, ConfigParser.parse("t.conf", "disable smearexclude\n", null).systemFlags().get("smearexclude"));
        assertNull(ConfigParser.parse("t.conf", "server 127.0.0.1\n", null).systemFlags().get("smearexclude"), "off by default");
    }

    @Test
    void shouldNameAnotherProcesssChangesOfTheClock() {
        List<String> warnings = new ArrayList<>();
        int[] resyncs = {0};
        long[] stepped = {0};
        ClockInterferenceListener l = DaemonClock.interferenceListener(() -> resyncs[0]++, ns -> stepped[0] = ns,
                (key, text) -> warnings.add(key + " " + text));
        l.frequencyChanged(-50, 100);
        l.clockStepped(2_000_000_000L);
        l.statusChanged(0x0040, 0x0041);
        assertEquals(3, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).matches("clock:frequency kernel frequency changed from -50\\.000 to 100\\.000 ppm by "
                + "another process \\(another NTP client\\?\\) at \\S+Z"), warnings::toString);
        assertTrue(warnings.get(1).matches("clock:step system clock stepped by another process: \\+2\\.000 s at \\S+Z"),
                warnings::toString);
        assertTrue(warnings.get(2).startsWith("clock:status kernel clock status changed from 0x0040 to 0x0041 by another "
                + "process"), warnings::toString);
        assertEquals(2, resyncs[0], "a frequency change and a step re-synchronise");
        assertEquals(2_000_000_000L, stepped[0]);
    }
}
