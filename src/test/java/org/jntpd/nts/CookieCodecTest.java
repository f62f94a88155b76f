package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jntpd.auth.Aead;
import org.jntpd.auth.AesSiv;
import org.junit.jupiter.api.Test;

/**
 * The cookie format (key ID, then AES-SIV under the server key with no associated data of nonce, AEAD id and keys),
 * checked with an independent AES-SIV; every cookie of a client unrelated to the others; any changed bit refused; and
 * {@link CookieCodec#openAndReissue} under the key that opened the cookie and under a newer issuing key.
 */
class CookieCodecTest {
    static final long NOW_S = 1_795_633_000L;
    final Random random = new Random(5);
    final ServerKey oldKey = new ServerKey(0x0a0b0c0d, NOW_S - 86_400, bytes(32));
    final ServerKey newKey = new ServerKey(0x11223344, NOW_S + 3_600, bytes(32));
    final AtomicReference<ServerKeySet> keys = new AtomicReference<>(ServerKeySet.of(List.of(oldKey, newKey)));
    final CookieCodec codec = new CookieCodec(keys::get, new NonceSource(bytes(32)));

    byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** The plaintext of a cookie, opened with a plain AES-SIV under {@code key}; null when it does not open. */
    static byte[] plaintext(ServerKey key, byte[] cookie, int offset, int length) {
        AesSiv siv = new AesSiv(256, 256);
        siv.key(key.secret(), 0, 32);
        siv.begin();
        byte[] p = new byte[length - 20];
        return siv.open(cookie, offset + 4, length - 4, p, 0) ? p : null;
    }

    static int id(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    @Test
    void shouldSealTheDocumentedFormat() {
        for (int aead : new int[] {Aead.AES_SIV_CMAC_256, Aead.AES_SIV_CMAC_512}) {
            byte[] both = bytes(2 * Aead.keyLength(aead));
            byte[] cookie = new byte[CookieCodec.MAX_LENGTH];
            int length = codec.seal(aead, both, 0, NOW_S, cookie, 0);
            assertEquals(aead == Aead.AES_SIV_CMAC_256 ? 104 : 168, length);
            assertEquals(oldKey.id(), id(cookie, 0), "issued under the active key");
            byte[] p = plaintext(oldKey, cookie, 0, length);
            assertEquals(length - 20, p.length);
            assertEquals(aead, (p[16] & 0xFF) << 8 | (p[17] & 0xFF));
            assertEquals(0, p[18] | p[19]);
            assertArrayEquals(both, Arrays.copyOfRange(p, 20, p.length));
            byte[] keysOut = new byte[128];
            assertEquals(aead, codec.open(cookie, 0, length, keysOut, 0));
            assertArrayEquals(both, Arrays.copyOf(keysOut, both.length));
        }
    }

    @Test
    void shouldMakeEveryCookieOfAClientUnrelatedToTheOthers() {
        byte[] both = bytes(64);
        Set<String> nonces = new HashSet<>();
        byte[] previous = null;
        byte[] batch = new byte[8 * 110];
        for (int round = 0; round < 50; round++) {
            int length = round % 2 == 0 ? codec.seal(Aead.AES_SIV_CMAC_256, both, 0, NOW_S, new byte[104], 0) : 0;
            codec.seal(Aead.AES_SIV_CMAC_256, both, 0, NOW_S, 8, batch, 0, 110);
            for (int i = 0; i < 8; i++) {
                byte[] cookie = Arrays.copyOfRange(batch, i * 110, i * 110 + 104);
                byte[] p = plaintext(oldKey, cookie, 0, 104);
                assertArrayEquals(both, Arrays.copyOfRange(p, 20, 84), "cookie " + i + " holds the keys");
                assertTrue(nonces.add(java.util.HexFormat.of().formatHex(p, 0, 16)), "a nonce repeated");
                if (previous != null) {
                    int same = 0;
                    for (int b = 4; b < 104; b++) {
                        same += cookie[b] == previous[b] ? 1 : 0;
                    }
                    assertTrue(same < 20, same + " of 100 bytes equal to the previous cookie's");
                }
                previous = cookie;
            }
            assertTrue(length == 0 || length == 104);
        }
    }

    @Test
    void shouldRefuseEveryChangedBit() {
        byte[] both = bytes(64);
        byte[] cookie = new byte[104];
        codec.seal(Aead.AES_SIV_CMAC_256, both, 0, NOW_S, cookie, 0);
        byte[] keysOut = new byte[128];
        for (int bit = 0; bit < 104 * 8; bit++) {
            byte[] bad = cookie.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            int result = codec.open(bad, 0, 104, keysOut, 0);
            assertEquals(bit < 32 ? CookieCodec.UNKNOWN_KEY : CookieCodec.NOT_AUTHENTIC, result, "bit " + bit);
        }
        // The body moved under the other key's ID: opened under the wrong key, refused.
        byte[] moved = cookie.clone();
        moved[0] = 0x11;
        moved[1] = 0x22;
        moved[2] = 0x33;
        moved[3] = 0x44;
        assertEquals(CookieCodec.NOT_AUTHENTIC, codec.open(moved, 0, 104, keysOut, 0));
        assertEquals(CookieCodec.BAD_LENGTH, codec.open(cookie, 0, 100, keysOut, 0));
    }

    @Test
    void shouldReissueUnderTheOpeningKeyAndUnderANewerOne() {
        for (int aead : new int[] {Aead.AES_SIV_CMAC_256, Aead.AES_SIV_CMAC_512}) {
            int n = CookieCodec.length(aead);
            byte[] both = bytes(2 * Aead.keyLength(aead));
            byte[] cookie = new byte[n];
            codec.seal(aead, both, 0, NOW_S, cookie, 0);
            for (long nowS : new long[] {NOW_S, NOW_S + 7_200}) {
                ServerKey issuing = nowS == NOW_S ? oldKey : newKey;
                for (int count = 0; count <= CookieCodec.MAX_REISSUE; count++) {
                    String what = Aead.name(aead) + ", " + count + " cookies issued under " + issuing;
                    int stride = n + 4;
                    byte[] out = new byte[CookieCodec.MAX_REISSUE * stride];
                    byte[] keysOut = new byte[128];
                    assertEquals(aead, codec.openAndReissue(cookie, 0, n, keysOut, 0, nowS, count, out, 4, stride), what);
                    assertArrayEquals(both, Arrays.copyOf(keysOut, both.length), what);
                    for (int i = 0; i < count; i++) {
                        assertEquals(issuing.id(), id(out, 4 + i * stride), what);
                        byte[] p = plaintext(issuing, out, 4 + i * stride, n);
                        assertArrayEquals(both, Arrays.copyOfRange(p, 20, p.length), what + ": cookie " + i);
                        assertEquals(aead, codec.open(out, 4 + i * stride, n, new byte[128], 0));
                    }
                    for (int at = 4 + count * stride; at < out.length; at++) {
                        assertEquals(0, out[at], what + ": nothing written beyond the cookies asked for");
                    }
                }
            }
            byte[] forged = cookie.clone();
            forged[n - 1] ^= 1;
            byte[] out = new byte[8 * n];
            assertEquals(CookieCodec.NOT_AUTHENTIC, codec.openAndReissue(forged, 0, n, new byte[128], 0, NOW_S, 8, out, 0, n));
            assertArrayEquals(new byte[8 * n], out, "nothing issued for a forged cookie");
            assertNotEquals(0, cookie[n - 1] ^ forged[n - 1]);
        }
    }
}
