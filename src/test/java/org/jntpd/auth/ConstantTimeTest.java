package org.jntpd.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Equal ranges compare equal and a difference in any byte, at any offsets and lengths, is seen. */
class ConstantTimeTest {
    @Test
    void shouldSeeADifferenceInEveryByte() {
        java.util.Random random = new java.util.Random(9);
        for (int length = 0; length <= 40; length++) {
            for (int aOffset : new int[] {0, 1, 7}) {
                for (int bOffset : new int[] {0, 3, 8}) {
                    byte[] a = new byte[aOffset + length + 5];
                    random.nextBytes(a);
                    byte[] b = new byte[bOffset + length + 2];
                    random.nextBytes(b);
                    System.arraycopy(a, aOffset, b, bOffset, length);
                    assertTrue(ConstantTime.equals(a, aOffset, b, bOffset, length), "length " + length);
                    for (int i = 0; i < length; i++) {
                        for (int bit = 0; bit < 8; bit++) {
                            b[bOffset + i] ^= (byte) (1 << bit);
                            assertFalse(ConstantTime.equals(a, aOffset, b, bOffset, length), "byte " + i + " bit " + bit);
                            b[bOffset + i] ^= (byte) (1 << bit);
                        }
                    }
                }
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> ConstantTime.equals(new byte[16], 1, new byte[16], 0, 16));
    }
}
