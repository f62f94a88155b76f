package org.jntpd.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeapSecondsFileTest {
    private static String debianFile() throws IOException {
        try (InputStream in = LeapSecondsFileTest.class.getResourceAsStream("/leap-seconds-2025b.list")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static long unixS(String iso) {
        return Instant.parse(iso).getEpochSecond();
    }

    @Test
    void shouldReadAndVerifyTheTzdataFile() throws Exception {
        LeapSecondsFile f = LeapSecondsFile.parse(debianFile());
        assertEquals(28, f.entries().size());
        assertEquals(unixS("1972-01-01T00:00:00Z"), f.entries().getFirst().startUnixS());
        assertEquals(10, f.entries().getFirst().taiOffsetS());
        assertEquals(unixS("2026-06-28T00:00:00Z"), f.expiresUnixS());
        assertEquals(37, f.taiOffsetAt(unixS("2026-11-25T00:00:00Z")));
        assertEquals(36, f.taiOffsetAt(unixS("2016-12-31T23:59:59Z")));
        assertEquals(0, f.taiOffsetAt(unixS("1970-01-01T00:00:00Z")));
        assertTrue(f.expiredAt(unixS("2026-11-25T00:00:00Z")), "this copy expired in June 2026");
        assertFalse(f.expiredAt(unixS("2026-01-01T00:00:00Z")));
    }

    @Test
    void shouldFindTheNextLeapAtTheEndOfItsDay() throws Exception {
        LeapSecondsFile f = LeapSecondsFile.parse(debianFile());
        LeapSecondsFile.Leap leap = f.nextLeapAfter(unixS("2016-07-01T00:00:00Z"));
        assertEquals(unixS("2017-01-01T00:00:00Z"), leap.endOfDayUnixS());
        assertEquals(1, leap.direction());
        assertEquals(37, leap.taiOffsetAfterS());
        assertNull(f.nextLeapAfter(unixS("2017-01-01T00:00:00Z")));
    }

    @Test
    void shouldRefuseAnEntryOffAUtcMidnightWhoseLeapTheDaemonCouldNotSchedule() throws Exception {
        // A hash-consistent file with 1 Jul 2015 moved by 1 s was accepted, and the daemon's start then died in
        // LeapSeconds.add ("a leap second ends at a UTC midnight"): the file is refused instead, naming the line.
        String shifted = LeapSecondsFileFuzzTest.withHash(debianFile().replaceFirst("3644697600(\\s+)36", "3644697601$136"));
        LeapSecondsFile.FormatException e = assertThrows(LeapSecondsFile.FormatException.class, () -> LeapSecondsFile.parse(shifted));
        assertTrue(e.getMessage().matches("line \\d+: date 3644697601 is not a UTC midnight"),
                e.getMessage());
    }

    @Test
    void shouldRefuseAnEntryThatMovesTaiMinusUtcByMoreThanOneSecond() throws Exception {
        // Fuzzing found it (LeapSecondsFileFuzzTestInputs/leapSecondsFile/crash-3341e42f...): 12 s then 14 s was taken
        // as one leap second (direction +1) while TAI - UTC claimed two.
        String twoAtOnce = LeapSecondsFileFuzzTest.withHash(debianFile().replaceFirst("(?m)^2335219200\\s+13.*\\n", "")
                .replaceFirst("2366755200(\\s+)14", "2366755200$114"));
        LeapSecondsFile.FormatException e = assertThrows(LeapSecondsFile.FormatException.class, () -> LeapSecondsFile.parse(twoAtOnce));
        assertTrue(e.getMessage().matches("line \\d+: TAI-UTC changes by 2 s \\(a leap second changes it by 1 s\\)"),
                e.getMessage());
        assertEquals(28, LeapSecondsFile.parse(LeapSecondsFileFuzzTest.withHash(debianFile())).entries().size(),
                "the real file, with the hash written the same way, is fine");
    }

    @Test
    void shouldRefuseAnEditedFile() throws Exception {
        String edited = debianFile().replaceFirst("3692217600(\\s+)37", "3692217600$138");
        LeapSecondsFile.FormatException e = assertThrows(LeapSecondsFile.FormatException.class, () -> LeapSecondsFile.parse(edited));
        assertTrue(e.getMessage().contains("SHA-1"), e.getMessage());
        String noHash = debianFile().replaceAll("(?m)^#h.*$", "");
        assertEquals("missing the #h (SHA-1) line",
                assertThrows(LeapSecondsFile.FormatException.class, () -> LeapSecondsFile.parse(noHash)).getMessage());
        String badLine = debianFile().replaceFirst("3692217600", "36922x7600");
        assertTrue(assertThrows(LeapSecondsFile.FormatException.class, () -> LeapSecondsFile.parse(badLine)).getMessage()
                .matches("line \\d+: expected a date as NTP seconds, got '36922x7600'"));
    }

    @Test
    void shouldRefuseACraftedEntryThatIsNotAUtcMidnightNamingItsLine() throws Exception {
        long midnight = unixS("2030-01-01T00:00:00Z");
        // The hash is right, so only the content can be refused: before, this reached LeapSeconds.add at the start
        // and the daemon died with IllegalArgumentException.
        assertEquals(38, LeapSecondsFile.parse(LeapFiles.withEntry(midnight, 38, midnight + 86_400)).nextLeapAfter(
                midnight - 86_400).taiOffsetAfterS());
        String crafted = LeapFiles.withEntry(midnight + 1, 38, midnight + 86_400);
        LeapSecondsFile.FormatException e = assertThrows(LeapSecondsFile.FormatException.class,
                () -> LeapSecondsFile.parse(crafted));
        int line = crafted.substring(0, crafted.indexOf("# crafted")).split("\n").length;
        assertEquals("line " + line + ": date " + (midnight + 1 + NtpTimestamp.UNIX_EPOCH_NTP_S)
                + " is not a UTC midnight", e.getMessage());
        String jump = LeapFiles.withEntry(midnight, 40, midnight + 86_400);
        assertEquals("line " + line + ": TAI-UTC changes by 3 s (a leap second changes it by 1 s)",
                assertThrows(LeapSecondsFile.FormatException.class, () -> LeapSecondsFile.parse(jump)).getMessage());
    }

    /** The hand-written splitting (no regular expression per line: LeapSecondsFileFuzzTest) cuts as String.split did. */
    @Test
    void shouldSplitLinesAndFieldsAsTheRegularExpressionsDid() {
        for (String text : new String[] {"", "a", "a\n", "a\r\nb\n\n\n", "\r\n\r", "x\r\r\ny\rz", "\n\na\n \n",
                "#$\t3945196800\n2272060800\t10\t# 1 Jan 1972\r\n"}) {
            java.util.List<String> expected = java.util.List.of(text.split("\r?\n"));
            java.util.List<String> lines = LeapSecondsFile.lines(text);
            assertEquals(expected.isEmpty() ? java.util.List.of("") : expected, lines, "lines of '" + text + "'");
        }
        for (String s : new String[] {"", " ", "a", " a b ", "\u0001a\u000B\u000Bb\u001Cc \t", "2272060800\t10\t", "a\fb\rc"}) {
            assertEquals(java.util.List.of(s.trim().split("\\s+")), java.util.List.of(LeapSecondsFile.fields(s)),
                    "fields of '" + s + "'");
        }
    }
}
