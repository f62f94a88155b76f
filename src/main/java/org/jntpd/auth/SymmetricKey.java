package org.jntpd.auth;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One key of a key file: its ID (unsigned 32 bits, 1 and up), algorithm and secret bytes. {@link #toString()} never
 * shows the secret.
 */
public record SymmetricKey(long id, MacType type, byte[] secret) {
    public static final long MAX_ID = 0xFFFF_FFFFL;

    public SymmetricKey {
        if (id < 1 || id > MAX_ID) {
            throw new IllegalArgumentException("key ID " + id + " out of 1.." + MAX_ID);
        }
        if (secret.length == 0 || (type.isCmac() && secret.length != type.cmacKeyLength)) {
            throw new IllegalArgumentException("key " + id + ": " + type + " key of " + secret.length + " bytes");
        }
        secret = secret.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    /** The key ID as it sits in a packet (the int's bits). */
    public int wireId() {
        return (int) id;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SymmetricKey k && k.id == id && k.type == type && Arrays.equals(k.secret, secret);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id) * 31 + type.hashCode();
    }

    @Override
    public String toString() {
        return "SymmetricKey[" + id + " " + type + " " + secret.length + " bytes]";
    }

    /** The secret as lower-case hex (for tests and key-file writers; never log it). */
    String secretHex() {
        return HexFormat.of().formatHex(secret);
    }
}
