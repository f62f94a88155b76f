package org.jntpd.time;

import static org.jntpd.time.Units.S_PER_DAY;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The IERS/NIST {@code leap-seconds.list} file: the TAI-UTC offset from each date on, when the file was updated
 * ({@code #$}), when it expires ({@code #@}), and its SHA-1 over the data ({@code #h}).
 *
 * <p>The hash covers the digits of the {@code #$} and {@code #@} values and of the first two fields of each data line,
 * concatenated; a file whose hash does not match is refused. Times in the file are NTP seconds (era 0); they are
 * exposed as Unix seconds.
 *
 * @param updatedUnixS the {@code #$} time
 * @param expiresUnixS the {@code #@} time: after it the file says nothing about coming leap seconds
 * @param entries      in file order: from {@code startUnixS} on, TAI - UTC = {@code taiOffsetS}
 */
public record LeapSecondsFile(long updatedUnixS, long expiresUnixS, List<Entry> entries) {
    /** From {@code startUnixS} (a UTC midnight) on, TAI - UTC is {@code taiOffsetS}. */
    public record Entry(long startUnixS, int taiOffsetS) {}

    /** A leap second: inserted (+1) or deleted (-1) in the last minute of the UTC day ending at {@code endOfDayUnixS}. */
    public record Leap(long endOfDayUnixS, int direction, int taiOffsetAfterS) {}

    /** A file that cannot be used, with the line (0 when the whole file is at fault) and the reason. */
    public static final class FormatException extends Exception {
        private static final long serialVersionUID = 1L;

        public FormatException(int line, String message) {
            super(line > 0 ? "line " + line + ": " + message : message);
        }
    }

    /**
     * Parses and verifies a file's text: besides the hash, each entry must start at a UTC midnight, and each after the
     * first must be one leap second (TAI - UTC one more or one less): the leap second table takes nothing else.
     */
    public static LeapSecondsFile parse(String text) throws FormatException {
        long updated = -1;
        long expires = -1;
        int[] hash = null;
        List<Entry> entries = new ArrayList<>();
        List<Integer> entryLines = new ArrayList<>();
        StringBuilder hashed = new StringBuilder();
        List<String> lines = lines(text);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int lineNo = i + 1;
            if (line.startsWith("#$")) {
                updated = ntpSeconds(line.substring(2).trim(), lineNo, "#$ (last update)");
                hashed.append(line.substring(2).trim());
            } else if (line.startsWith("#@")) {
                expires = ntpSeconds(line.substring(2).trim(), lineNo, "#@ (expiry)");
                hashed.append(line.substring(2).trim());
            } else if (line.startsWith("#h")) {
                hash = hashWords(line.substring(2).trim(), lineNo);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                String data = line.contains("#") ? line.substring(0, line.indexOf('#')) : line;
                String[] f = fields(data);
                if (f.length < 2) {
                    throw new FormatException(lineNo, "expected NTP seconds and the TAI offset, got '" + line.trim() + "'");
                }
                long start = ntpSeconds(f[0], lineNo, "a date");
                int tai;
                try {
                    tai = Integer.parseInt(f[1]);
                } catch (NumberFormatException e) {
                    throw new FormatException(lineNo, "expected the TAI offset in seconds, got '" + f[1] + "'");
                }
                if (!entries.isEmpty() && start <= entries.getLast().startUnixS()) {
                    throw new FormatException(lineNo, "dates must increase");
                }
                entries.add(new Entry(start, tai));
                entryLines.add(lineNo);
                hashed.append(f[0]).append(f[1]);
            }
        }
        if (updated < 0 || expires < 0) {
            throw new FormatException(0, "missing the #$ (update) or #@ (expiry) line");
        }
        if (hash == null) {
            throw new FormatException(0, "missing the #h (SHA-1) line");
        }
        if (entries.isEmpty()) {
            throw new FormatException(0, "no leap second entries");
        }
        int[] actual = sha1Words(hashed.toString());
        for (int w = 0; w < 5; w++) {
            if (actual[w] != hash[w]) {
                throw new FormatException(0, "the SHA-1 of the data does not match the #h line (damaged or edited file)");
            }
        }
        // After the hash, so a damaged file is called damaged. A leap second ends a UTC day and changes TAI-UTC by one
        // second: a file whose hash is right and says otherwise was crafted, and is refused here rather than handed to
        // the discipline.
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (Math.floorMod(e.startUnixS(), S_PER_DAY) != 0) {
                throw new FormatException(entryLines.get(i), "date " + (e.startUnixS() + NtpTimestamp.UNIX_EPOCH_NTP_S)
                        + " is not a UTC midnight");
            }
            if (i > 0 && Math.abs((long) e.taiOffsetS() - entries.get(i - 1).taiOffsetS()) != 1) {
                throw new FormatException(entryLines.get(i), "TAI-UTC changes by " + (e.taiOffsetS()
                        - entries.get(i - 1).taiOffsetS()) + " s (a leap second changes it by 1 s)");
            }
        }
        return new LeapSecondsFile(updated, expires, List.copyOf(entries));
    }

    /**
     * The lines of the text, split at LF or CR LF (what {@code split("\\r?\\n")} gives, without a regular expression:
     * this runs on every line of a file that may be large or hostile).
     */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
            out.add(text.substring(start, i > start && text.charAt(i - 1) == '\r' ? i - 1 : i));
            start = i + 1;
        }
        out.add(text.substring(start));
        while (out.size() > 1 && out.getLast().isEmpty()) {
            out.removeLast(); // as split: no trailing empty lines
        }
        return out;
    }

    /** The words of {@code s.trim()} between runs of {@code \\s} (space, tab, LF, VT, FF, CR), as {@code split("\\s+")}. */
    static String[] fields(String s) {
        String t = s.trim();
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < t.length()) {
            int start = i;
            while (i < t.length() && !isSpace(t.charAt(i))) {
                i++;
            }
            out.add(t.substring(start, i));
            while (i < t.length() && isSpace(t.charAt(i))) {
                i++;
            }
        }
        return out.isEmpty() ? new String[] {""} : out.toArray(new String[0]);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static long ntpSeconds(String s, int line, String what) throws FormatException {
        try {
            long v = Long.parseLong(s);
            if (v >= 0 && v < NtpTimestamp.ERA_S) {
                return v - NtpTimestamp.UNIX_EPOCH_NTP_S;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new FormatException(line, "expected " + what + " as NTP seconds, got '" + s + "'");
    }

    private static int[] hashWords(String s, int line) throws FormatException {
        String[] w = fields(s);
        if (w.length != 5) {
            throw new FormatException(line, "expected five hexadecimal words after #h");
        }
        int[] out = new int[5];
        for (int i = 0; i < 5; i++) {
            try {
                out[i] = (int) Long.parseLong(w[i], 16);
            } catch (NumberFormatException e) {
                throw new FormatException(line, "expected a hexadecimal word, got '" + w[i] + "'");
            }
        }
        return out;
    }

    private static int[] sha1Words(String digits) {
        byte[] d;
        try {
            d = MessageDigest.getInstance("SHA-1").digest(digits.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
        int[] out = new int[5];
        for (int i = 0; i < 20; i++) {
            out[i / 4] = out[i / 4] << 8 | d[i] & 0xFF;
        }
        return out;
    }

    /** Whether the file has expired at {@code unixS}: its data still holds for the past, but not for coming leaps. */
    public boolean expiredAt(long unixS) {
        return unixS >= expiresUnixS;
    }

    /** TAI - UTC at {@code unixS}, or 0 before the first entry (1972). */
    public int taiOffsetAt(long unixS) {
        int off = 0;
        for (Entry e : entries) {
            if (e.startUnixS() <= unixS) {
                off = e.taiOffsetS();
            }
        }
        return off;
    }

    /** The first leap second ending a UTC day after {@code unixS}, or null when the file knows of none. */
    public Leap nextLeapAfter(long unixS) {
        for (int i = 1; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.startUnixS() > unixS) {
                int direction = Integer.signum(e.taiOffsetS() - entries.get(i - 1).taiOffsetS());
                return direction == 0 ? null : new Leap(e.startUnixS(), direction, e.taiOffsetS());
            }
        }
        return null;
    }
}
