package org.jntpd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

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

    @FuzzTest
    void configText(byte[] data) {
        // A few lines at a time (errors are per line); whole files are seeds too, read up to this length.
        String text = withoutIncludes(new String(data, 0, Math.min(data.length, MAX_LENGTH), StandardCharsets.UTF_8));
        int lines = 1 + (int) text.chars().filter(c -> c == '\n').count();
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
        for (int i = 0; i < text.length();) { // "[B@1b2c3d" (an identity hash) becomes "[B"
            if (text.startsWith("[B@", i)) {
                out.append("[B");
                i += 3;
                while (i < text.length() && (Character.isDigit(text.charAt(i)) && text.charAt(i) <= '9'
                        || text.charAt(i) >= 'a' && text.charAt(i) <= 'f')) {
                    i++;
                }
            } else {
                out.append(text.charAt(i++));
            }
        }
        return out + c.restrictions().stream().map(r -> Arrays.toString(r.address())).toList().toString();
    }

    /** Blanks every line that mentions include (keeping the line count), so nothing outside the text is read. */
    static String withoutIncludes(String text) {
        if (!text.toLowerCase(Locale.ROOT).contains("include")) {
            return text;
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].toLowerCase(Locale.ROOT).contains("include")) {
                lines[i] = lines[i].endsWith("\r") ? "\r" : "";
            }
        }
        return String.join("\n", lines);
    }
}
