package org.jntpd.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over a symmetric-key MAC (RFC 5905 section 7.3, RFC 8573): a 32-bit key ID then the digest, placed
 * after the header or after the last extension field. The digest is 16 bytes for MD5 and AES-128-CMAC, 20 for
 * SHA-1 (NTPv4 allows no more, RFC 7822); NTPv3 packets may carry longer ones (chrony sends full SHA-256, 32 bytes).
 * A 4-byte MAC of key ID 0 is a crypto-NAK. {@link ExtensionFieldCursor} finds where the MAC starts.
 */
public final class LegacyMac extends Flyweight {
    public static final int KEY_ID_OFFSET = 0;
    public static final int DIGEST_OFFSET = 4;
    public static final int KEY_ID_LENGTH = 4;
    public static final int MD5_DIGEST_LENGTH = 16;
    public static final int AES_CMAC_DIGEST_LENGTH = 16;
    public static final int SHA1_DIGEST_LENGTH = 20;
    /** Key ID plus a 16-byte digest: the shortest MAC. */
    public static final int MIN_LENGTH = KEY_ID_LENGTH + MD5_DIGEST_LENGTH;
    /** Key ID plus a 20-byte digest: the longest MAC an NTPv4 packet may carry (RFC 7822 section 7.5). */
    public static final int MAX_V4_LENGTH = KEY_ID_LENGTH + SHA1_DIGEST_LENGTH;
    /** Key ID plus a 64-byte digest (SHA-512): the longest MAC accepted in NTPv1-3 packets, as chrony does. */
    public static final int MAX_V3_LENGTH = KEY_ID_LENGTH + 64;
    /** A crypto-NAK: only a key ID, which is 0. */
    public static final int CRYPTO_NAK_LENGTH = KEY_ID_LENGTH;

    /** Points at a MAC of {@code length} bytes (key ID and digest) at {@code offset}; returns {@code this}. */
    public LegacyMac wrap(MemorySegment segment, long offset, int length) {
        point(segment, offset, length);
        return this;
    }

    /** The key ID, unsigned 32 bits held in an int. */
    public int keyId() {
        return BigEndian.i32(segment, offset + KEY_ID_OFFSET);
    }

    public LegacyMac keyId(int keyId) {
        BigEndian.i32(segment, offset + KEY_ID_OFFSET, keyId);
        return this;
    }

    /** Absolute offset of the digest in {@link #segment()}. */
    public long digestOffset() {
        return offset + DIGEST_OFFSET;
    }

    public int digestLength() {
        return length - KEY_ID_LENGTH;
    }

    public boolean isCryptoNak() {
        return length == CRYPTO_NAK_LENGTH && keyId() == 0;
    }

    /**
     * Writes key ID and a digest at {@code offset} and returns the MAC's length; the caller computes the digest
     * over the packet before this point.
     */
    public static int write(MemorySegment segment, long offset, int keyId, MemorySegment digest, long digestOffset, int digestLength) {
        BigEndian.i32(segment, offset + KEY_ID_OFFSET, keyId);
        MemorySegment.copy(digest, digestOffset, segment, offset + DIGEST_OFFSET, digestLength);
        return KEY_ID_LENGTH + digestLength;
    }

    /** Writes a crypto-NAK (key ID 0) at {@code offset} and returns its length. */
    public static int writeCryptoNak(MemorySegment segment, long offset) {
        BigEndian.i32(segment, offset + KEY_ID_OFFSET, 0);
        return CRYPTO_NAK_LENGTH;
    }
}
