package org.jntpd.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jntpd.auth.KeyFile.Dialect;
import org.jntpd.auth.KeyFile.KeyFileException;
import org.junit.jupiter.api.Test;

/** Key-file rules of NTPsec (ntp.keys(5), libntp/authreadkeys.c) and chrony (keys.c, cmdparse.c). */
class KeyFileTest {
    @Test
    void shouldReadChronysForms() throws Exception {
        List<SymmetricKey> keys = KeyFile.parse("chrony.keys", List.of(
                "# comment", "; also a comment", "! and this", "% and this", "",
                "10 ASCII:pass#word", "11 plainpassword", "12 SHA1 HEX:A1B2", "13 AES256 HEX:" + "ab".repeat(32),
                "4294967295 SHA512 HEX:00ff  # trailing comment"), Dialect.CHRONY).keys();
        assertEquals(5, keys.size());
        assertEquals(MacType.MD5, keys.get(0).type(), "MD5 when the type is omitted");
        assertArrayEquals("pass#word".getBytes(StandardCharsets.US_ASCII), keys.get(0).secret());
        assertArrayEquals("plainpassword".getBytes(StandardCharsets.US_ASCII), keys.get(1).secret());
        assertArrayEquals(new byte[] {(byte) 0xA1, (byte) 0xB2}, keys.get(2).secret());
        assertEquals(MacType.AES256, keys.get(3).type());
        assertEquals(4294967295L, keys.get(4).id());
    }

    @Test
    void shouldReadNtpsecsForms() throws Exception {
        KeyFile.Result r = KeyFile.parse("ntp.keys", List.of(
                "1 M short#comment", "2 sha1 01234567890123456789", "3 SHA-256 0123456789abcdef0123456789abcdef01",
                "4 AES 000102030405060708090a0b0c0d0e0f1011", "5 aes128cmac 000102030405060708090a0b0c0d0e0f",
                "6 aes-128 short", "7 md5 " + "ab".repeat(40)), Dialect.NTPSEC);
        List<SymmetricKey> keys = r.keys();
        assertEquals(MacType.MD5, keys.get(0).type(), "NTPsec: a name starting with M is MD5");
        assertArrayEquals("short".getBytes(StandardCharsets.US_ASCII), keys.get(0).secret());
        assertEquals(20, keys.get(1).secret().length, "20 characters: ASCII");
        assertEquals(17, keys.get(2).secret().length, "more than 20: hex");
        assertEquals(16, keys.get(3).secret().length, "AES key cut to 16 bytes as NTPsec does");
        assertEquals(MacType.AES128, keys.get(4).type());
        assertArrayEquals("short\0\0\0\0\0\0\0\0\0\0\0".getBytes(StandardCharsets.US_ASCII), keys.get(5).secret(),
                "AES key zero-padded as NTPsec does");
        assertEquals(32, keys.get(6).secret().length, "hex keys end at 32 bytes");
        assertEquals(3, r.warnings().size(), String.join("\n", r.warnings()));
        assertTrue(r.warnings().get(0).startsWith("ntp.keys:4: key 4"), r.warnings().get(0));
    }

    @Test
    void shouldNameFileAndLineOfEveryError() {
        KeyFileException e = assertThrows(KeyFileException.class, () -> KeyFile.parse("/etc/chrony.keys", List.of(
                "1 MD5 HEX:0102", "0 MD5 HEX:01", "x MD5 HEX:01", "2 RSA HEX:01", "3 AES128 HEX:0102", "1 SHA1 HEX:05",
                "4 MD5 HEX:0g", "5 MD5 HEX:012", "6 MD5 HEX:01 extra"), Dialect.CHRONY));
        assertEquals("""
                /etc/chrony.keys:2: key ID 0 out of 1..4294967295
                /etc/chrony.keys:3: key ID 'x' is not a number
                /etc/chrony.keys:4: key 2: unknown type 'RSA' (MD5, SHA1, SHA256, SHA384, SHA512, AES128, AES256)
                /etc/chrony.keys:5: key 3: AES128 needs a key of 16 bytes, got 2
                /etc/chrony.keys:6: key 1 defined twice
                /etc/chrony.keys:7: key 4: not a hex key
                /etc/chrony.keys:8: key 5: hex key of 3 digits
                /etc/chrony.keys:9: expected 'id [type] key', got 4 words""", e.getMessage());
        KeyFileException n = assertThrows(KeyFileException.class, () -> KeyFile.parse("ntp.keys",
                List.of("65536 md5 abc", "1 md5", "2 whirlpool abc"), Dialect.NTPSEC));
        assertEquals("""
                ntp.keys:1: key ID 65536 out of 1..65535
                ntp.keys:2: expected 'keyno type key', got 2 words
                ntp.keys:3: key 2: unknown type 'whirlpool' (md5, sha1, sha256, sha384, sha512, aes-128, aes-256)""",
                n.getMessage());
    }

