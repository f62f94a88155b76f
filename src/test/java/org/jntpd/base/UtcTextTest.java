package org.jntpd.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UtcTextTest {
    @Test
    void shouldWriteMillisecondsAsInstantDoes() {
        long[] edges = {0, 1, 999, 1000, -1, -1000, -1001, 86_399_999, 86_400_000, 951_782_400_000L /* 2000-02-29 */,
            4_107_542_400_000L /* 2100-03-01 */, 253_402_300_799_999L /* 9999-12-31T23:59:59.999 */,
            253_402_300_800_000L /* 10000-01-01: Instant's '+' */, -62_167_219_200_000L /* 0000-01-01 */,
            -62_167_219_200_001L /* the year -1 */, 1_796_601_245_123L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long ms : edges) {
            assertEquals(Instant.ofEpochMilli(ms).toString(), UtcText.ofMillis(ms), "ms " + ms);
        }
        SplittableRandom r = new SplittableRandom(14);
        for (int i = 0; i < 200_000; i++) {
            long ms = r.nextLong(-70_000_000_000_000L, 260_000_000_000_000L);
            if (i % 2 == 0) {
                ms -= Math.floorMod(ms, 1000); // whole seconds: no fraction
            }
            assertEquals(Instant.ofEpochMilli(ms).toString(), UtcText.ofMillis(ms), "ms " + ms);
        }
    }

    @Test
    void shouldWriteSecondsAsInstantDoes() {
        long[] edges = {0, -1, 1_796_601_245L, 4_102_444_800L, 253_402_300_800L, Long.MAX_VALUE / 1000 + 1,
            Instant.MAX.getEpochSecond(), Instant.MIN.getEpochSecond()};
        for (long s : edges) {
            assertEquals(Instant.ofEpochSecond(s).toString(), UtcText.ofSeconds(s), "s " + s);
        }
    }

    @Test
    void shouldWriteNanosecondsAsInstantDoes() {
        SplittableRandom r = new SplittableRandom(15);
        for (int i = 0; i < 200_000; i++) {
            long ns = r.nextLong();
            switch (i % 4) {
                case 0 -> ns -= Math.floorMod(ns, 1_000_000_000L);
                case 1 -> ns -= Math.floorMod(ns, 1_000_000L);
                case 2 -> ns -= Math.floorMod(ns, 1000L);
                default -> { }
            }
            assertEquals(Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L))
                    .toString(), UtcText.ofNanos(ns), "ns " + ns);
        }
    }
}
