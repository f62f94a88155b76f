package org.jntpd.time;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NtpTimestampTest {
    private static final long NS = 1_000_000_000L;

    private static long unixNs(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * NS + i.getNano();
    }

    @Test
    void shouldPlaceUnixEpochAtNtpSecond2208988800() {
        assertEquals(0x83AA7E80_00000000L, NtpTimestamp.fromUnixNs(0));
        assertEquals(0L, NtpTimestamp.toUnixNs(0x83AA7E80_00000000L, 0));
    }

    @Test
    void shouldMapNtpZeroOfEraZeroTo1900() {
        long t1900 = unixNs("1900-01-01T00:00:00Z");
        assertEquals(-2_208_988_800L * NS, t1900);
        assertEquals(0L, NtpTimestamp.fromUnixNs(t1900));
        assertEquals(t1900, NtpTimestamp.toUnixNs(0L, t1900 + 1000 * NS));
    }

    @Test
    void shouldFlipTheTopSecondsBitOn1968_01_20() {
        long t1968 = unixNs("1968-01-20T03:14:08Z");
        assertEquals(0x80000000_00000000L, NtpTimestamp.fromUnixNs(t1968));
        assertEquals(0x7FFFFFFF_00000000L, NtpTimestamp.fromUnixNs(t1968 - NS));
        // Era-0/1 pivot rule: the top bit set means era 0 (1968-2036), clear means era 1 (2036-2104).
        assertEquals(t1968, NtpTimestamp.toUnixNsEra01(0x80000000_00000000L));
        assertEquals(unixNs("2104-02-26T09:42:23Z"), NtpTimestamp.toUnixNsEra01(0x7FFFFFFF_00000000L));
    }

    @Test
    void shouldRollOverToEraOneOn2036_02_07() {
        long rollover = unixNs("2036-02-07T06:28:16Z");
        assertEquals(NtpTimestamp.ERA1_START_UNIX_S * NS, rollover);
        assertEquals(0L, NtpTimestamp.fromUnixNs(rollover));
        assertEquals(0xFFFFFFFF_00000000L, NtpTimestamp.fromUnixNs(rollover - NS));
        // Either side of the rollover resolves correctly against a pivot on the other side.
        assertEquals(rollover, NtpTimestamp.toUnixNs(0L, rollover - 3600 * NS));
        assertEquals(rollover - NS, NtpTimestamp.toUnixNs(0xFFFFFFFF_00000000L, rollover + 3600 * NS));
        assertEquals(rollover, NtpTimestamp.toUnixNsEra01(0L));
        assertEquals(rollover - NS, NtpTimestamp.toUnixNsEra01(0xFFFFFFFF_00000000L));
        // A round trip that crosses the rollover is still 2 s long.
        assertEquals(2 * NS, NtpTimestamp.diffNs(NtpTimestamp.fromUnixNs(rollover + NS), NtpTimestamp.fromUnixNs(rollover - NS)));
    }

    @Test
    void shouldResolve2104And2106AgainstNearbyPivots() {
        long t2104 = unixNs("2104-02-26T09:42:24Z"); // era 1, seconds 2^31: the era-0/1 rule's end
        assertEquals(0x80000000_00000000L, NtpTimestamp.fromUnixNs(t2104));
        assertEquals(t2104, NtpTimestamp.toUnixNs(0x80000000_00000000L, t2104 - 86_400 * NS));
        long t2106 = unixNs("2106-02-07T06:28:16Z"); // Unix time 2^32 s: where 32-bit unsigned time_t ends
        assertEquals(1L << 32, t2106 / NS);
        long ntp = NtpTimestamp.fromUnixNs(t2106 + 123_456_789);
        assertEquals(t2106 + 123_456_789, NtpTimestamp.toUnixNs(ntp, t2106));
    }

    @Test
    void shouldConvertFractionsExactly() {
        assertEquals(0x83AA7E80_80000000L, NtpTimestamp.fromUnixNs(NS / 2));
        assertEquals(NS / 2, NtpTimestamp.toUnixNs(0x83AA7E80_80000000L, 0));
        assertEquals(0x83AA7E80_00000004L, NtpTimestamp.fromUnixNs(1)); // 1 ns = 4.29 fraction units
        assertEquals(999_999_999L, NtpTimestamp.toUnixNs(NtpTimestamp.fromUnixNs(999_999_999L), 0));
    }

    @Test
    void shouldRoundTripRandomInstantsWithinSixtyEightYearsOfThePivot() {
        SplittableRandom rnd = new SplittableRandom(20261125);
        long span = (1L << 31) - 2;
        for (int i = 0; i < 200_000; i++) {
            long pivot = rnd.nextLong(-2_208_988_800L * NS, 4_500_000_000L * NS);
            long t = pivot + rnd.nextLong(-span * NS, span * NS);
            assertEquals(t, NtpTimestamp.toUnixNs(NtpTimestamp.fromUnixNs(t), pivot), () -> "t=" + t + " pivot=" + pivot);
        }
    }

    @Test
    void shouldRoundTripRandomRawTimestampsThroughNanoseconds() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            long ntp = rnd.nextLong();
            long pivot = NtpTimestamp.toUnixNsEra01(ntp);
            long back = NtpTimestamp.fromUnixNs(NtpTimestamp.toUnixNs(ntp, pivot));
            long fracErr = Math.abs(NtpTimestamp.fraction(back) - NtpTimestamp.fraction(ntp));
            // A nanosecond holds 4.29 fraction units; the seconds must match exactly.
            if (NtpTimestamp.seconds(back) == NtpTimestamp.seconds(ntp)) {
                assertEquals(0, fracErr / 3, () -> Long.toHexString(ntp) + " -> " + Long.toHexString(back));
            } else {
                // Only a fraction within half a nanosecond of the next second may carry into it.
                assertEquals(NtpTimestamp.seconds(ntp) + 1 & 0xFFFFFFFFL, NtpTimestamp.seconds(back));
                assertEquals(0L, NtpTimestamp.fraction(back));
            }
        }
    }

    @Test
    void shouldMeasureSignedDifferencesAcrossEras() {
        long a = NtpTimestamp.fromUnixNs(unixNs("2036-02-07T06:28:17.25Z"));
        long b = NtpTimestamp.fromUnixNs(unixNs("2036-02-07T06:28:15.5Z"));
        assertEquals(1_750_000_000L, NtpTimestamp.diffNs(a, b));
        assertEquals(-1_750_000_000L, NtpTimestamp.diffNs(b, a));
        assertEquals(a, NtpTimestamp.plusNs(b, 1_750_000_000L));
        assertEquals(b, NtpTimestamp.plusNs(a, -1_750_000_000L));
    }
}
