package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jntpd.refclock.NmeaParser.Kind;
import org.junit.jupiter.api.Test;

class NmeaTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    /** {@code $BODY*HH} with the right checksum. */
    static String sentence(String body) {
        int sum = 0;
        for (char c : body.toCharArray()) {
            sum ^= c;
        }
        return "$" + body + String.format("*%02X", sum);
    }

    private static Kind parse(NmeaParser p, String s, long nowNs) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return p.parse(b, b.length, nowNs);
    }

    // ------------------------------------------------------------------------------------------------ parser

    @Test
    void shouldReadTheTextbookSentencesWhoseChecksumsOthersComputed() {
        // The classic examples (gpsinformation.org) with their published checksums; Unix times from GNU date.
        List<String> got = new ArrayList<>();
        NmeaAssembler a = new NmeaAssembler(0, (s, len, first, end, now) -> got.add(new String(s, 0, len, StandardCharsets.US_ASCII)));
        String text = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n"
                + "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n"
                + "$GPZDA,201530.00,04,07,2002,00,00*60\r\n";
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        a.accept(MemorySegment.ofArray(bytes), 0, bytes.length, 0);
        assertEquals(3, got.size());
        assertEquals(0, a.badChecksums());

        NmeaParser p = new NmeaParser();
        assertEquals(Kind.RMC, parse(p, got.get(0), 0));
        assertTrue(p.valid());
        assertEquals(764_426_119L * S, p.referenceTimeNs(), "1994-03-23 12:35:19 UTC");
        assertEquals(Kind.GGA, parse(p, got.get(1), 764_426_200L * S));
        assertTrue(p.valid(), "fix quality 1");
        assertEquals(764_426_119L * S, p.referenceTimeNs(), "GGA takes its date from the system clock");
        assertEquals(Kind.ZDA, parse(p, got.get(2), 0));
        assertEquals(1_025_813_730L * S, p.referenceTimeNs(), "2002-07-04 20:15:30 UTC");
    }

    @Test
    void shouldAcceptEveryTalkerAndFractionalSeconds() {
        NmeaParser p = new NmeaParser();
        assertEquals(Kind.RMC, parse(p, sentence("GNRMC,235959.250,A,,,,,,,311216,,,A"), 0));
        assertEquals(1_483_228_799L * S + 250 * MS, p.referenceTimeNs(), "2016-12-31 23:59:59.25");
        assertTrue(p.valid());
        assertEquals(Kind.ZDA, parse(p, sentence("GLZDA,235959.123456789123,31,12,2016,,"), 0));
        assertEquals(1_483_228_799L * S + 123_456_789, p.referenceTimeNs(), "digits beyond the ns are dropped");
        assertEquals(Kind.GGA, parse(p, sentence("BDGGA,120000,,,,,2,,,,,,,,"), 0));
        assertEquals(Kind.OTHER, parse(p, sentence("GPGSV,3,1,11,03,03,111,00"), 0));
        assertEquals(Kind.OTHER, parse(p, sentence("PUBX,04,073731.00,091202,113851.00"), 0), "proprietary");
        assertEquals(Kind.OTHER, parse(p, sentence("gprmc,123519,A"), 0), "lower case is no talker");
    }

    @Test
    void shouldPlaceTwoDigitYearsIn1980To2079() {
        NmeaParser p = new NmeaParser();
        parse(p, sentence("GPRMC,000000,A,,,,,,,010180,,"), 0);
        assertEquals(315_532_800L * S, p.referenceTimeNs(), "1980-01-01");
        parse(p, sentence("GPRMC,000000,A,,,,,,,311279,,"), 0);
        assertEquals(3_471_206_400L * S, p.referenceTimeNs(), "2079-12-31");
        parse(p, sentence("GPRMC,000000,A,,,,,,,290200,,"), 0);
        assertEquals(951_782_400L * S, p.referenceTimeNs(), "2000-02-29: 2000 is a leap year");
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPRMC,000000,A,,,,,,,290201,,"), 0), "2001 is not");
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPRMC,000000,A,,,,,,,311102,,"), 0), "30 days in November");
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPRMC,246000,A,,,,,,,010102,,"), 0), "hour 24");
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPRMC,12345,A,,,,,,,010102,,"), 0), "short time");
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPRMC,123456,A,,,"), 0), "no date field");
    }

    @Test
    void shouldMapALeapSecondToTheSecondUnixTimeRepeats() {
        NmeaParser p = new NmeaParser();
        parse(p, sentence("GPZDA,235960.00,31,12,2016,00,00"), 0);
        assertEquals(1_483_228_800L * S, p.referenceTimeNs(), "23:59:60 is 2017-01-01 00:00:00 in Unix time");
    }

    @Test
    void shouldRefuseAZdaDateThatUnixNanosecondsCannotHoldInsteadOfAWrappedTime() {
        // Fuzzing found it (NmeaFuzzTestInputs/serialStream/crash-fc29bf2b...): a ZDA of year 2263 or later made
        // day * 86400e9 overflow, and the sentence passed as valid with a time that wrapped to anywhere.
        NmeaParser p = new NmeaParser();
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPZDA,120000.00,01,01,9999,00,00"), 0));
        assertFalse(p.valid());
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPZDA,120000.00,11,04,2262,00,00"), 0));
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPZDA,120000.00,31,12,1969,00,00"), 0), "before 1970");
        assertEquals(Kind.ZDA, parse(p, sentence("GPZDA,120000.00,10,04,2262,00,00"), 0), "the last day that fits");
        assertEquals(9_223_243_200L * S, p.referenceTimeNs());
    }

    @Test
    void shouldNotReadAKnownSentenceWithTooFewFieldsByAnotherTypesRules() {
        // Fuzzing found it (NmeaFuzzTestInputs/serialStream/crash-0ed5960e...): an RMC of 9 fields (MALFORMED) went on
        // through GGA's branch, which took its field 6 ("W") as a fix quality and called it valid.
        NmeaParser p = new NmeaParser();
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPRMC,123519.00,A,4807.038,N,01131003.1,W,A"), 0));
        assertFalse(p.valid());
        assertEquals(Kind.MALFORMED, parse(p, sentence("GPGGA,123519,4807.038,N,01131.000,E"), 0));
        assertFalse(p.valid());
    }

    @Test
    void shouldTellValidFromInvalidFixes() {
        NmeaParser p = new NmeaParser();
        parse(p, sentence("GPRMC,123519,V,,,,,,,230394,,"), 0);
        assertFalse(p.valid(), "status V");
        parse(p, sentence("GNRMC,123519,A,,,,,,,230394,,,N"), 0);
        assertFalse(p.valid(), "NMEA 2.3 mode N: data not valid");
        parse(p, sentence("GNRMC,123519,A,,,,,,,230394,,,D"), 0);
        assertTrue(p.valid(), "differential fix");
        parse(p, sentence("GPGGA,123519,,,,,0,00,,,,,,,"), 764_426_119L * S);
        assertFalse(p.valid(), "fix quality 0");
    }

    @Test
    void shouldDateAGgaByTheNearestDayAroundMidnight() {
        NmeaParser p = new NmeaParser();
        long day = 19_000L * 86_400 * S;
        parse(p, sentence("GPGGA,000000.5,,,,,1,,,,,,,,"), day - 300 * MS); // system clock still says yesterday
        assertEquals(day + 500 * MS, p.referenceTimeNs());
        parse(p, sentence("GPGGA,235959,,,,,1,,,,,,,,"), day + 2 * S); // system clock already says today
        assertEquals(day - S, p.referenceTimeNs());
    }

    // ------------------------------------------------------------------------------------------------ assembler

    /** A sentence as it went over the line: its text, whether it should pass, and the true times of its $ and CR. */
    record Sent(String text, boolean good, long firstNs, long endNs) {}

    @Test
    void shouldCutAStreamInRandomChunksIntoSentencesWithTheirByteTimes() {
        // 9600 baud 8N1: 1.041667 ms a character. Each second: RMC, GGA, a GSV, sometimes a corrupted one, noise.
        double charNs = 1e10 / 9600;
        Random rnd = new Random(3);
        long t0 = 1_700_000_000L * S;
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<Long> arrival = new ArrayList<>(); // true arrival time of each byte (end of its stop bit)
        List<Sent> sent = new ArrayList<>();
        for (int k = 0; k < 120; k++) {
            long start = t0 + k * S + 150 * MS;
            arrival.add(null);
            int pos = 0;
            List<String> burst = new ArrayList<>(List.of(
                    sentence(String.format("GNRMC,%06d.00,A,,,,,,,141123,,,A", 221320 + k % 40)),
                    sentence("GPGGA,221320.00,,,,,1,08,,,,,,,"),
                    sentence("GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00")));
            if (k % 10 == 3) {
                String bad = sentence("GPZDA,221320.00,14,11,2023,00,00");
                burst.add(1, bad.substring(0, 10) + '9' + bad.substring(11)); // one digit garbled on the line
            }
            line.write(0x7f); // a noise byte before the burst
            arrival.set(arrival.size() - 1, Math.round(start + pos++ * charNs));
            for (String s : burst) {
                long first = Math.round(start + pos * charNs);
                byte[] b = (s + "\r\n").getBytes(StandardCharsets.US_ASCII);
                for (byte x : b) {
                    line.write(x);
                    arrival.add(Math.round(start + pos++ * charNs));
                }
                long end = arrival.get(arrival.size() - 2); // the CR
                boolean good = !(k % 10 == 3 && s == burst.get(1));
                sent.add(new Sent(s, good, first, end));
            }
            arrival.add(null);
        }
        arrival.removeIf(x -> x == null);
        byte[] bytes = line.toByteArray();
        assertEquals(bytes.length, arrival.size());

        List<Sent> got = new ArrayList<>();
        NmeaAssembler a = new NmeaAssembler(9600, (s, len, first, end, now) ->
                got.add(new Sent(new String(s, 0, len, StandardCharsets.US_ASCII), true, first, end)));
        MemorySegment seg = MemorySegment.ofArray(bytes);
        for (int off = 0; off < bytes.length; ) {
            // read() returns when the chunk's last byte is in, and a chunk never spans the idle gap between bursts
            // (the reader waits in read()): chunks of 1-40 bytes within a burst.
            int n = 1;
            int limit = 1 + rnd.nextInt(40);
            while (n < limit && off + n < bytes.length && arrival.get(off + n) - arrival.get(off + n - 1) < 2 * charNs) {
                n++;
            }
            a.accept(seg, off, n, arrival.get(off + n - 1));
            off += n;
        }
        List<Sent> expected = sent.stream().filter(Sent::good).toList();
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(expected.get(i).text(), got.get(i).text());
            long firstError = got.get(i).firstNs() - expected.get(i).firstNs();
            long endError = got.get(i).endNs() - expected.get(i).endNs();
            assertTrue(Math.abs(firstError) <= 1000, "time of the $ of " + got.get(i).text() + " off by " + firstError);
            assertTrue(Math.abs(endError) <= 1000, "time of the CR of " + got.get(i).text() + " off by " + endError);
        }
        assertEquals(12, a.badChecksums());
        assertEquals(120, a.noiseBytes());
        assertEquals(360, a.sentences());
    }

    @Test
    void shouldDropSentencesCutShortOrWithoutChecksum() {
        List<String> got = new ArrayList<>();
        NmeaAssembler a = new NmeaAssembler(0, (s, len, f, e, n) -> got.add(new String(s, 0, len, StandardCharsets.US_ASCII)));
        String ok = sentence("GPZDA,000001.00,01,01,2024,,");
        String text = "$GPRMC,1235" + ok + "\r\n" // a sentence interrupted by the next $
                + "$GPZDA,000002.00,01,01,2024,,\r\n" // no checksum
                + "$GPZDA,0000\u000103.00*00\r\n" // a control character
                + "$" + "X".repeat(200) + "\r\n" + ok + "\n";
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        a.accept(MemorySegment.ofArray(b), 0, b.length, 5);
        assertEquals(List.of(ok, ok), got);
        assertEquals(3, a.discardedSentences());
        assertEquals(1, a.missingChecksums());
    }

    // ------------------------------------------------------------------------------------------------ driver

    private static Refclock clock(long time2Ns) {
        return new Refclock(RefclockSettings.defaults("nmea", "GPS").withCorrections(0, time2Ns, 0, 1)
                .withFilter(16, 0), SystemReference.UNSYNCHRONISED);
    }

    @Test
    void shouldTimeTheFirstSentenceOfEachSecondByItsEndMinusTime2() {
        // Truth: the local clock is 7 ms behind; each RMC's CR arrives 300 ms after the second it labels.
        Refclock c = clock(300 * MS);
        NmeaDriver d = new NmeaDriver(c, NmeaDriver.Anchor.END_OF_LINE, null, 0);
        long t0 = 1_700_000_000L * S; // 2023-11-14 22:13:20
        for (int k = 0; k < 8; k++) {
            String rmc = sentence(String.format("GNRMC,2213%02d.00,A,,,,,,,141123,,,A", 20 + k));
            String gga = sentence(String.format("GNGGA,2213%02d.00,,,,,1,,,,,,,,", 20 + k));
            long end = t0 + k * S + 300 * MS - 7 * MS;
            d.onSentence(bytes(rmc), rmc.length(), end - 70 * MS, end, end + MS);
            d.onSentence(bytes(gga), gga.length(), end + 10 * MS, end + 60 * MS, end + 61 * MS);
        }
        assertEquals(8, d.serialSamples());
        assertEquals(8, d.skippedSentences(), "the GGA of a second already used");
        RefclockSample s = c.poll();
        assertEquals(7 * MS, s.offsetNs());
        assertTrue(s.dispersionNs() >= MS, "serial timing is not better than a millisecond");
    }

    @Test
    void shouldTimeByTheFirstByteWhenAsked() {
        Refclock c = clock(80 * MS);
        NmeaDriver d = new NmeaDriver(c, NmeaDriver.Anchor.FIRST_BYTE, null, 0);
        String zda = sentence("GPZDA,221320.00,14,11,2023,00,00");
        long t = 1_700_000_000L * S;
        d.onSentence(bytes(zda), zda.length(), t + 80 * MS, t + 150 * MS, t + 151 * MS);
        assertEquals(0, c.poll().offsetNs());
    }

    @Test
    void shouldUseOnlyTheSentencesTheModeAsksForAndOnlyValidOnes() {
        Refclock c = new Refclock(RefclockSettings.defaults("nmea", "GPS"), SystemReference.UNSYNCHRONISED);
        Refclock zdaOnly = new Refclock(new RefclockSettings("nmea", "GPS", 0, 4, 0, 16, 0, 0, 0, 1, null, 0, false, 1,
                2, 0, 0, NmeaDriver.MODE_ZDA, null, null, 0), SystemReference.UNSYNCHRONISED);
        NmeaDriver d = new NmeaDriver(c, NmeaDriver.Anchor.END_OF_LINE, null, 0);
        NmeaDriver z = new NmeaDriver(zdaOnly, NmeaDriver.Anchor.END_OF_LINE, null, 0);
        long t = 1_700_000_000L * S;
        String invalid = sentence("GPRMC,221320.00,V,,,,,,,141123,,");
        String rmc = sentence("GPRMC,221321.00,A,,,,,,,141123,,");
        for (NmeaDriver x : List.of(d, z)) {
            x.onSentence(bytes(invalid), invalid.length(), t, t + 100 * MS, t + 101 * MS);
            x.onSentence(bytes(rmc), rmc.length(), t + S, t + S + 100 * MS, t + S + 101 * MS);
        }
        assertEquals(1, d.invalidSentences());
        assertEquals(1, d.serialSamples());
        assertEquals(0, z.invalidSentences(), "RMC is not asked for at all");
        assertEquals(0, z.serialSamples());
    }

    @Test
    void shouldPairSentencesWithThePulseTheyLabel() {
        long t0 = 1_700_000_000L * S;
        long behind = 2_345; // the local clock is 2.345 us behind: pulses arrive at local t - 2345
        for (NmeaPpsPairer.Label label : NmeaPpsPairer.Label.values()) {
            Refclock c = clock(0);
            NmeaPpsPairer pairer = new NmeaPpsPairer(label, S);
            NmeaDriver d = new NmeaDriver(c, NmeaDriver.Anchor.END_OF_LINE, pairer, 0);
            for (int k = 0; k < 6; k++) {
                long pulse = t0 + k * S - behind;
                d.onPulse(pulse + MS, pulse);
                // PREVIOUS: the sentence of second k follows its pulse; NEXT: the sentence of second k + 1 precedes it.
                int labelled = label == NmeaPpsPairer.Label.PREVIOUS_PULSE ? k : k + 1;
                String zda = sentence(String.format("GPZDA,2213%02d.00,14,11,2023,00,00", 20 + labelled));
                long end = pulse + 400 * MS;
                d.onSentence(bytes(zda), zda.length(), end - 40 * MS, end, end + MS);
            }
            assertEquals(label == NmeaPpsPairer.Label.PREVIOUS_PULSE ? 6 : 5, d.pairedSamples(), label.name());
            assertEquals(0, d.serialSamples(), label + ": no sentence fell back to serial timing yet");
            RefclockSample s = c.poll();
            assertEquals(behind, s.offsetNs(), label.name());
        }
    }

    @Test
    void shouldFallBackToSerialTimingWhenThePulseIsMissing() {
        NmeaPpsPairer pairer = new NmeaPpsPairer(NmeaPpsPairer.Label.PREVIOUS_PULSE, S);
        long t0 = 1_700_000_000L * S;
        assertEquals(NmeaPpsPairer.Pairing.NONE, pairer.onSentence(t0, t0 + 300 * MS), "no pulse yet");
        assertFalse(pairer.onPulse(t0 + S));
        assertEquals(NmeaPpsPairer.Pairing.PAIRED, pairer.onSentence(t0 + S, t0 + S + 300 * MS));
        assertEquals(NmeaPpsPairer.Pairing.NONE, pairer.onSentence(t0 + 3 * S, t0 + 3 * S + 300 * MS), "pulse 2.3 s old");
        assertEquals(NmeaPpsPairer.Pairing.NONE, pairer.onSentence(t0 + 4 * S + 500 * MS, t0 + 4 * S + 700 * MS),
                "labels no whole second");

        // NEXT_PULSE: the sentence waits; when its pulse does not come, the driver uses its serial timing. The sentence
        // ends 0.6 s before the second it labels, so time2 is negative (as ntpd says for such receivers).
        Refclock c = clock(-600 * MS);
        NmeaDriver d = new NmeaDriver(c, NmeaDriver.Anchor.END_OF_LINE,
                new NmeaPpsPairer(NmeaPpsPairer.Label.NEXT_PULSE, S), 0);
        String zda = sentence("GPZDA,221321.00,14,11,2023,00,00"); // labels t0 + 1 s
        d.onSentence(bytes(zda), zda.length(), t0 + 360 * MS, t0 + 400 * MS, t0 + 401 * MS);
        assertEquals(0, d.serialSamples(), "waiting for the pulse");
        d.onPulse(t0 + 2 * S + MS, t0 + 2 * S); // the pulse of t0 + 1 s is lost; this one is 1.6 s after the sentence
        assertEquals(1, d.serialSamples());
        assertEquals(0, d.pairedSamples());
        assertEquals(0, c.poll().offsetNs(), "t0 + 1 s, timed at local t0 + 0.4 s + 0.6 s");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
