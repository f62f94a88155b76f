package org.jntpd.nts;

import java.util.Arrays;

/**
 * One server master key: cookies are sealed under it with AES-SIV-CMAC-256. {@code id} is written in clear at the
 * start of each cookie so the server finds the key again; {@code activationUnixS} is when servers start issuing
 * cookies under it (keys are published ahead of that, so every server of a fleet knows a key before any cookie
 * under it arrives). {@link #toString()} never shows the secret.
 */
public record ServerKey(int id, long activationUnixS, byte[] secret) {
    public static final int SECRET_LENGTH = 32;

    public ServerKey {
        if (secret.length != SECRET_LENGTH) {
            throw new IllegalArgumentException("server key of " + secret.length + " bytes, " + SECRET_LENGTH + " expected");
        }
        secret = secret.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    byte[] secretUnsafe() {
        return secret;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerKey k && k.id == id && k.activationUnixS == activationUnixS
                && Arrays.equals(k.secret, secret);
    }

    @Override
    public int hashCode() {
        return id;
    }

    @Override
    public String toString() {
        return String.format("ServerKey[%08x from %d]", id, activationUnixS);
    }
}
