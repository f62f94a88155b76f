package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.List;
import org.jntpd.auth.Aead;
import org.jntpd.auth.AesSiv;

/**
 * Fuzzes the server's cookie opening ({@link CookieCodec#open}, {@link CookieCodec#openAndReissue}): whatever a client
 * sends as a cookie is refused with {@link CookieCodec#BAD_LENGTH}, {@link CookieCodec#UNKNOWN_KEY} or
 * {@link CookieCodec#NOT_AUTHENTIC}, never an exception, and a refusal writes no keys. The first byte picks how the
 * rest is used:
 * <ul>
 * <li>0: the cookie itself (length, key ID and tag as sent; seeds: cookies of chrony and NTPsec servers);
 * <li>1: the plaintext of a cookie, sealed here under a known server key (an authentic cookie whose content is
 * anything): it opens exactly when its AEAD id is 15 or 17 and the cookie's length is that AEAD's, to the key bytes
 * it holds;
 * <li>2: an AEAD and keys sealed by {@link CookieCodec#seal}, then one byte changed, the cookie cut or lengthened as
 * the input says: the intact cookie opens to the keys sealed, a changed one never opens.
 * </ul>
 * A cookie that opens, reissued ({@link CookieCodec#openAndReissue}, 1 to 8 new cookies, also under the other key of
 * the set), gives new cookies of the same length that open to the same keys.
 */
class CookieCodecFuzzTest {
    static final long NOW_S = 1_795_633_000L;
    private static final ServerKey OLD = new ServerKey(0x4A4E5450, NOW_S - 86_400, secret(1));
    private static final ServerKey CURRENT = new ServerKey(0x4A4E5451, NOW_S - 3_600, secret(2));
    private static final ServerKey NEXT = new ServerKey(0x4A4E5452, NOW_S + 3_600, secret(3));
    private static final ServerKeySet KEYS = ServerKeySet.of(List.of(OLD, CURRENT, NEXT));
    private static final byte FILL = (byte) 0xA5;

    private final NonceSource nonces = new NonceSource(secret(4));
    private final CookieCodec codec = new CookieCodec(() -> KEYS, nonces);
    private final AesSiv siv = new AesSiv(256, 256);
    private final byte[] keysOut = new byte[128];
    private final byte[] cookie = new byte[CookieCodec.MAX_LENGTH + 64];
    private final byte[] reissued = new byte[CookieCodec.MAX_REISSUE * CookieCodec.MAX_LENGTH];
    private final byte[] again = new byte[128];

    static byte[] secret(int n) {
        byte[] s = new byte[32];
        for (int i = 0; i < s.length; i++) {
            s[i] = (byte) (n * 37 + i * 11);
        }
        return s;
    }

