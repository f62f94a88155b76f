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
}
