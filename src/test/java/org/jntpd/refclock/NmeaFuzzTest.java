package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
    private static final int MAX_INPUT = 1024;
    private final NmeaParser parser = new NmeaParser();
    private final NmeaParser again = new NmeaParser();
    private final StringBuilder zda = new StringBuilder();

    @FuzzTest
    void serialStream(byte[] input) {
        // 1 KB holds eight sentences of the longest kind: more is the same again, at a cost per byte.
        byte[] data = input.length <= MAX_INPUT ? input : Arrays.copyOf(input, MAX_INPUT);
        int length = data.length;
        List<String> whole = sentences(data, data.length, 0);
        int chunk = 1 + (data.length == 0 ? 0 : (data[data.length - 1] & 0x0F));
        assertEquals(whole, sentences(data, chunk, 0), "chunks of " + chunk + " give the same sentences");
        assertEquals(whole, sentences(data, chunk, 9600), "byte timing does not change the sentences");

        // Every line (between CR/LF runs) with a right checksum; no regular expression, String.format or stream per
        // run: under Jazzer's hooks they cost more than the code under test (bench/README.md, "Fuzzing").
        for (int start = 0, end; start < length; start = end + 1) {
            end = start;
            while (end < length && data[end] != '\r' && data[end] != '\n') {
                end++;
            }
            int from = start < end && data[start] == '$' ? start + 1 : start;
            int to = end;
            for (int i = end - 1; i >= from; i--) {
                if (data[i] == '*') {
                    to = i;
                    break;
                }
            }
            // what the assembler can deliver: printable bytes, no second '$', within the length limit
            boolean deliverable = to - from + 4 <= NmeaAssembler.MAX_SENTENCE;
            for (int i = from; i < to && deliverable; i++) {
                deliverable = data[i] >= 0x20 && data[i] <= 0x7e && data[i] != '$';
            }
            if (start < end && deliverable) {
                byte[] b = withChecksum(data, from, to);
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
        zda.setLength(0);
        zda.append("GPZDA,");
        digits(zda, hh, 2);
        digits(zda, mm, 2);
        digits(zda, ss, 2);
        digits(zda.append('.'), timeOfDayNs % NS_PER_S, 9);
        digits(zda.append(','), date.getDayOfMonth(), 2);
        digits(zda.append(','), date.getMonthValue(), 2);
        digits(zda.append(','), date.getYear(), 4);
        zda.append(",00,00");
        byte[] b = withChecksum(zda.toString().getBytes(StandardCharsets.US_ASCII), 0, zda.length());
        assertEquals(NmeaParser.Kind.ZDA, again.parse(b, b.length, NOW_NS), zda::toString);
        assertEquals(referenceNs, again.referenceTimeNs(), zda::toString);
        assertEquals(timeOfDayNs, again.timeOfDayNs(), zda::toString);
    }

    /** {@code $body*hh} for the bytes of {@code body[from, to)}. */
    static byte[] withChecksum(byte[] body, int from, int to) {
        byte[] out = new byte[to - from + 4];
        out[0] = '$';
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum ^= body[i] & 0xFF;
            out[1 + i - from] = body[i];
        }
        out[out.length - 3] = '*';
        out[out.length - 2] = (byte) HEX[sum >>> 4];
        out[out.length - 1] = (byte) HEX[sum & 0xF];
        return out;
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** {@code value} (not negative) in {@code width} digits with leading zeros, as %0{width}d. */
    private static void digits(StringBuilder out, long value, int width) {
        String v = Long.toString(value);
        for (int i = v.length(); i < width; i++) {
            out.append('0');
        }
        out.append(v);
    }
}
