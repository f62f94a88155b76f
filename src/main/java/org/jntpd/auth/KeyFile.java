package org.jntpd.auth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.StringTokenizer;

/**
 * Parses symmetric key files in the two dialects users have: NTPsec's {@code keys} file (ntp.keys(5)) and chrony's
 * {@code keyfile}. Pure: the caller reads the file and passes its lines with a name for messages.
 *
 * <p>NTPsec ({@code keyno type key}): types case-insensitive ({@link MacType#fromNtpsecName}); key IDs 1-65535; a key
 * of at most 20 characters is ASCII, a longer one is hex; {@code #} starts a comment anywhere. As NTPsec does (so that
 * both ends of a link use the same bytes), a hex key longer than 32 bytes is cut to 32 and a CMAC key is cut or
 * zero-padded to its cipher's key length; each such change is reported in {@link Result#warnings()}.
 *
 * <p>chrony ({@code id [type] key}): types as chrony spells them ({@link MacType#fromChronyName}), MD5 when omitted;
 * key IDs 1-4294967295; {@code HEX:} and {@code ASCII:} prefixes, otherwise ASCII; comment lines start with
 * {@code # ; ! %}; jntpd also ends a line at a word starting with {@code #}. CMAC keys must have their exact length.
 *
 * <p>Both: key ID 0 is refused, a duplicate ID is an error, and a {@code HEX:} key is read in either dialect (it is
 * unambiguous). Every error names {@code file:line}; the parse fails as a whole so a broken file is never half used.
 */
public final class KeyFile {
    /** Which program's rules a file follows; jntpd's {@code keys} directive means NTPsec, {@code keyfile} chrony. */
    public enum Dialect {
        NTPSEC,
        CHRONY;

        /**
         * A guess for files of unknown origin: chrony when any entry has two words or a {@code HEX:}/{@code ASCII:} key,
         * else NTPsec. The two differ only on unprefixed keys longer than 20 characters (hex for NTPsec, ASCII for chrony).
         */
        public static Dialect detect(List<String> lines) {
            for (String line : lines) {
                List<String> words = words(line, CHRONY);
                if (words.size() == 2 || (words.size() == 3
                        && (words.get(2).startsWith("HEX:") || words.get(2).startsWith("ASCII:")))) {
                    return CHRONY;
                }
            }
            return NTPSEC;
        }
    }

    /** The keys in file order, and notes about keys changed to match NTPsec's handling. */
    public record Result(List<SymmetricKey> keys, List<String> warnings) {}

    /** Errors of a key file, one {@code file:line: what} per line. */
    public static final class KeyFileException extends Exception {
        public KeyFileException(String message) {
            super(message);
        }
    }

