package org.jntpd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the configuration parser through its public entry, {@link ConfigParser#parse(String, String, Path)}: any text
 * gives a {@link Config} or a {@link ConfigException} (nothing else), every error names file:line of a line that
 * exists, and the same text parses to the same configuration again (checked on one input in eight). Lines naming {@code include...} are blanked:
 * they would read files of this machine. Seeds: docs/examples, Debian's NTPsec ntp.conf, the golden peers' configs.
 */
class ConfigParserFuzzTest {
    private static final String NAME = "fuzz.conf";
    private static final int MAX_LENGTH = 600;
    private static final String PREFIX = NAME + ":";
    private static final String INCLUDE = "include";

    @FuzzTest
    void configText(byte[] data) {
        // A few lines at a time (errors are per line); whole files are seeds too, read up to this length.
        String text = withoutIncludes(new String(data, 0, Math.min(data.length, MAX_LENGTH), StandardCharsets.UTF_8));
        int lines = 1; // indexOf(char), no stream, no loop over characters (each compare a hook: this class is instrumented)
        for (int at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
            lines++;
        }
        Config config;
        try {
            config = ConfigParser.parse(NAME, text, null);
        } catch (ConfigException e) {
            assertFalse(e.errors().isEmpty(), "a refusal says why");
            for (String error : e.errors()) {
                long line = lineOf(error);
                assertTrue(line >= 1 && line <= lines, "every error names file:line of a line given (" + lines + "): " + error);
            }
            return;
        }
        assertNotNull(config);
        assertTrue(config.servers().size() <= lines && config.refclocks().size() <= lines
                && config.restrictions().size() <= lines + 2, "bounded by the lines given");
        if ((Arrays.hashCode(data) & 7) != 0) {
            return; // the second parse on one input in eight: it doubles the cost of a run
        }
        try {
            assertEquals(canonical(config), canonical(ConfigParser.parse(NAME, text, null)), "the same text, the same configuration");
        } catch (ConfigException e) {
            throw new AssertionError("accepted once, refused the second time: " + e.getMessage(), e);
        }
    }

    @Test
    void shouldBlankIncludeLinesAsSplitAndJoinDid() {
        for (String text : List.of("", "server a\n", "include /etc/x\nserver a", "a\r\nINCLUDEFILE b\r\nc\r\n",
                "\n\ninclude", "x includefile y\nz\n", "\u0130nclude\nincl\nude", "inc\rlude\ninclude\r")) {
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].toLowerCase(Locale.ROOT).contains("include")) {
                    lines[i] = lines[i].endsWith("\r") ? "\r" : "";
                }
            }
            assertEquals(String.join("\n", lines), withoutIncludes(text), text);
        }
    }

    /**
     * The line number of an error {@code fuzz.conf:N: what} (what not empty), or -1 when it is not of that form. By
     * hand: under Jazzer's regex hooks a regular expression costs more per run than the parser.
     */
    static long lineOf(String error) {
        int at = PREFIX.length();
        if (!error.startsWith(PREFIX)) {
            return -1;
        }
        int digits = at;
        while (digits < error.length() && digits - at < 9 && error.charAt(digits) >= '0' && error.charAt(digits) <= '9') {
            digits++;
        }
        if (digits == at || !error.startsWith(": ", digits) || error.length() == digits + 2) {
            return -1;
        }
        return Long.parseLong(error.substring(at, digits));
    }

    /** The configuration as text; restriction addresses (byte arrays, compared by reference in records) by value. */
    private static String canonical(Config c) {
        String text = c.toString();
        StringBuilder out = new StringBuilder(text.length());
        int from = 0; // "[B@1b2c3d" (an identity hash) becomes "[B"; indexOf, not a loop over every character
        for (int at = text.indexOf("[B@"); at >= 0; at = text.indexOf("[B@", from)) {
            out.append(text, from, at + 2);
            from = at + 3;
            while (from < text.length() && (text.charAt(from) >= '0' && text.charAt(from) <= '9'
                    || text.charAt(from) >= 'a' && text.charAt(from) <= 'f')) {
                from++;
            }
        }
        out.append(text, from, text.length());
        out.append('[');
        for (int i = 0; i < c.restrictions().size(); i++) {
            out.append(i == 0 ? "" : ", ").append(Arrays.toString(c.restrictions().get(i).address()));
        }
        return out.append(']').toString();
    }

    /**
     * Blanks every line that mentions include (keeping the line count and a line's closing \r), so nothing outside
     * the text is read. Without split (Jazzer's regex hooks cost more than the parse), one contains per run and one
     * per line only when the text has an include.
     */
    static String withoutIncludes(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (!lower.contains(INCLUDE)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int from = 0; from <= text.length();) {
            int end = text.indexOf('\n', from);
            end = end < 0 ? text.length() : end;
            String line = text.substring(from, end).toLowerCase(Locale.ROOT); // per line: lowercase may change lengths
            if (!line.contains(INCLUDE)) {
                out.append(text, from, end);
            } else if (end > from && text.charAt(end - 1) == '\r') {
                out.append('\r');
            }
            if (end < text.length()) {
                out.append('\n');
            }
            from = end + 1;
        }
        return out.toString();
    }
}
