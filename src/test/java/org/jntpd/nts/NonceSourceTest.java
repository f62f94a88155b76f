package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Nonces never repeat within a source, differ between seeds, and the cookie jar keeps the newest eight in order. */
class NonceSourceTest {
    @Test
    void shouldNeverRepeatANonce() {
        NonceSource nonces = new NonceSource(new byte[32]);
        Set<String> seen = new HashSet<>();
        byte[] n = new byte[16];
        for (int i = 0; i < 100_000; i++) {
            nonces.next(n, 0, 16);
            assertTrue(seen.add(HexFormat.of().formatHex(n)), "nonce " + i);
        }
        byte[] odd = new byte[37]; // lengths across the pool's refills
        nonces.next(odd, 0, 37);
        assertFalse(Arrays.equals(new byte[37], odd));
    }

    @Test
    void shouldGiveOtherStreamsForOtherSeeds() {
        byte[] a = new byte[64];
        byte[] b = new byte[64];
        byte[] seed = new byte[32];
        new NonceSource(seed).next(a, 0, 64);
        seed[31] = 1;
        new NonceSource(seed).next(b, 0, 64);
        assertFalse(Arrays.equals(a, b));
    }

    @Test
    void shouldKeepTheNewestEightCookiesInOrder() {
        CookieJar jar = new CookieJar();
        for (int i = 0; i < 10; i++) {
            assertTrue(jar.add(new byte[] {(byte) i, 1, 2}, 0, 3));
        }
        assertEquals(8, jar.size());
        byte[] out = new byte[CookieJar.MAX_COOKIE];
        for (int i = 2; i < 10; i++) {
            assertEquals(3, jar.take(out, 0));
            assertEquals(i, out[0], "oldest first, the two oldest dropped");
        }
        assertEquals(-1, jar.take(out, 0));
        assertFalse(jar.add(new byte[0], 0, 0));
        assertFalse(jar.add(new byte[CookieJar.MAX_COOKIE + 1], 0, CookieJar.MAX_COOKIE + 1));
    }
}