    @Test
    void shouldNeverShowTheSecret() throws Exception {
        SymmetricKey k = KeyFile.parse("k", List.of("1 MD5 topsecret"), Dialect.CHRONY).keys().get(0);
        assertEquals("SymmetricKey[1 MD5 9 bytes]", k.toString());
    }

    /**
     * Found by KeyFileFuzzTest (crash-84bb56ee...: an aes-128 key "dc0\u00d6\u00dc..."): "cl\u00e9" was read as the bytes of
     * "cl?" (and "cl\u00e8" too), not the bytes chrony or NTPsec take from the file.
     */
    @Test
    void shouldRefuseAKeyThatIsNotAsciiInsteadOfChangingItsBytes() {
        for (Dialect dialect : Dialect.values()) {
            KeyFileException e = assertThrows(KeyFileException.class,
                    () -> KeyFile.parse("k", List.of("1 MD5 ASCII:ok", "2 MD5 cl\u00e9"), dialect), dialect.name());
            assertEquals("k:2: key 2: character 3 is not ASCII (write the key as HEX:...)", e.getMessage());
        }
    }

    @Test
    void shouldSeparateWordsAtExactlyTheCharactersIsWhitespaceAccepts() {
        for (int c = Character.MIN_VALUE; c <= Character.MAX_VALUE; c++) {
            assertEquals(Character.isWhitespace((char) c), KeyFile.WHITESPACE.indexOf(c) >= 0, Integer.toHexString(c));
        }
    }

    /**
     * KeyFile.words cuts with StringTokenizer (no loop over characters in a class the fuzzer instruments); it must cut
     * as the character loop it replaced did, in both dialects: fixed lines and 200,000 random ones of whitespace of
     * every kind, comment characters, Latin-1, wide characters and lone surrogates.
     */
    @Test
    void shouldCutWordsAsTheCharacterLoopDid() {
        List<String> fixed = List.of("", " ", "#", " # x", "1 MD5 abc", "  1\tMD5 \u3000abc  ", "1 MD5 ab#c",
                "1 MD5 #abc", "1#2 3", "!1 MD5 a", " ; 1 MD5 a", "%x", "1 !MD5 %a ;b", "\u00a01 MD5 a\u00a0",
                "1\u001fMD5\u2028a", "#!", "\r\n", "1 MD5 \ud800x \udc00");
        String alphabet = " \t\n\u000B\f\r\u001C\u001F\u0085\u00a0\u1680\u2007\u200A\u2028\u202F\u3000#!;%"
                + "01aZ:\u00e9\u00ff\u0100\ud800\udc00";
        java.util.Random random = new java.util.Random(14);
        List<String> lines = new java.util.ArrayList<>(fixed);
        for (int i = 0; i < 200_000; i++) {
            char[] line = new char[random.nextInt(12)];
            for (int j = 0; j < line.length; j++) {
                line[j] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
            lines.add(new String(line));
        }
        for (String line : lines) {
            for (Dialect dialect : Dialect.values()) {
                assertEquals(wordsByCharacterLoop(line, dialect), KeyFile.words(line, dialect), dialect + " " + line);
            }
        }
    }

    /** KeyFile.words as it was before the fuzzer made it use the JDK's tokenizer. */
    private static List<String> wordsByCharacterLoop(String line, Dialect dialect) {
        List<String> words = new java.util.ArrayList<>(3);
        String trimmed = line.strip();
        if (dialect == Dialect.CHRONY && !trimmed.isEmpty() && "!;#%".indexOf(trimmed.charAt(0)) >= 0) {
            return words;
        }
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i >= n || line.charAt(i) == '#') {
                break;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(line.charAt(i))
                    && (dialect == Dialect.CHRONY || line.charAt(i) != '#')) {
                i++;
            }
            words.add(line.substring(start, i));
        }
        return words;
    }
}
