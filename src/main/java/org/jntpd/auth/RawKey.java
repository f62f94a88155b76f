package org.jntpd.auth;

import javax.crypto.SecretKey;

/**
 * An AES key handed to {@code Cipher.init} without a {@code SecretKeySpec} per re-key: {@link #set} points it at key
 * bytes, {@link #getEncoded} copies them into an array of this object's (the SunJCE provider takes the bytes, keeps
 * its own copy and zeroes the array it was given), {@link #clear} drops the reference and zeroes. Saves the two
 * copies and the object a {@code SecretKeySpec} costs on every re-key of a server's per-client ciphers. One per
 * thread; never kept by the JDK beyond the {@code init} call.
 */
final class RawKey implements SecretKey {
    private final byte[] key16 = new byte[16];
    private final byte[] key32 = new byte[32];
    private transient byte[] source;
    private int offset;
    private int length;

    /** Points at {@code length} (16 or 32) bytes of {@code k} from {@code offset} until {@link #clear}. */
    void set(byte[] k, int offset, int length) {
        if (length != 16 && length != 32) {
            throw new IllegalArgumentException("AES key of " + length + " bytes (16 or 32 expected)");
        }
        this.source = k;
        this.offset = offset;
        this.length = length;
    }

    void clear() {
        source = null;
        java.util.Arrays.fill(key16, (byte) 0);
        java.util.Arrays.fill(key32, (byte) 0);
    }

    @Override
    public String getAlgorithm() {
        return "AES";
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    /** The key bytes in this object's own array: filled on every call, since the JDK zeroes it after use. */
    @Override
    public byte[] getEncoded() {
        if (source == null) {
            return null;
        }
        byte[] out = length == 16 ? key16 : key32;
        System.arraycopy(source, offset, out, 0, length);
        return out;
    }
}