    @FuzzTest
    void cookie(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] rest = Arrays.copyOfRange(data, 1, data.length);
        switch (data[0] & 3) {
            case 0 -> asSent(rest);
            case 1 -> sealedPlaintext(rest, (data[0] & 0x80) != 0 ? OLD : CURRENT);
            default -> changedCookie(rest);
        }
    }

    private void asSent(byte[] c) {
        int expectedIfRefused = c.length != CookieCodec.length(Aead.AES_SIV_CMAC_256)
                && c.length != CookieCodec.length(Aead.AES_SIV_CMAC_512) ? CookieCodec.BAD_LENGTH
                : KEYS.indexOf(id(c)) < 0 ? CookieCodec.UNKNOWN_KEY : CookieCodec.NOT_AUTHENTIC;
        int aead = open(c, c.length);
        if (aead >= 0) {
            checkOpened(c, c.length, aead); // only a cookie sealed under KEYS: not forged by chance
        } else {
            assertEquals(expectedIfRefused, aead, "refusal of a cookie of " + c.length + " bytes");
        }
    }

    /** The plaintext sealed as jntpd seals a cookie (no associated data), under {@code key}. */
    private void sealedPlaintext(byte[] plaintext, ServerKey key) {
        int n = Math.min(plaintext.length, 200);
        siv.key(key.secret(), 0, ServerKey.SECRET_LENGTH);
        siv.begin();
        siv.seal(plaintext, 0, n, cookie, CookieCodec.HEADER_LENGTH);
        writeId(key.id(), cookie);
        int length = CookieCodec.HEADER_LENGTH + AesSiv.TAG_LENGTH + n;
        int aeadInside = n >= 18 ? (plaintext[16] & 0xFF) << 8 | (plaintext[17] & 0xFF) : -1;
        int keyLength = Aead.keyLength(aeadInside);
        int aead = open(cookie, length);
        if (length != CookieCodec.length(Aead.AES_SIV_CMAC_256) && length != CookieCodec.length(Aead.AES_SIV_CMAC_512)) {
            assertEquals(CookieCodec.BAD_LENGTH, aead);
        } else if (keyLength < 0 || length != CookieCodec.length(aeadInside)) {
            assertEquals(CookieCodec.NOT_AUTHENTIC, aead, "authentic, but AEAD " + aeadInside + " in " + length + " bytes");
        } else {
            assertEquals(aeadInside, aead);
            assertArrayEquals(Arrays.copyOfRange(plaintext, 20, 20 + 2 * keyLength), Arrays.copyOf(keysOut, 2 * keyLength),
                    "the keys the plaintext holds");
            checkOpened(cookie, length, aead);
        }
    }

    private void changedCookie(byte[] d) {
        int aead = d.length > 0 && (d[0] & 1) != 0 ? Aead.AES_SIV_CMAC_512 : Aead.AES_SIV_CMAC_256;
        int keyLength = Aead.keyLength(aead);
        byte[] keys = Arrays.copyOf(d.length > 4 ? Arrays.copyOfRange(d, 4, d.length) : new byte[0], 2 * keyLength);
        int length = codec.seal(aead, keys, 0, NOW_S, cookie, 0);
        assertEquals(CookieCodec.length(aead), length);
        assertEquals(CURRENT.id(), id(cookie), "issued under the newest active key");
        assertEquals(aead, open(cookie, length), "the cookie just sealed opens");
        assertArrayEquals(keys, Arrays.copyOf(keysOut, 2 * keyLength));
        checkOpened(cookie, length, aead);

        int at = d.length > 1 ? (d[1] & 0xFF) % length : 0;
        byte change = d.length > 2 ? d[2] : 1;
        int newLength = length + (d.length > 3 ? d[3] % 8 * 4 : 0); // as long, or shorter or longer by up to 28
        cookie[at] ^= change;
        Arrays.fill(cookie, length, cookie.length, (byte) 0);
        if (change == 0 && newLength == length) {
            assertEquals(aead, open(cookie, newLength), "unchanged");
            return;
        }
        int result = open(cookie, newLength);
        assertTrue(result < 0, "a changed cookie (byte " + at + " ^ " + change + ", " + newLength + " bytes) opened");
        if (newLength != CookieCodec.length(Aead.AES_SIV_CMAC_256) && newLength != CookieCodec.length(Aead.AES_SIV_CMAC_512)) {
            assertEquals(CookieCodec.BAD_LENGTH, result);
        } else {
            assertEquals(KEYS.indexOf(id(cookie)) < 0 ? CookieCodec.UNKNOWN_KEY : CookieCodec.NOT_AUTHENTIC, result);
        }
    }

    /** {@link CookieCodec#open}, also through openAndReissue without new cookies: the same answer; no keys on refusal. */
    private int open(byte[] c, int length) {
        Arrays.fill(keysOut, FILL);
        int aead = codec.open(c, 0, length, keysOut, 0);
        byte[] first = keysOut.clone();
        Arrays.fill(keysOut, FILL);
        assertEquals(aead, codec.openAndReissue(c, 0, length, keysOut, 0, NOW_S, 0, null, 0, 0));
        assertArrayEquals(first, keysOut, "the same keys out");
        assertTrue(aead >= 0 || aead == CookieCodec.UNKNOWN_KEY || aead == CookieCodec.NOT_AUTHENTIC
                || aead == CookieCodec.BAD_LENGTH, "result " + aead);
        if (aead < 0) {
            for (byte b : keysOut) {
                assertEquals(FILL, b, "a refused cookie writes no keys");
            }
        }
        return aead;
    }

    /** New cookies for an opened one, under the key that opened it and under another: they open to the same keys. */
    private void checkOpened(byte[] c, int length, int aead) {
        int keyLength = Aead.keyLength(aead);
        assertTrue(keyLength > 0 && length == CookieCodec.length(aead), "AEAD " + aead + " in " + length + " bytes");
        byte[] keys = Arrays.copyOf(keysOut, 2 * keyLength);
        int count = 1 + (c[length - 1] & 0xFF) % CookieCodec.MAX_REISSUE;
        for (long nowS : new long[] {NOW_S, NOW_S + 7_200}) { // CURRENT issues now, NEXT two hours later
            Arrays.fill(reissued, (byte) 0);
            assertEquals(aead, codec.openAndReissue(c, 0, length, keysOut, 0, nowS, count, reissued, 0, length));
            assertArrayEquals(keys, Arrays.copyOf(keysOut, 2 * keyLength));
            int issuer = nowS == NOW_S ? CURRENT.id() : NEXT.id();
            for (int i = 0; i < count; i++) {
                byte[] fresh = Arrays.copyOfRange(reissued, i * length, (i + 1) * length);
                assertEquals(issuer, id(fresh), "new cookie " + i + " under the issuing key");
                assertEquals(aead, codec.open(fresh, 0, length, again, 0), "new cookie " + i + " opens");
                assertArrayEquals(keys, Arrays.copyOf(again, 2 * keyLength), "to the same keys");
            }
        }
    }

    private static int id(byte[] c) {
        return c.length < 4 ? 0 : (c[0] & 0xFF) << 24 | (c[1] & 0xFF) << 16 | (c[2] & 0xFF) << 8 | (c[3] & 0xFF);
    }

    private static void writeId(int id, byte[] out) {
        out[0] = (byte) (id >>> 24);
        out[1] = (byte) (id >>> 16);
        out[2] = (byte) (id >>> 8);
        out[3] = (byte) id;
    }
}
