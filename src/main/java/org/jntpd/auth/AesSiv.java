package org.jntpd.auth;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-SIV (RFC 5297) on the JDK's AES: S2V over AES-CMAC ({@link AesCmac}) with the first half of the key, CTR with
 * the second half. The CTR keystream is the JDK's {@code AES/ECB} over counter blocks built here, one call per
 * message: the JDK's {@code AES/CTR} would need a {@code Cipher.init} (which allocates) for every IV. Key of 32 or 64
 * bytes: AEAD_AES_SIV_CMAC_256 / 512 (NTS AEAD ids 15 and 17).
 *
 * <p>Associated data are given as components before the last one (the plaintext), so nothing is concatenated:
 * <pre>
 * siv.begin();
 * siv.component(ad, 0, adLength);           // each associated-data string, in order
 * siv.component(nonce, 0, 16);              // NTS: the nonce is the last one before the plaintext
 * siv.seal(plaintext, 0, n, out, 0);        // out = V (16 bytes) || ciphertext (n bytes)
 * // or: boolean ok = siv.open(in, 0, 16 + n, plaintext, 0);
 * </pre>
 * {@link #seal} and {@link #open} modify their plaintext buffer while they run and restore it (the last S2V step
 * XORs the running value into its last 16 bytes). Allocation-free once keyed; not thread-safe.
 */
public final class AesSiv {
    public static final int TAG_LENGTH = 16;
    private static final int BLOCK = AesCmac.BLOCK;
    private static final byte[] ZERO = new byte[BLOCK];

    /**
     * Buffers as long as the longest message, shared by the instances one thread uses (a server keeps many keyed
     * instances: one per recent client).
     */
    public static final class Scratch {
        final byte[] macIn;
        final byte[] macOut;
        final byte[] counters;
        final byte[] stream;
        final int maxPlaintext;

        /**
         * @param maxComponent the longest associated-data component or plaintext
         * @param maxPlaintext the longest plaintext
         */
        public Scratch(int maxComponent, int maxPlaintext) {
            this.maxPlaintext = maxPlaintext;
            int macLength = AesCmac.scratchLength(Math.max(maxComponent, maxPlaintext));
            macIn = new byte[macLength];
            macOut = new byte[macLength];
            int blocks = (maxPlaintext + BLOCK - 1) / BLOCK;
            counters = new byte[Math.max(BLOCK, blocks * BLOCK)];
            stream = new byte[counters.length];
        }
    }

    private final AesCmac cmac;
    private final Cipher ecb;
    private final int maxPlaintext;
    private final byte[] d = new byte[BLOCK];
    private final byte[] d0 = new byte[BLOCK]; // CMAC(K1, zero block): where every S2V starts, once per key
    private final byte[] t = new byte[BLOCK];
    private final byte[] v = new byte[BLOCK];
    private final byte[] counters;
    private final byte[] stream;
    private final byte[] key = new byte[64];
    private int keyLength;
    private boolean ctrKeyed;

    /**
     * @param maxComponent the longest associated-data component or plaintext
     * @param maxPlaintext the longest plaintext
     */
    public AesSiv(int maxComponent, int maxPlaintext) {
        this(new Scratch(maxComponent, maxPlaintext));
    }

    public AesSiv(Scratch scratch) {
        this.cmac = new AesCmac(scratch.macIn, scratch.macOut);
        this.maxPlaintext = scratch.maxPlaintext;
        try {
            ecb = Cipher.getInstance("AES/ECB/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no AES/ECB/NoPadding", e);
        }
        counters = scratch.counters;
        stream = scratch.stream;
    }

    /**
     * Keys with {@code length} (32 or 64) bytes: MAC half first, CTR half second. No-op when unchanged. The CTR
     * half is installed when first used (an NTS request carries an empty plaintext, so a server never needs the C2S
     * CTR key of most clients).
     */
    public void key(byte[] k, int offset, int length) {
        if (length != 32 && length != 64) {
            throw new IllegalArgumentException("AES-SIV key of " + length + " bytes (32 or 64 expected)");
        }
        if (length == keyLength && ConstantTime.equals(k, offset, key, 0, length)) {
            return;
        }
        cmac.key(k, offset, length / 2);
        cmac.mac(ZERO, 0, BLOCK, d0, 0);
        System.arraycopy(k, offset, key, 0, length);
        keyLength = length;
        ctrKeyed = false;
    }

