package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fuzzes the NMEA path of a serial GPS: {@link NmeaAssembler} cutting a byte stream into checksum-verified sentences,
 * and {@link NmeaParser} reading their time. Each input is a serial stream; it is fed whole, in chunks of a size it
 * decides, and at 9600 baud: the same sentences come out, each {@code $...*hh} of printable bytes with a right
 * checksum, at most {@link NmeaAssembler#MAX_SENTENCE} long, its first byte no later than its end. Every line of the
 * input is also given a right checksum and parsed directly (random text never has one). A sentence read as RMC, GGA
 * or ZDA has a time of day within the day (a leap second's 60 included), a GGA's date within 12 h of the system clock,
 * and written back as a ZDA sentence it reads as the same instant. Seeds: sentences of u-blox and SiRF receivers.
 */
class NmeaFuzzTest {
    private static final long NS_PER_S = 1_000_000_000L;
    private static final long NS_PER_DAY = 86_400 * NS_PER_S;
    private static final long NOW_NS = 1_767_268_800L * NS_PER_S; // 2026-01-01T12:00:00Z
    private final NmeaParser parser = new NmeaParser();

    @FuzzTest
    void serialStream(byte[] data) {
        List<String> whole = sentences(data, data.length, 0);
        int chunk = 1 + (data.length == 0 ? 0 : (data[data.length - 1] & 0x0F));
        assertEquals(whole, sentences(data, chunk, 0), "chunks of " + chunk + " give the same sentences");
        assertEquals(whole, sentences(data, chunk, 9600), "byte timing does not change the sentences");

        String text = new String(data, StandardCharsets.ISO_8859_1);
        for (String line : text.split("[\r\n]+")) {
            String body = line.startsWith("$") ? line.substring(1) : line;
            int star = body.lastIndexOf('*');
            if (star >= 0) {
                body = body.substring(0, star);
            }
            String sentence = withChecksum(body);
            // what the assembler can deliver: printable bytes, no second '$', within the length limit
            if (sentence.length() <= NmeaAssembler.MAX_SENTENCE && body.chars().allMatch(c -> c >= 0x20 && c <= 0x7e && c != '$')) {
                byte[] b = sentence.getBytes(StandardCharsets.ISO_8859_1);
                parse(b, b.length);
            }
        }
    }

    /** The sentences the assembler delivers for {@code data} read {@code chunk} bytes at a time. */
    private List<String> sentences(byte[] data, int chunk, int baud) {
        List<String> out = new ArrayList<>();
        long[] lastEnd = {Long.MIN_VALUE};
        NmeaAssembler assembler = new NmeaAssembler(baud, (sentence, length, firstByteNs, endNs, nowNs) -> {
            assertTrue(length >= 4 && length <= NmeaAssembler.MAX_SENTENCE, "length " + length);
            assertEquals('$', sentence[0]);
            assertEquals('*', sentence[length - 3]);
            int sum = 0;
            for (int i = 1; i < length - 3; i++) {
                assertTrue(sentence[i] >= 0x20 && sentence[i] <= 0x7e, "printable");
                sum ^= sentence[i];
            }
            assertEquals(sum, Integer.parseInt(new String(sentence, length - 2, 2, StandardCharsets.US_ASCII), 16), "checksum");
            assertTrue(firstByteNs <= endNs && endNs <= nowNs, "first byte, end, read: in order");
            assertTrue(endNs >= lastEnd[0], "sentences in order");
            lastEnd[0] = endNs;
            out.add(new String(sentence, 0, length, StandardCharsets.US_ASCII));
            parse(sentence, length);
        });
        MemorySegment segment = MemorySegment.ofArray(data);
        long readNs = NOW_NS;
        for (int at = 0; at < data.length; at += chunk) {
            readNs += NS_PER_S / 10;
            assembler.accept(segment, at, Math.min(chunk, data.length - at), readNs);
        }
        assertTrue(assembler.sentences() == out.size());
        return out;
    }

    private void parse(byte[] sentence, int length) {
        NmeaParser.Kind kind = parser.parse(sentence, length, NOW_NS);
        assertEquals(kind, parser.kind());
        if (kind != NmeaParser.Kind.RMC && kind != NmeaParser.Kind.GGA && kind != NmeaParser.Kind.ZDA) {
            assertTrue(!parser.valid(), "only a time read can be valid");
            return;
        }
        long timeOfDayNs = parser.timeOfDayNs();
        long referenceNs = parser.referenceTimeNs();
        assertTrue(timeOfDayNs >= 0 && timeOfDayNs < NS_PER_DAY + NS_PER_S, "time of day " + timeOfDayNs);
        assertEquals(0, Math.floorMod(referenceNs - timeOfDayNs, NS_PER_DAY), "the time is the time of day of some date");
        if (kind == NmeaParser.Kind.GGA) {
            assertTrue(Math.abs(referenceNs - NOW_NS) <= NS_PER_DAY / 2 + NS_PER_S, "a GGA's date is the one nearest now");
        }
        // Written back as ZDA (date of the day, the same time of day), it reads as the same instant.
        long day = Math.floorDiv(referenceNs - timeOfDayNs, NS_PER_DAY);
        java.time.LocalDate date = java.time.LocalDate.ofEpochDay(day);
        if (date.getYear() < 0 || date.getYear() > 9999) {
            return;
        }
        long s = timeOfDayNs / NS_PER_S;
        long hh = Math.min(s / 3600, 23);
        long mm = Math.min((s - hh * 3600) / 60, 59);
        long ss = s - hh * 3600 - mm * 60;
        String zda = withChecksum(String.format(Locale.ROOT, "GPZDA,%02d%02d%02d.%09d,%02d,%02d,%04d,00,00", hh, mm, ss,
                timeOfDayNs % NS_PER_S, date.getDayOfMonth(), date.getMonthValue(), date.getYear()));
        byte[] b = zda.getBytes(StandardCharsets.US_ASCII);
        NmeaParser again = new NmeaParser();
        assertEquals(NmeaParser.Kind.ZDA, again.parse(b, b.length, NOW_NS), zda);
        assertEquals(referenceNs, again.referenceTimeNs(), zda);
        assertEquals(timeOfDayNs, again.timeOfDayNs(), zda);
    }

    static String withChecksum(String body) {
        int sum = 0;
        for (int i = 0; i < body.length(); i++) {
            sum ^= body.charAt(i) & 0xFF;
        }
        return String.format(Locale.ROOT, "$%s*%02X", body, sum);
    }
}
