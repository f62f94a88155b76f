package org.jntpd.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NtpShortTest {
    @Test
    void shouldEncodeWholeAndFractionalSeconds() {
        assertEquals(0x0001_0000, NtpShort.fromNs(1_000_000_000L));
        assertEquals(0x0000_8000, NtpShort.fromNs(500_000_000L));
        assertEquals(500_000_000L, NtpShort.toNs(0x0000_8000));
        assertEquals(0, NtpShort.fromNs(0));
        assertEquals(0, NtpShort.fromNs(-5));
    }

    @Test
    void shouldRoundUpSoABoundNeverShrinks() {
        assertEquals(1, NtpShort.fromNs(1)); // 1 ns -> one unit of 15.3 us
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            long ns = rnd.nextLong(0, 65_535_000_000_000L);
            long back = NtpShort.toNs(NtpShort.fromNs(ns));
            assertTrue(back >= ns && back - ns <= 15_259, () -> ns + " -> " + back);
        }
    }

    @Test
    void shouldSaturateAtTheLargestValue() {
        assertEquals(NtpShort.MAX, NtpShort.fromNs(70_000L * 1_000_000_000L));
        assertEquals(65_535_999_985_000L, NtpShort.toNs(NtpShort.MAX), 1_000);
    }
}
