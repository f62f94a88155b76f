package org.jntpd.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Fuzzes the {@code leap-seconds.list} parser ({@link LeapSecondsFile#parse}). Each input is parsed twice: as it is,
 * and with its {@code #h} line replaced by the SHA-1 of its data (else random text never gets past the hash). Any
 * text gives a file or a {@link LeapSecondsFile.FormatException}; an accepted file has entries on UTC midnights in
 * increasing order, each after the first a leap second (TAI - UTC moves by one), and written back in the file's
 * format (with its hash) parses to the same file (checked on one input in eight). Seed: IERS' leap-seconds.list (2025b).
 */
class LeapSecondsFileFuzzTest {
    private static final long DAY_S = 86_400;
    // One digest per thread for all runs (getInstance is a provider lookup per call).
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(LeapSecondsFileFuzzTest::sha1);

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest
    void leapSecondsFile(byte[] data) throws Exception {
        // The data lines and the #$ #@ #h lines fit (the seed without the comments); more is the same again.
        String text = new String(data, 0, Math.min(data.length, 1600), StandardCharsets.ISO_8859_1);
        boolean roundTrip = (Arrays.hashCode(data) & 7) == 0; // one input in eight: it triples the cost of a run
        check(text, roundTrip);
        check(withHash(text), roundTrip);
    }

    private static void check(String text, boolean roundTrip) throws Exception {
        LeapSecondsFile f;
        try {
            f = LeapSecondsFile.parse(text);
        } catch (LeapSecondsFile.FormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        List<LeapSecondsFile.Entry> entries = f.entries();
        assertFalse(entries.isEmpty());
        for (int i = 0; i < entries.size(); i++) {
            LeapSecondsFile.Entry e = entries.get(i);
            assertEquals(0, Math.floorMod(e.startUnixS(), DAY_S), "an entry starts at a UTC midnight: " + e);
            if (i > 0) {
                LeapSecondsFile.Entry before = entries.get(i - 1);
                assertTrue(e.startUnixS() > before.startUnixS(), "dates increase");
                assertEquals(1, Math.abs((long) e.taiOffsetS() - before.taiOffsetS()), "one leap second per entry: " + before + " " + e);
                if (i != 1 && i != entries.size() - 1) {
                    continue; // the lookups walk the table: the first and the last leap stand for the rest
                }
                LeapSecondsFile.Leap leap = f.nextLeapAfter(e.startUnixS() - 1);
                assertNotNull(leap);
                assertEquals(e.startUnixS(), leap.endOfDayUnixS());
                assertEquals(e.taiOffsetS() - before.taiOffsetS(), leap.direction());
                assertEquals(e.taiOffsetS(), f.taiOffsetAt(e.startUnixS()));
                assertEquals(before.taiOffsetS(), f.taiOffsetAt(e.startUnixS() - 1));
            }
        }
        if (roundTrip) {
            assertEquals(f, LeapSecondsFile.parse(written(f)), "written back in the file's format: the same file");
        }
    }

    /** The file in the IERS format, with its hash. */
    static String written(LeapSecondsFile f) throws NoSuchAlgorithmException {
        StringBuilder out = new StringBuilder("# written by LeapSecondsFileFuzzTest\n");
        out.append("#$\t").append(f.updatedUnixS() + NtpTimestamp.UNIX_EPOCH_NTP_S).append('\n');
        out.append("#@\t").append(f.expiresUnixS() + NtpTimestamp.UNIX_EPOCH_NTP_S).append('\n');
        for (LeapSecondsFile.Entry e : f.entries()) {
            out.append(e.startUnixS() + NtpTimestamp.UNIX_EPOCH_NTP_S).append('\t').append(e.taiOffsetS()).append("\t# entry\n");
        }
        return withHash(out.toString());
    }

    /**
     * The text with its {@code #h} lines replaced by the SHA-1 the format defines: over the values of the {@code #$}
     * and {@code #@} lines and the first two fields of each data line, concatenated.
     */
    static String withHash(String text) throws NoSuchAlgorithmException {
        StringBuilder hashed = new StringBuilder();
        StringBuilder out = new StringBuilder();
        for (String line : LeapSecondsFile.lines(text)) {
            if (line.startsWith("#h")) {
                continue;
            }
            out.append(line).append('\n');
            if (line.startsWith("#$") || line.startsWith("#@")) {
                hashed.append(line.substring(2).trim());
            } else if (!line.isBlank() && !line.startsWith("#")) {
                String[] f = LeapSecondsFile.fields(line.contains("#") ? line.substring(0, line.indexOf('#')) : line);
                if (f.length >= 2) {
                    hashed.append(f[0]).append(f[1]);
                }
            }
        }
        byte[] d = SHA1.get().digest(hashed.toString().getBytes(StandardCharsets.ISO_8859_1));
        String hex = HexFormat.of().formatHex(d);
        out.append("#h\t");
        for (int w = 0; w < 5; w++) {
            out.append(hex, w * 8, w * 8 + 8).append(w < 4 ? " " : "\n");
        }
        return out.toString();
    }
}
