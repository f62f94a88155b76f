package org.jntpd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long S = 1_000_000_000L;
    private static final long CLIENT = ClientAddress.mappedLo(0xC000_0201); // 192.0.2.1

    @Test
    void shouldAllowABurstThenOneReplyPerInterval() {
        RateLimiter rl = new RateLimiter(10, 1, 4, 4, 42); // 1 per 2 s, bursts of 4, leak 1/16
        long t = 1000 * S;
        for (int i = 0; i < 4; i++) {
            assertEquals(RateLimiter.ALLOW, rl.check(0, CLIENT, t, false), "burst request " + i);
        }
        int allowedAfterBurst = 0;
        for (int i = 0; i < 1600; i++) {
            allowedAfterBurst += rl.check(0, CLIENT, t, false) == RateLimiter.ALLOW ? 1 : 0;
        }
        // Only the leak lets anything through at the same instant: about 1 in 16.
        assertTrue(allowedAfterBurst > 50 && allowedAfterBurst < 160, "leaked " + allowedAfterBurst);
        // Requests spaced by the interval are all answered.
        RateLimiter paced = new RateLimiter(10, 1, 1, 4, 7);
        for (int i = 0; i < 100; i++) {
            assertEquals(RateLimiter.ALLOW, paced.check(0, CLIENT, t + i * 2 * S, false));
        }
    }

    @Test
    void shouldListEachClientWithItsLastPortModeVersionFirstLastAndCounts() {
        RateLimiter rl = new RateLimiter(10, 1, 2, 4, 42); // 1 per 2 s, bursts of 2
        long other = ClientAddress.mappedLo(0xC000_0202); // 192.0.2.2
        long t = 1000 * S;
        rl.check(0, CLIENT, 40_000, 0x23, t, false);
        rl.check(0, other, 123, 0x1b, t + S, false);
        rl.check(0, CLIENT, 40_001, 0x23, t + 2 * S, false);
        int limited = 0;
        for (int i = 0; i < 10; i++) {
            limited += rl.check(0, CLIENT, 40_002, 0x23, t + 3 * S, false) == RateLimiter.ALLOW ? 0 : 1;
        }
        java.util.Map<Long, String> seen = new java.util.TreeMap<>();
        int n = rl.forEachClient((hi, lo, port, mv, firstNs, lastNs, count, lim, kod) -> seen.put(lo,
                port + " " + Integer.toHexString(mv) + " " + (firstNs - t) / S + " " + (lastNs - t) / S + " " + count
                        + " " + lim));
        assertEquals(2, n);
        assertEquals("40002 23 0 3 12 " + limited, seen.get(CLIENT));
        assertEquals("123 1b 1 1 1 0", seen.get(other));
        assertTrue(limited > 0, "the burst of 10 at one instant was limited");
    }

    @Test
    void shouldSendAtMostOneKodPerIntervalWhenAllowed() {
        RateLimiter rl = new RateLimiter(10, 3, 1, 4, 1); // 1 per 8 s
        long t = 5 * S;
        assertEquals(RateLimiter.ALLOW, rl.check(0, CLIENT, t, true));
        int kods = 0;
        for (int i = 0; i < 200; i++) {
            kods += rl.check(0, CLIENT, t + i * 10_000_000L, true) == RateLimiter.KOD ? 1 : 0; // 2 s of requests
        }
        assertEquals(1, kods);
        for (int i = 0; i < 2000; i++) { // 20 s more: one kiss per 8 s
            kods += rl.check(0, CLIENT, t + 2 * S + i * 10_000_000L, true) == RateLimiter.KOD ? 1 : 0;
        }
        assertEquals(3, kods);
        long[] listed = new long[3];
        rl.forEachClient((hi, lo, port, mv, firstNs, lastNs, count, limited, kod) -> {
            listed[0] = count;
            listed[1] = limited;
            listed[2] = kod;
        });
        assertEquals(2201, listed[0]);
        assertTrue(listed[1] >= kods && listed[1] < 2201, "limited " + listed[1]);
        assertEquals(kods, listed[2], "the kisses it was sent, listed with the client");
        RateLimiter silent = new RateLimiter(10, 3, 1, 4, 1);
        silent.check(0, CLIENT, t, false);
        for (int i = 0; i < 200; i++) {
            assertTrue(silent.check(0, CLIENT, t + i * 10_000_000L, false) != RateLimiter.KOD);
        }
    }

    @Test
    void shouldKeepClientsApartAndIpv6By64() {
        RateLimiter rl = new RateLimiter(10, 4, 1, 4, 3);
        long t = S;
        assertEquals(RateLimiter.ALLOW, rl.check(0, CLIENT, t, false));
        assertEquals(RateLimiter.ALLOW, rl.check(0, ClientAddress.mappedLo(0xC000_0202), t, false));
        long net = 0x2001_0db8_0000_0001L;
        assertEquals(RateLimiter.ALLOW, rl.check(net, 1, t, false));
        int allowedSameNet = 0;
        for (int i = 0; i < 64; i++) {
            allowedSameNet += rl.check(net, 1000 + i, t, false) == RateLimiter.ALLOW ? 1 : 0; // same /64
        }
        assertTrue(allowedSameNet < 16, "another host of the same /64 shares the bucket: " + allowedSameNet);
    }

    @Test
    void shouldStayWithinItsTableUnderAFloodOfSources() {
        RateLimiter rl = new RateLimiter(8, 0, 2, 4, 99);
        for (int i = 0; i < 100_000; i++) {
            rl.check(0, ClientAddress.mappedLo(0x0A00_0000 + i), S + i * 1000L, false);
        }
        assertEquals(256, rl.capacity());
        assertEquals(256, rl.occupied());
        // A steady client keeps being served while the flood recycles the other slots.
        RateLimiter shared = new RateLimiter(8, 0, 2, 4, 5);
        long t = S;
        int served = 0;
        for (int round = 0; round < 100; round++) {
            t += 2 * S;
            served += shared.check(0, CLIENT, t, false) == RateLimiter.ALLOW ? 1 : 0;
            for (int i = 0; i < 1000; i++) {
                shared.check(0, ClientAddress.mappedLo(0x0A00_0000 + round * 1000 + i), t, false);
            }
        }
        assertEquals(100, served);
    }
}
