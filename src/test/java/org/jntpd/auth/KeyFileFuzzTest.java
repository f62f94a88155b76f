package org.jntpd.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the symmetric key file parser ({@link KeyFile#parse}) in both dialects and the dialect guess: any text gives
 * keys or a {@link KeyFile.KeyFileException} whose every line names {@code file:line} of a line that exists, nothing
 * else. Accepted keys have IDs in the dialect's range (1-65535 for NTPsec, 1-4294967295 for chrony), each once, a
 * secret that is not empty, CMAC keys of exactly
 * their cipher's length; and written back as a file of that dialect ({@code HEX:} keys) they parse to the same keys
 * with no warning; the bytes of every key are in the file, as its characters or as hex digits. Seeds: the chrony and NTPsec key files of ../shared/golden/auth.
 */
class KeyFileFuzzTest {
    private static final String NAME = "fuzz.keys";
    private static final String PREFIX = NAME + ":";

    @FuzzTest
    void keyFile(byte[] data) {
        String text = new String(data, 0, Math.min(data.length, 2000), StandardCharsets.ISO_8859_1);
        List<String> lines = lines(text);
        KeyFile.Dialect guessed = KeyFile.Dialect.detect(lines);
        assertNotNull(guessed);
        String lower = text.toLowerCase(Locale.ROOT);
        for (KeyFile.Dialect dialect : KeyFile.Dialect.values()) {
            check(text, lower, lines, dialect);
        }
    }

    private static void check(String text, String lower, List<String> lines, KeyFile.Dialect dialect) {
        KeyFile.Result result;
        try {
            result = KeyFile.parse(NAME, lines, dialect);
        } catch (KeyFile.KeyFileException e) {
            // messages built only on failure: a concatenation per error line and key was a cost on every run
            List<String> errors = lines(e.getMessage());
            require(errors.size() <= lines.size(), "errors", errors.size());
            for (String error : errors) {
                require(error.startsWith(PREFIX), "names the file", error);
                int colon = error.indexOf(':', PREFIX.length());
                require(colon > 0, "file:line", error);
                int line = Integer.parseInt(error.substring(PREFIX.length(), colon));
                require(line >= 1 && line <= lines.size(), "a line of the file", error);
            }
            return;
        }
        long maxId = dialect == KeyFile.Dialect.NTPSEC ? 65535 : SymmetricKey.MAX_ID;
        Set<Long> ids = new HashSet<>();
        for (SymmetricKey k : result.keys()) {
            require(k.id() >= 1 && k.id() <= maxId, "key ID in range", k);
            require(ids.add(k.id()), "each key once", k);
            byte[] secret = k.secret();
            require(secret.length >= 1, "a secret", k);
            if (k.type().isCmac()) {
                require(k.type().cmacKeyLength == secret.length, "CMAC key length", k);
            }
            if (!written(text, lower, secret, k.type().isCmac())) {
                throw new AssertionError("the key's bytes are in the file, as text or hex: " + k);
            }
        }
        require(result.warnings().size() <= 2 * lines.size(), "bounded warnings", result.warnings().size());
        // written back: the same keys, in the same order, with no warning
        List<String> written = new ArrayList<>();
        for (SymmetricKey k : result.keys()) {
            String type = dialect == KeyFile.Dialect.NTPSEC ? ntpsecName(k.type()) : k.type().name();
            written.add(k.id() + " " + type + " HEX:" + HexFormat.of().formatHex(k.secret()));
        }
        try {
            KeyFile.Result again = KeyFile.parse(NAME, written, dialect);
            assertEquals(result.keys(), again.keys(), "written back and parsed again");
            assertEquals(List.of(), again.warnings());
            if (!written.isEmpty()) {
                assertEquals(KeyFile.Dialect.CHRONY, KeyFile.Dialect.detect(written), "HEX: keys say chrony (or either)");
            }
        } catch (KeyFile.KeyFileException e) {
            throw new AssertionError("keys we accepted, written back, are refused: " + e.getMessage(), e);
        }
    }

    private static void require(boolean holds, String what, Object detail) {
        if (!holds) {
            throw new AssertionError(what + ": " + detail);
        }
    }

    @Test
    void shouldCutLinesAsSplitDoes() {
        for (String text : List.of("", "\n", "a\nb", "1 MD5 abc\n\n2 SHA1 def\n", "x\n\n")) {
            assertEquals(List.of(text.split("\n", -1)), lines(text), text);
        }
    }

    /**
     * Whether the secret is written in the text: its characters, or its hex digits (any case); a CMAC key NTPsec
     * zero-padded to its length without its trailing zeros.
     */
    private static boolean written(String text, String lower, byte[] secret, boolean cmac) {
        int n = secret.length;
        while (cmac && n > 0 && secret[n - 1] == 0) {
            n--;
        }
        String chars = new String(secret, 0, n, StandardCharsets.ISO_8859_1);
        return text.contains(chars) || lower.contains(HexFormat.of().formatHex(secret, 0, n));
    }

    /** The text's lines as split("\n", -1) gives them, without String.split (a regex hook per call under Jazzer). */
    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        // indexOf(char), not a loop here: this class is instrumented too, a hook on every character compared
        for (int end; (end = text.indexOf('\n', start)) >= 0; start = end + 1) {
            lines.add(text.substring(start, end));
        }
        lines.add(text.substring(start));
        return lines;
    }

    private static String ntpsecName(MacType t) {
        return switch (t) {
            case AES128 -> "aes-128";
            case AES256 -> "aes-256";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }
}
