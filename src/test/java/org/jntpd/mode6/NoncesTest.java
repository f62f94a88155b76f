package org.jntpd.mode6;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class NoncesTest {
    private static final long S = 1_000_000_000L;
    private static final long LO = 0x0000_FFFF_C000_0201L; // 192.0.2.1

    @Test
    void shouldAcceptANonceFromItsOwnAddressAndPortWithinSixteenSecondsOnly() {
        Nonces n = new Nonces(new SecureRandom());
        long t = 5_000 * S;
        String nonce = n.issue(0, LO, 123, t);
        assertTrue(n.valid(nonce, 0, LO, 123, t));
        assertTrue(n.valid(nonce, 0, LO, 123, t + Nonces.LIFETIME_NS - 1));
        assertFalse(n.valid(nonce, 0, LO, 123, t + Nonces.LIFETIME_NS), "expired");
        assertFalse(n.valid(nonce, 0, LO, 123, t - 1), "from the future");
        assertFalse(n.valid(nonce, 0, LO, 124, t), "another port");
        assertFalse(n.valid(nonce, 0, LO + 1, 123, t), "another address");
        assertFalse(n.valid(nonce, 1, LO, 123, t), "another address (high half)");
        assertNotEquals(nonce, n.issue(0, LO, 124, t), "bound to the port");
    }

    @Test
    void shouldRefuseMalformedAndForgedNonces() {
        Nonces n = new Nonces(new SecureRandom());
        long t = 5_000 * S;
        String nonce = n.issue(0, LO, 123, t);
        for (String bad : new String[] {null, "", nonce.substring(1), nonce + "0", nonce.substring(0, 31) + "g",
                nonce.substring(0, 16) + "0000000000000000", String.format("%016x", t + 1) + nonce.substring(16)}) {
            assertFalse(n.valid(bad, 0, LO, 123, t + S), String.valueOf(bad));
        }
        // another server (another key) does not accept it either
        assertFalse(new Nonces(new SecureRandom()).valid(nonce, 0, LO, 123, t + S));
    }

    @Test
    void shouldKeepANonceGoodAcrossOneKeyChangeButNotTwo() {
        Nonces n = new Nonces(new SecureRandom());
        long t = 0;
        n.issue(0, LO, 123, t); // the first key
        long beforeChange = t + Nonces.KEY_LIFETIME_NS - S;
        String nonce = n.issue(0, LO, 123, beforeChange);
        assertTrue(n.valid(nonce, 0, LO, 123, beforeChange + 2 * S), "issued under the previous key");
        // two changes later the key it was made with is gone (and it has long expired anyway)
        String late = n.issue(0, LO, 123, t + 3 * Nonces.KEY_LIFETIME_NS);
        assertTrue(n.valid(late, 0, LO, 123, t + 3 * Nonces.KEY_LIFETIME_NS + S));
    }
}