    /** The current key's length, 0 before the first {@link #key}. */
    public int keyLength() {
        return keyLength;
    }

    /** Starts S2V: D = CMAC(K1, zero block), computed when the key was set. */
    public void begin() {
        System.arraycopy(d0, 0, d, 0, BLOCK);
    }

    /** Adds one associated-data component: D = dbl(D) xor CMAC(K1, component). */
    public void component(byte[] s, int offset, int length) {
        cmac.mac(s, offset, length, t, 0);
        AesCmac.doubleBlock(d, d);
        for (int i = 0; i < BLOCK; i++) {
            d[i] ^= t[i];
        }
    }

    /**
     * Encrypts {@code length} bytes of {@code plaintext} and writes V || C ({@code 16 + length} bytes) at
     * {@code out[outOffset]}. The output must not overlap the plaintext.
     */
    public void seal(byte[] plaintext, int offset, int length, byte[] out, int outOffset) {
        checkLength(length);
        finish(plaintext, offset, length, v);
        System.arraycopy(v, 0, out, outOffset, BLOCK);
        ctr(v, plaintext, offset, length, out, outOffset + BLOCK);
    }

    /**
     * Decrypts V || C ({@code length} bytes of {@code in} from {@code offset}, at least 16) into
     * {@code out[outOffset]} and returns true when the tag is authentic; on false the output is zeroed.
     * The output must not overlap the input.
     */
    public boolean open(byte[] in, int offset, int length, byte[] out, int outOffset) {
        int n = length - TAG_LENGTH;
        if (n < 0) {
            return false;
        }
        checkLength(n);
        System.arraycopy(in, offset, t, 0, BLOCK); // keep V: ctr() overwrites nothing of it, but in may alias
        ctr(t, in, offset + BLOCK, n, out, outOffset);
        finish(out, outOffset, n, v);
        if (ConstantTime.equals(v, 0, in, offset, BLOCK)) {
            return true;
        }
        java.util.Arrays.fill(out, outOffset, outOffset + n, (byte) 0);
        return false;
    }

    private void checkLength(int length) {
        if (length > maxPlaintext) {
            throw new IllegalArgumentException("plaintext of " + length + " bytes, at most " + maxPlaintext);
        }
    }

    /** Last S2V step over the plaintext into {@code into}. */
    private void finish(byte[] s, int offset, int length, byte[] into) {
        if (length >= BLOCK) {
            int end = offset + length - BLOCK;
            xor(d, s, end); // T = S xorend D, done in place and undone below
            cmac.mac(s, offset, length, into, 0);
            xor(d, s, end);
        } else {
            AesCmac.doubleBlock(d, t);
            for (int i = 0; i < BLOCK; i++) {
                int padded = i < length ? s[offset + i] : i == length ? 0x80 : 0;
                t[i] ^= (byte) padded;
            }
            cmac.mac(t, 0, BLOCK, into, 0);
        }
    }

    private static void xor(byte[] mask, byte[] s, int at) {
        for (int i = 0; i < BLOCK; i++) {
            s[at + i] ^= mask[i];
        }
    }

    /** CTR with Q = V with bits 63 and 31 cleared; the cleared bits let the low 64 bits count without carry. */
    private void ctr(byte[] iv, byte[] in, int inOffset, int length, byte[] out, int outOffset) {
        if (length == 0) {
            return;
        }
        if (!ctrKeyed) {
            int half = keyLength / 2;
            try {
                ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, half, half, "AES"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            ctrKeyed = true;
        }
        int blocks = (length + BLOCK - 1) / BLOCK;
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = high << 8 | (iv[i] & 0xFF);
            low = low << 8 | (iv[8 + i] & 0xFF);
        }
        low &= 0x7FFFFFFF_7FFFFFFFL;
        for (int b = 0; b < blocks; b++) {
            long counter = low + b;
            int at = b * BLOCK;
            for (int i = 0; i < 8; i++) {
                counters[at + i] = (byte) (high >>> (56 - 8 * i));
                counters[at + 8 + i] = (byte) (counter >>> (56 - 8 * i));
            }
        }
        try {
            ecb.update(counters, 0, blocks * BLOCK, stream, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < length; i++) {
            out[outOffset + i] = (byte) (in[inOffset + i] ^ stream[i]);
        }
    }
}
