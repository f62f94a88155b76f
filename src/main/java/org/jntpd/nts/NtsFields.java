package org.jntpd.nts;

import org.jntpd.auth.AesSiv;

/**
 * The NTS extension fields of RFC 8915 section 5 over a packet held in a byte array (the codecs copy the packet in
 * once: the JDK's ciphers read arrays), and the NTS Authenticator and Encrypted Extension Fields field:
 * <pre>
 * type 0x0404 | length | nonce length (2) | ciphertext length (2) | nonce, padded to 4 | ciphertext, padded to 4 | padding
 * </pre>
 * The associated data is the packet from its first byte up to this field; the nonce is the last S2V component
 * before the plaintext; the ciphertext is V || C. The field holds at least 16 bytes for the nonce and its padding
 * (section 5.6); when the nonce is shorter, the extra padding follows the ciphertext (as chrony writes it).
 */
final class NtsFields {
    static final int UNIQUE_IDENTIFIER = 0x0104;
    static final int COOKIE = 0x0204;
    static final int COOKIE_PLACEHOLDER = 0x0304;
    static final int AUTHENTICATOR = 0x0404;
    static final int HEADER = 4;
    static final int MIN_FIELD = 16;
    /** RFC 8915 section 5.3: a Unique Identifier of at least 32 bytes. */
    static final int MIN_UID = 32;
    static final int MIN_PADDED_NONCE = 16;
    /** The nonce jntpd writes. */
    static final int NONCE_LENGTH = 16;

    private NtsFields() {}

    static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF);
    }

    static void u16(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    static int padded(int length) {
        return length + 3 & ~3;
    }

    /** Length of a field with a value of {@code length} bytes: padded, at least 16. */
    static int fieldLength(int length) {
        return Math.max(MIN_FIELD, HEADER + padded(length));
    }

    /** Writes a field header and zeroes value and padding; returns the field's length. */
    static int field(byte[] b, int at, int type, int valueLength) {
        int length = fieldLength(valueLength);
        u16(b, at, type);
        u16(b, at + 2, length);
        java.util.Arrays.fill(b, at + HEADER, at + length, (byte) 0);
        return length;
    }

    /**
     * Verifies and decrypts the authenticator field of {@code fieldLength} bytes at {@code at} of {@code packet} with
     * {@code siv} (keyed); writes the plaintext (encrypted extension fields) at {@code plain[0]} and returns its
     * length, or -1 when the field is malformed or not authentic.
     */
    static int open(byte[] packet, int at, int fieldLength, AesSiv siv, byte[] plain) {
        int body = at + HEADER;
        int bodyLength = fieldLength - HEADER;
        if (bodyLength < 4) {
            return -1;
        }
        int nonceLength = u16(packet, body);
        int ciphertextLength = u16(packet, body + 2);
        if (nonceLength < 1 || ciphertextLength < AesSiv.TAG_LENGTH
                || 4 + Math.max(MIN_PADDED_NONCE, padded(nonceLength)) + padded(ciphertextLength) > bodyLength
                || ciphertextLength - AesSiv.TAG_LENGTH > plain.length) {
            return -1;
        }
        int nonce = body + 4;
        int ciphertext = nonce + padded(nonceLength);
        siv.begin();
        siv.component(packet, 0, at);
        siv.component(packet, nonce, nonceLength);
        return siv.open(packet, ciphertext, ciphertextLength, plain, 0) ? ciphertextLength - AesSiv.TAG_LENGTH : -1;
    }

    /**
     * Appends an authenticator field at {@code at} of {@code packet} (the associated data is {@code packet[0..at)}),
     * sealing {@code plainLength} bytes of {@code plain} under {@code siv} with the nonce given, and padding the field
     * to at least {@code minFieldLength}; returns the packet's new length.
     */
    static int seal(byte[] packet, int at, AesSiv siv, byte[] nonce, int nonceOffset, int nonceLength, byte[] plain,
            int plainLength, int minFieldLength) {
        int ciphertextLength = AesSiv.TAG_LENGTH + plainLength;
        int length = HEADER + 4 + Math.max(MIN_PADDED_NONCE, padded(nonceLength)) + padded(ciphertextLength);
        length = Math.max(length, padded(minFieldLength));
        u16(packet, at, AUTHENTICATOR);
        u16(packet, at + 2, length);
        u16(packet, at + 4, nonceLength);
        u16(packet, at + 6, ciphertextLength);
        int n = at + 8;
        System.arraycopy(nonce, nonceOffset, packet, n, nonceLength);
        int c = n + padded(nonceLength); // a nonce shorter than 16 gets its extra padding after the ciphertext
        java.util.Arrays.fill(packet, n + nonceLength, c, (byte) 0);
        siv.begin();
        siv.component(packet, 0, at);
        siv.component(nonce, nonceOffset, nonceLength);
        siv.seal(plain, 0, plainLength, packet, c);
        java.util.Arrays.fill(packet, c + ciphertextLength, at + length, (byte) 0);
        return at + length;
    }

    /**
     * {@link #seal} with a 16-byte nonce that {@link AesSiv#sealWithFreshNonce} picks from 16 fresh random bytes at
     * {@code random[randomOffset]} (used for nothing else): one MAC call fewer. {@code plain} is not modified.
     */
    static int sealFresh(byte[] packet, int at, AesSiv siv, byte[] random, int randomOffset, byte[] plain,
            int plainLength, int minFieldLength) {
        int ciphertextLength = AesSiv.TAG_LENGTH + plainLength;
        int length = HEADER + 4 + NONCE_LENGTH + padded(ciphertextLength);
        length = Math.max(length, padded(minFieldLength));
        u16(packet, at, AUTHENTICATOR);
        u16(packet, at + 2, length);
        u16(packet, at + 4, NONCE_LENGTH);
        u16(packet, at + 6, ciphertextLength);
        int n = at + 8;
        int c = n + NONCE_LENGTH;
        siv.sealWithFreshNonce(packet, 0, at, random, randomOffset, packet, n, plain, 0, plainLength, packet, c);
        java.util.Arrays.fill(packet, c + ciphertextLength, at + length, (byte) 0);
        return at + length;
    }
}
