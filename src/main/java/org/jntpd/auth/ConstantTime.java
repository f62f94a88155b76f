package org.jntpd.auth;

/**
 * Comparison whose time does not depend on where the inputs differ, for MACs and AEAD tags: a byte-by-byte
 * early exit would tell an attacker how many leading bytes of a forged tag were right.
 */
public final class ConstantTime {
    private ConstantTime() {}

    /** True when {@code length} bytes of {@code a} from {@code aOffset} equal those of {@code b} from {@code bOffset}. */
    public static boolean equals(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
        int difference = 0;
        for (int i = 0; i < length; i++) {
            difference |= a[aOffset + i] ^ b[bOffset + i];
        }
        return difference == 0;
    }
}
