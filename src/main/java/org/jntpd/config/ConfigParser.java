package org.jntpd.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jntpd.base.TextFile;

/**
 * Reads the ntp.conf dialect into a {@link Config}: each line is tokenized, its directive looked up in
 * {@link Directives}' table, and its arguments read and checked as the table says. Pure: no DNS, no I/O beyond reading
 * the files named ({@code includefile}), each a regular file of at most {@value #MAX_FILE_BYTES} bytes, in UTF-8 (a
 * leading byte-order mark is skipped; bytes that are not UTF-8 are an error only outside comments).
 *
 * <p>Every error names file:line and what was expected; all errors of a file are reported together. Lines that are
 * understood but not honoured are accepted and listed in {@link Config#notices()}.
 */
public final class ConfigParser {
    /** A configuration file larger than this is refused (a runaway file, or the wrong file named). */
    static final int MAX_FILE_BYTES = 1 << 20;
    /** The main file and all it includes: at most this many files and bytes read. */
    static final int MAX_FILES = 1000;
    static final long MAX_TOTAL_BYTES = 16L << 20;

    private final List<String> errors = new ArrayList<>();
    private int filesRead;
    private long bytesRead;
    private final ConfigBuilder b = new ConfigBuilder();

    private ConfigParser() {}

    /**
     * What the parser may know of the machine it checks a configuration for: facts from outside, passed in as time
     * is to the core (the parser itself asks the system nothing).
     *
     * @param usableCpus the CPUs this process may run on (its affinity mask); null = not known, not checked
     */
    public record Machine(Set<Integer> usableCpus) {
        public static final Machine UNKNOWN = new Machine(null);
    }

    /** Parses a configuration file (and the files it includes). */
    public static Config parse(Path file) throws ConfigException {
        return parse(file, Machine.UNKNOWN);
    }

    /** Parses a configuration file (and the files it includes) for {@code machine}. */
    public static Config parse(Path file, Machine machine) throws ConfigException {
        return parse(file, () -> machine);
    }

    /**
     * Parses a configuration file (and the files it includes) for the machine {@code machine} says, asked only when
     * the configuration has {@code cpu} lines (it asks the system: the daemon's first native call, which costs the
     * JVM's foreign-function set-up, is then the clock's, after the configuration).
     */
    public static Config parse(Path file, Supplier<Machine> machine) throws ConfigException {
        ConfigParser p = new ConfigParser();
        p.parseFile(file, 0, null);
        return p.finish(machine);
    }

    /** Parses configuration text; {@code name} is used in messages, includes resolve against {@code baseDir}. */
    public static Config parse(String name, String text, Path baseDir) throws ConfigException {
        return parse(name, text, baseDir, Machine.UNKNOWN);
    }

    /** Parses configuration text for {@code machine}. */
    public static Config parse(String name, String text, Path baseDir, Machine machine) throws ConfigException {
        return parse(name, text, baseDir, () -> machine);
    }

    /** Parses configuration text for the machine {@code machine} says, asked only when it has {@code cpu} lines. */
    public static Config parse(String name, String text, Path baseDir, Supplier<Machine> machine) throws ConfigException {
        ConfigParser p = new ConfigParser();
        p.parseText(name, text, baseDir, 0);
        return p.finish(machine);
    }

    private void parseFile(Path file, int depth, Location from) {
        String where = from == null ? "" : from + ": ";
        byte[] bytes;
        try {
            if (++filesRead > MAX_FILES) {
                throw new IOException("more than " + MAX_FILES + " files are included");
            }
            bytes = TextFile.read(file, MAX_FILE_BYTES);
            bytesRead += bytes.length;
            if (bytesRead > MAX_TOTAL_BYTES) {
                throw new IOException("the configuration and its includes exceed " + MAX_TOTAL_BYTES + " bytes");
            }
        } catch (IOException e) {
            errors.add(where + "cannot read configuration file " + file + ": " + e.getMessage());
            return;
        }
        parseBytes(file.toString(), bytes, file.toAbsolutePath().getParent(), depth);
    }