    /**
     * A line's error, caught in {@link #parse} for its message: no stack trace, which is most of an exception's cost
     * and was taken for every refused line (the fuzzer's deep stacks made it 3-7% of a run).
     */
    private static final class BadLine extends IllegalArgumentException {
        BadLine(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private static final int NTPSEC_MAX_KEY_ID = 65535;
    private static final int NTPSEC_ASCII_MAX = 20;
    private static final int NTPSEC_MAX_KEY_BYTES = 32;

    private KeyFile() {}

    public static Result parse(String name, List<String> lines, Dialect dialect) throws KeyFileException {
        List<SymmetricKey> keys = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            List<String> words = words(lines.get(i), dialect);
            if (words.isEmpty()) {
                continue;
            }
            String where = name + ":" + (i + 1) + ": ";
            try {
                SymmetricKey key = dialect == Dialect.NTPSEC ? ntpsec(words, where, warnings) : chrony(words);
                if (!ids.add(key.id())) {
                    throw new BadLine("key " + key.id() + " defined twice");
                }
                keys.add(key);
            } catch (IllegalArgumentException e) {
                errors.add(where + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new KeyFileException(String.join("\n", errors));
        }
        return new Result(List.copyOf(keys), List.copyOf(warnings));
    }

    private static SymmetricKey ntpsec(List<String> words, String where, List<String> warnings) {
        if (words.size() != 3) {
            throw new BadLine("expected 'keyno type key', got " + words.size() + " words");
        }
        long id = id(words.get(0), NTPSEC_MAX_KEY_ID);
        MacType type = MacType.fromNtpsecName(words.get(1));
        if (type == null) {
            throw new BadLine("key " + id + ": unknown type '" + words.get(1)
                    + "' (md5, sha1, sha256, sha384, sha512, aes-128, aes-256)");
        }
        String text = words.get(2);
        byte[] secret;
        if (text.startsWith("HEX:")) {
            secret = hex(id, text.substring(4));
        } else if (text.length() <= NTPSEC_ASCII_MAX) {
            secret = ascii(id, text);
        } else {
            String digits = text;
            if (digits.length() > 2 * NTPSEC_MAX_KEY_BYTES) {
                digits = digits.substring(0, 2 * NTPSEC_MAX_KEY_BYTES);
                warnings.add(where + "key " + id + " cut to " + NTPSEC_MAX_KEY_BYTES + " bytes, as NTPsec does");
            }
            secret = hex(id, digits);
        }
        if (type.isCmac() && secret.length != type.cmacKeyLength) {
            warnings.add(where + "key " + id + ": " + type + " key of " + secret.length + " bytes "
                    + (secret.length > type.cmacKeyLength ? "cut" : "zero-padded") + " to " + type.cmacKeyLength
                    + ", as NTPsec does");
            secret = java.util.Arrays.copyOf(secret, type.cmacKeyLength);
        }
        return new SymmetricKey(id, type, secret);
    }

    private static SymmetricKey chrony(List<String> words) {
        if (words.size() != 2 && words.size() != 3) {
            throw new BadLine("expected 'id [type] key', got " + words.size() + " words");
        }
        long id = id(words.get(0), SymmetricKey.MAX_ID);
        MacType type = MacType.MD5;
        if (words.size() == 3) {
            type = MacType.fromChronyName(words.get(1));
            if (type == null) {
                throw new BadLine("key " + id + ": unknown type '" + words.get(1)
                        + "' (MD5, SHA1, SHA256, SHA384, SHA512, AES128, AES256)");
            }
        }
        String text = words.get(words.size() - 1);
        byte[] secret;
        if (text.startsWith("HEX:")) {
            secret = hex(id, text.substring(4));
        } else {
            secret = ascii(id, text.startsWith("ASCII:") ? text.substring(6) : text);
        }
        if (secret.length == 0) {
            throw new BadLine("key " + id + " is empty");
        }
        if (type.isCmac() && secret.length != type.cmacKeyLength) {
            throw new BadLine("key " + id + ": " + type + " needs a key of " + type.cmacKeyLength
                    + " bytes, got " + secret.length);
        }
        return new SymmetricKey(id, type, secret);
    }

    /**
     * An ASCII key's bytes. A character beyond ASCII is refused: getBytes would make it '?' (a key other than the one
     * written, and the same for every such character), and the other end takes the file's bytes, so the MACs would
     * never match, or two keys would be one (found by KeyFileFuzzTest).
     */
    private static byte[] ascii(long id, String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7F) {
                throw new BadLine("key " + id + ": character " + (i + 1)
                        + " is not ASCII (write the key as HEX:...)");
            }
        }
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static long id(String word, long max) {
        long id;
        try {
            id = Long.parseLong(word);
        } catch (NumberFormatException e) {
            throw new BadLine("key ID '" + word + "' is not a number");
        }
        if (id < 1 || id > max) {
            throw new BadLine("key ID " + id + " out of 1.." + max);
        }
        return id;
    }

    private static byte[] hex(long id, String digits) {
        if (digits.isEmpty() || (digits.length() & 1) != 0) {
            throw new BadLine("key " + id + ": hex key of " + digits.length() + " digits");
        }
        try {
            return HexFormat.of().parseHex(digits);
        } catch (IllegalArgumentException e) {
            throw new BadLine("key " + id + ": not a hex key");
        }
    }

    /**
     * The characters {@link Character#isWhitespace(char)} accepts, all of them ({@code KeyFileTest} checks every
     * char): what separates words.
     */
    static final String WHITESPACE = "\t\n\u000B\f\r\u001C\u001D\u001E\u001F \u1680\u2000\u2001\u2002\u2003\u2004"
            + "\u2005\u2006\u2008\u2009\u200A\u2028\u2029\u205F\u3000";

    /**
     * The words of a line without comments, per dialect: runs of characters that are not whitespace; NTPsec's line ends
     * at any {@code #}, chrony's at a word starting with {@code #}, and a chrony line whose first word starts with
     * one of {@code !;#%} is a comment. Cut by {@link StringTokenizer} and {@code indexOf} rather than a loop over the
     * characters here: the fuzzer instruments this class, and such a loop cost a hook call per comparison, 30% of a
     * run ({@code KeyFileTest} keeps it equal to that loop).
     */
    static List<String> words(String line, Dialect dialect) {
        List<String> words = new ArrayList<>(3);
        String text = line;
        if (dialect == Dialect.NTPSEC) {
            int hash = line.indexOf('#');
            if (hash >= 0) {
                text = line.substring(0, hash);
            }
        }
        StringTokenizer tokens = new StringTokenizer(text, WHITESPACE);
        while (tokens.hasMoreTokens()) {
            String word = tokens.nextToken();
            char first = word.charAt(0);
            if (first == '#' || (words.isEmpty() && dialect == Dialect.CHRONY && "!;%".indexOf(first) >= 0)) {
                break;
            }
            words.add(word);
        }
        return words;
    }
}
