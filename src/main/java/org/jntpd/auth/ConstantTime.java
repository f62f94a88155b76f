package org.jntpd.auth;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Comparison whose time does not depend on where the inputs differ, for MACs, AEAD tags and keys: a byte-by-byte
 * early exit would tell an attacker how many leading bytes of a forged tag were right.
 */
public final class ConstantTime {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private ConstantTime() {}

    /** True when {@code length} bytes of {@code a} from {@code aOffset} equal those of {@code b} from {@code bOffset}. */
    public static boolean equals(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
        java.util.Objects.checkFromIndexSize(aOffset, length, a.length);
        java.util.Objects.checkFromIndexSize(bOffset, length, b.length);
        long difference = 0;
        int i = 0;
        for (; i + 8 <= length; i += 8) { // eight bytes at a time, every one of them looked at
            difference |= (long) LONGS.get(a, aOffset + i) ^ (long) LONGS.get(b, bOffset + i);
        }
        for (; i < length; i++) {
            difference |= a[aOffset + i] ^ b[bOffset + i];
        }
        return difference == 0;
    }
}