    /** Lines at LF or CR LF (a lone CR stays in its line), each decoded as UTF-8; a BOM at the start is skipped. */
    private void parseBytes(String name, byte[] bytes, Path dir, int depth) {
        List<String> lines = new ArrayList<>();
        Map<Integer, String> notUtf8 = new HashMap<>();
        int start = startsWithBom(bytes) ? 3 : 0;
        for (int i = start; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                lines.add(decode(bytes, start, end, lines.size() + 1, notUtf8));
                start = i + 1;
            }
        }
        parseLines(name, lines, notUtf8, dir, depth);
    }

    private static boolean startsWithBom(byte[] b) {
        return b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF;
    }

    /**
     * One line as UTF-8. A line that is not (a Latin-1 byte) is decoded with U+FFFD in place of the bad bytes, and what
     * is wrong is kept for its line number: it matters only when the bytes are in a word, not in a comment.
     */
    private static String decode(byte[] bytes, int from, int to, int lineNo, Map<Integer, String> notUtf8) {
        ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from);
        CharBuffer out = CharBuffer.allocate(to - from);
        CoderResult r = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (!r.isError()) {
            return out.flip().toString();
        }
        notUtf8.put(lineNo, String.format(Locale.ROOT, "byte 0x%02X at column %d is not UTF-8 (write the file in UTF-8)",
                bytes[in.position()] & 0xFF, in.position() - from + 1));
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }

    /** Text goes the way of a file's bytes: one way to cut and read lines. */
    private void parseText(String name, String text, Path baseDir, int depth) {
        parseBytes(name, text.getBytes(StandardCharsets.UTF_8), baseDir, depth);
    }

    private void parseLines(String name, List<String> lines, Map<Integer, String> notUtf8, Path baseDir, int depth) {
        for (int i = 0; i < lines.size(); i++) {
            Location loc = new Location(name, i + 1);
            try {
                List<String> tokens = tokenize(lines.get(i), loc);
                if (notUtf8.containsKey(i + 1) && tokens.stream().anyMatch(w -> w.indexOf('\uFFFD') >= 0)) {
                    throw new LineError(notUtf8.get(i + 1));
                }
                if (!tokens.isEmpty()) {
                    directive(new Line(tokens, loc, baseDir, depth, this));
                }
            } catch (LineError e) {
                errors.add(loc + ": " + e.getMessage());
            }
        }
    }

    private void directive(Line l) {
        String word = l.next("a directive").toLowerCase(Locale.ROOT);
        Table.Entry<ConfigBuilder> e = Directives.DIRECTIVES.find(word);
        if (e == null) {
            throw new LineError("unknown directive '" + printable(word) + "' (expected server, pool, peer, refclock, "
                    + "restrict, driftfile, leapfile, tos, tinker, statistics, filegen, keys, port, bindaddress, local, "
                    + "ratelimit, cpu, ... as in ntp.conf(5))");
        }
        b.at = l.loc;
        Directives.DIRECTIVES.read(e, word, word, l, b);
        l.expectEnd();
        l.noticeUnhonoured(b.notices);
    }

    private Config finish(Supplier<Machine> machine) throws ConfigException {
        b.checkAcrossLines(errors);
        if (!b.cpus.isEmpty()) {
            b.checkMachine(machine.get());
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return b.build();
    }

    // ------------------------------------------------------------------------------------------------ tokens

    static List<String> tokenize(String line, Location loc) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == '#') {
                break;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '"') {
                int end = line.indexOf('"', i + 1);
                if (end < 0) {
                    throw new LineError("unterminated quoted string");
                }
                out.add(line.substring(i + 1, end));
                i = end + 1;
                continue;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(line.charAt(i)) && line.charAt(i) != '#') {
                i++;
            }
            out.add(line.substring(start, i));
        }
        return out;
    }

    private static final char[] HEX_DIGITS = "0123456789ABCDEF".toCharArray();

    /** {@code s} for a message: control and invisible characters (a BOM, a zero-width space) written as \\uXXXX. */
    static String printable(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean hide = Character.isISOControl(c) || Character.getType(c) == Character.FORMAT;
            if (hide && b == null) {
                b = new StringBuilder(s.substring(0, i));
            }
            if (b != null) {
                if (hide) { // "\\u%04X" by hand: a Formatter per character was most of a fuzzing run's error path
                    b.append("\\u").append(HEX_DIGITS[c >> 12 & 15]).append(HEX_DIGITS[c >> 8 & 15])
                            .append(HEX_DIGITS[c >> 4 & 15]).append(HEX_DIGITS[c & 15]);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    /** Thrown inside one line's handling; becomes "file:line: message" and parsing goes on with the next line. */
    static final class LineError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LineError(String message) {
            super(message, null, false, false);
        }
    }

    /** The tokens of one line with a cursor, and what the line's words noted as not honoured. */
    static final class Line {
        private final List<String> tokens;
        final Location loc;
        /** Where relative {@code includefile} paths resolve; null = the working directory. */
        final Path baseDir;
        /** How deep in {@code includefile}s this line is (0 = the main file). */
        final int depth;
        private final ConfigParser parser;
        private final Map<String, String> unhonoured = new LinkedHashMap<>();
        private int pos;

        Line(List<String> tokens, Location loc, Path baseDir, int depth, ConfigParser parser) {
            this.tokens = tokens;
            this.loc = loc;
            this.baseDir = baseDir;
            this.depth = depth;
            this.parser = parser;
        }

        boolean hasNext() {
            return pos < tokens.size();
        }

        String peek() {
            return tokens.get(pos);
        }

        boolean peekIs(String s) {
            return hasNext() && tokens.get(pos).equals(s);
        }

        String next(String expected) {
            if (!hasNext()) {
                throw new LineError("expected " + expected + " at the end of the line");
            }
            return tokens.get(pos++);
        }

        void skipRest() {
            pos = tokens.size();
        }

        void expectEnd() {
            if (hasNext()) {
                throw new LineError("unexpected '" + printable(tokens.get(pos)) + "' (expected the end of the line)");
            }
        }

        /** Notes that {@code what} ("tos ceiling") on this line is accepted but not acted on, and why ("" = no reason). */
        void notHonoured(String what, String why) {
            unhonoured.putIfAbsent(what, why);
        }

        /** Parses the included file here (its errors name its own lines). */
        void include(Path file) {
            parser.parseFile(file, depth + 1, loc);
        }

        /** One notice for the line, naming everything on it that is not honoured. */
        void noticeUnhonoured(List<String> notices) {
            if (unhonoured.isEmpty()) {
                return;
            }
            List<String> words = unhonoured.keySet().stream().map(w -> "'" + w + "'").toList();
            List<String> why = unhonoured.values().stream().filter(w -> !w.isEmpty()).distinct().toList();
            notices.add(loc + ": " + String.join(", ", words) + (words.size() == 1 ? " is" : " are")
                    + " accepted but not honoured by jntpd" + (why.isEmpty() ? "" : ": " + String.join("; ", why)));
        }
    }
}
