package org.jntpd.auth;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-CMAC (RFC 4493; NIST SP 800-38B) with a 128- or 256-bit key on the JDK's AES, allocating nothing per message.
 *
 * <p>CMAC is a CBC-MAC whose last block is first XORed with a subkey. The chain runs on the JDK's
 * {@code AES/CBC/NoPadding} with a zero IV, initialised once per key: {@code update} over all blocks but the last
 * carries the chaining value, {@code doFinal} over the prepared last block returns the tag and resets the cipher to
 * the zero IV for the next message. One JDK call per message instead of one {@code AES/ECB} call per block: the
 * per-call overhead, not AES itself, dominates short messages. With a zero IV, one block through {@code doFinal}
 * is a plain AES block encryption, which gives the subkeys.
 *
 * <p>Not thread-safe: one instance per thread. {@link #key} compares the new key with the current one and re-keys
 * only when it differs; a re-key allocates inside the JDK (its key schedule), so callers that switch keys per
 * message keep one instance per key.
 */
public final class AesCmac {
    public static final int BLOCK = 16;
    private static final byte[] ZERO_BLOCK = new byte[BLOCK];
    private static final IvParameterSpec ZERO_IV = new IvParameterSpec(ZERO_BLOCK);

    private final Cipher cbc;
    private final byte[] chain; // CBC output of all blocks but the last, discarded
    private final byte[] k1 = new byte[BLOCK];
    private final byte[] k2 = new byte[BLOCK];
    private final byte[] last = new byte[BLOCK];
    private final byte[] key = new byte[32];
    private int keyLength;

    /** @param maxMessageLength the longest message {@link #mac} will be given */
    public AesCmac(int maxMessageLength) {
        this(new byte[Math.max(BLOCK, maxMessageLength)]);
    }

    /**
     * Uses {@code chain} (as long as the longest message) as scratch: instances used by one thread may share it, so
     * that many keyed instances cost little memory.
     */
    public AesCmac(byte[] chain) {
        try {
            cbc = Cipher.getInstance("AES/CBC/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no AES/CBC/NoPadding", e);
        }
        this.chain = chain;
    }

    /** Keys the MAC with {@code length} (16 or 32) bytes of {@code k} from {@code offset}; nothing happens if unchanged. */
    public void key(byte[] k, int offset, int length) {
        if (length != 16 && length != 32) {
            throw new IllegalArgumentException("AES-CMAC key of " + length + " bytes (16 or 32 expected)");
        }
        if (length == keyLength && ConstantTime.equals(k, offset, key, 0, length)) {
            return;
        }
        try {
            cbc.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k, offset, length, "AES"), ZERO_IV);
            cbc.doFinal(ZERO_BLOCK, 0, BLOCK, k1, 0); // L = AES(K, 0^128)
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        System.arraycopy(k, offset, key, 0, length);
        keyLength = length;
        doubleBlock(k1, k1);
        doubleBlock(k1, k2);
    }

    /** Length in bytes of the current key, 0 before the first {@link #key}. */
    public int keyLength() {
        return keyLength;
    }

    /** Writes the 16-byte CMAC of {@code length} bytes of {@code message} from {@code offset} at {@code out[outOffset]}. */
    public void mac(byte[] message, int offset, int length, byte[] out, int outOffset) {
        if (length > chain.length) {
            throw new IllegalArgumentException("message of " + length + " bytes, at most " + chain.length);
        }
        int blocks = length == 0 ? 1 : (length + BLOCK - 1) / BLOCK;
        int head = (blocks - 1) * BLOCK;
        int rest = length - head;
        try {
            if (head > 0) {
                cbc.update(message, offset, head, chain, 0);
            }
            if (rest == BLOCK) {
                for (int i = 0; i < BLOCK; i++) {
                    last[i] = (byte) (message[offset + head + i] ^ k1[i]);
                }
            } else {
                for (int i = 0; i < BLOCK; i++) {
                    int m = i < rest ? message[offset + head + i] : i == rest ? 0x80 : 0;
                    last[i] = (byte) (m ^ k2[i]);
                }
            }
            cbc.doFinal(last, 0, BLOCK, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GF(2^128) doubling of RFC 4493 / RFC 5297 ("dbl"): shift left one bit, XOR 0x87 when the top bit fell off. */
    static void doubleBlock(byte[] in, byte[] out) {
        int carry = (in[0] & 0x80) != 0 ? 0x87 : 0;
        for (int i = 0; i < BLOCK - 1; i++) {
            out[i] = (byte) (in[i] << 1 | (in[i + 1] & 0xFF) >>> 7);
        }
        out[BLOCK - 1] = (byte) (in[BLOCK - 1] << 1 ^ carry);
    }
}
