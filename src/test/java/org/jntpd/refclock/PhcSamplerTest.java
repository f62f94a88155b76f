package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PhcSamplerTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    /**
     * A PHC exactly {@code phcMinusSys} ahead of the system clock. Each reading takes the system clock, then the PHC
     * after a random fraction of the read latency, then the system clock again; some readings are delayed by an
     * interrupt. {@code precise}/{@code extended}/{@code basic} say which ioctls the "driver" has.
     */
    static final class FakePhc implements PhcDevice {
        final long phcMinusSys;
        final boolean precise;
        final boolean extended;
        final boolean basic;
        final Random rnd = new Random(9);
        long sys = T0;
        int calls;

        FakePhc(long phcMinusSys, boolean precise, boolean extended, boolean basic) {
            this.phcMinusSys = phcMinusSys;
            this.precise = precise;
            this.extended = extended;
            this.basic = basic;
        }

        /** One read: returns {sys1, phc, sys2}. Latency 1-3 us, every fifth one 40 us (an interrupt). */
        long[] reading(int i) {
            long latency = 1_000 + rnd.nextInt(2_000) + (i % 5 == 2 ? 40_000 : 0);
            long sys1 = sys;
            long atPhcRead = sys1 + (long) (rnd.nextDouble() * latency);
            sys = sys1 + latency;
            return new long[] {sys1, atPhcRead + phcMinusSys, sys};
        }

        @Override
        public boolean readPrecise(long[] out) {
            calls++;
            if (!precise) {
                return false;
            }
            sys += 500;
            out[0] = sys + phcMinusSys;
            out[1] = sys;
            return true;
        }

        @Override
        public int readExtended(int readings, long[] triples) {
            calls++;
            if (!extended) {
                return 0;
            }
            for (int i = 0; i < readings; i++) {
                System.arraycopy(reading(i), 0, triples, 3 * i, 3);
            }
            return readings;
        }

        @Override
        public int readBasic(int readings, long[] alternating) {
            calls++;
            if (!basic) {
                return 0;
            }
            alternating[0] = sys;
            for (int i = 0; i < readings; i++) {
                long[] r = reading(i);
                alternating[2 * i + 1] = r[1];
                alternating[2 * i + 2] = r[2];
            }
            return readings;
        }
    }

    @Test
    void shouldPickTheShortestExtendedReadingAndItsMidpoint() {
        long[] t = {
            T0, T0 + 37_000 + 900, T0 + 2_000, // interval 2000: midpoint 1000, PHC read at +900
            T0 + 5_000, T0 + 37_000 + 5_600, T0 + 6_200, // interval 1200: the winner
            T0 + 9_000, T0 + 37_000 + 9_000, T0 + 30_000,
        };
        PhcSampler p = new PhcSampler(3, true);
        assertTrue(p.bestOfTriples(t, 3));
        assertEquals(1_200, p.intervalNs());
        assertEquals(T0 + 5_600, p.systemTimeNs());
        assertEquals(37_000, p.offsetNs());
        assertEquals(600, p.errorNs());
    }

    @Test
    void shouldRefuseReadingsSpoiltByAStepOfTheSystemClock() {
        long[] t = {T0, T0 + 5, T0 + 1_000, T0 + 2_000, T0 + 2_005, T0 - 50_000};
        assertFalse(new PhcSampler(2, true).bestOfTriples(t, 2));
    }

    @Test
    void shouldMeasureAKnownOffsetThroughEachIoctl() {
        long truth = 37 * S + 123_456; // a PHC in TAI
        FakePhc ext = new FakePhc(truth, false, true, true);
        PhcSampler p = new PhcSampler(PhcDevice.MAX_READINGS, true);
        assertTrue(p.sample(ext));
        assertEquals(PhcSampler.Method.EXTENDED, p.method());
        assertTrue(Math.abs(p.offsetNs() - truth) <= p.errorNs(), "within the error bound: " + p.offsetNs());
        assertTrue(p.intervalNs() < 1_300, "the shortest of 25 latencies of 1-3 us: " + p.intervalNs());

        FakePhc basic = new FakePhc(truth, false, false, true);
        PhcSampler b = new PhcSampler(10, true);
        assertTrue(b.sample(basic));
        assertEquals(PhcSampler.Method.BASIC, b.method());
        assertTrue(Math.abs(b.offsetNs() - truth) <= b.errorNs());
        int calls = basic.calls;
        assertTrue(b.sample(basic));
        assertEquals(calls + 1, basic.calls, "remembers the method that works: one ioctl per sample");

        FakePhc precise = new FakePhc(truth, true, true, true);
        PhcSampler c = new PhcSampler(25, true);
        assertTrue(c.sample(precise));
        assertEquals(PhcSampler.Method.PRECISE, c.method());
        assertEquals(truth, c.offsetNs());
        assertEquals(0, c.errorNs());
        PhcSampler noCross = new PhcSampler(25, false);
        assertTrue(noCross.sample(precise));
        assertEquals(PhcSampler.Method.EXTENDED, noCross.method(), "nocrossts");

        FakePhc none = new FakePhc(truth, false, false, false);
        PhcSampler n = new PhcSampler(5, true);
        assertFalse(n.sample(none));
        assertNull(n.method());
    }

    @Test
    void shouldHandTheClockTheOffsetWithTheReadErrorAsDispersion() {
        long truth = -2_500;
        Refclock c = new Refclock(RefclockSettings.defaults("phc", "PHC0").withCorrections(0, 0, 0, 20),
                SystemReference.UNSYNCHRONISED);
        FakePhc dev = new FakePhc(truth, false, true, false);
        PhcDriver d = new PhcDriver(dev, c, new PhcSampler(25, true));
        for (int i = 0; i < 8; i++) {
            dev.sys = T0 + i * S;
            assertEquals(Refclock.Verdict.ACCEPTED, d.poll(dev.sys + 1_000_000));
        }
        RefclockSample s = c.poll();
        assertTrue(Math.abs(s.offsetNs() - truth) < 600, "offset " + s.offsetNs());
        assertTrue(s.dispersionNs() >= 20 + 500, "precision plus half the read interval: " + s.dispersionNs());
        assertEquals(0, d.failures());
    }
}
