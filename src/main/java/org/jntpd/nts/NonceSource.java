package org.jntpd.nts;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Nonces and other unpredictable bytes for the packet path without a system call or allocation per packet: an
 * AES-128 keystream (counter mode) under a key from the caller's seed (take it from SecureRandom at start). Blocks are
 * made 64 at a time (one JDK call per 32 NTS replies, which take 32 bytes each). Nonces in NTS only need to be unique and unguessable, and AES-SIV stays secure even if one
 * repeats; a per-instance counter never repeats. One instance per thread.
 */
public final class NonceSource {
    private static final int BLOCK = 16;
    private static final int BATCH = 64 * BLOCK;

    private final Cipher ecb;
    private final byte[] counters = new byte[BATCH];
    private final byte[] pool = new byte[BATCH];
    private long high;
    private long low;
    private int used = BATCH;

    /** @param seed 32 random bytes: a 16-byte AES key, then the 16-byte starting counter */
    public NonceSource(byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("seed of " + seed.length + " bytes, 32 expected");
        }
        try {
            ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, 0, 16, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < 8; i++) {
            high = high << 8 | (seed[16 + i] & 0xFF);
            low = low << 8 | (seed[24 + i] & 0xFF);
        }
    }

    /** Writes {@code length} unpredictable bytes at {@code out[offset]}. */
    public void next(byte[] out, int offset, int length) {
        int done = 0;
        while (done < length) {
            if (used == BATCH) {
                refill();
            }
            int n = Math.min(length - done, BATCH - used);
            System.arraycopy(pool, used, out, offset + done, n);
            used += n;
            done += n;
        }
    }

    private void refill() {
        for (int b = 0; b < BATCH / BLOCK; b++) {
            if (++low == 0) {
                high++;
            }
            for (int i = 0; i < 8; i++) {
                counters[b * BLOCK + i] = (byte) (high >>> (56 - 8 * i));
                counters[b * BLOCK + 8 + i] = (byte) (low >>> (56 - 8 * i));
            }
        }
        try {
            ecb.update(counters, 0, BATCH, pool, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        used = 0;
    }
}
