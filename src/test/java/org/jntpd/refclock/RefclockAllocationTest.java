package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.function.LongUnaryOperator;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The driver paths allocate nothing per measurement (only {@link Refclock#poll()}'s result, once per poll): PPS fetch
 * and pulse (and the held pulses re-expressed at a rate change), SHM read, SOCK datagram, NMEA bytes to sample, PHC
 * comparison, filter reduction. Measured with the thread's allocation counter once the JIT has compiled the path.
 */
class RefclockAllocationTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;
    private static final int ROUNDS = 20_000;

    private static final SystemReference SYNCED = SystemReference.fixed(1_000_000, NtpPacket.LEAP_NONE);

    /** Runs {@code step(i)} for i = 0, 1, ... and returns the fewest bytes any batch allocated (JIT warm-up first). */
    private static long bestAllocation(LongUnaryOperator step) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long i = 0;
        long sink = 0;
        for (int round = 0; round < 15 && best > 0; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < ROUNDS; k++) {
                sink += step.applyAsLong(i++);
            }
            best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
        }
        return sink == Long.MIN_VALUE ? -1 : best;
    }

    /** A fresh clock with a large filter, reduced now and then so it never fills up. */
    private static Refclock clock(String driver) {
        return new Refclock(RefclockSettings.defaults(driver, "TEST").withPoll(17, 0).withFilter(256, 0), SYNCED);
    }

    @Test
    void shouldReadPulsesWithoutAllocating() {
        Refclock c = clock("pps");
        long[] time = {0};
        PpsDevice dev = new PpsDevice() {
            @Override
            public int capabilities() {
                return CAPTURE_ASSERT | CAPTURE_CLEAR;
            }

            @Override
            public void setCaptureMode(int captureMode) {}

            @Override
            public boolean fetch(long timeoutNs, PpsEvent out) {
                long k = (time[0] - T0) / S;
                out.set(k + 1, T0 + k * S + (k % 7) * 1000, 0, 0);
                return true;
            }
        };
        PpsDriver d = new PpsDriver(dev, c, PulseMonitor.forSettings(c.settings()));
        d.start();
        assertEquals(0, bestAllocation(i -> {
            time[0] = T0 + i * S + 200_000_000;
            long r = d.poll(time[0]).ordinal();
            if (i % 4 == 3) {
                c.onRateChange(time[0] - 100_000_000, (i % 8 == 3 ? 1 : -1) * 1e-9, i); // a slew's start or end
            }
            if (i % 200 == 199) {
                c.filter().reduce();
            }
            return r;
        }));
        assertAllAccepted(c);
    }

    /** The measured path did the real work: every measurement became a sample. */
    private static void assertAllAccepted(Refclock c) {
        long accepted = c.verdictCount(Refclock.Verdict.ACCEPTED);
        long all = 0;
        for (Refclock.Verdict v : Refclock.Verdict.values()) {
            all += c.verdictCount(v);
        }
        assertEquals(all, accepted, "every measurement accepted");
        assertEquals(true, accepted >= ROUNDS, "measurements made: " + accepted);
    }

    @Test
    void shouldReadShmAndSockWithoutAllocating() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            Refclock c = clock("shm");
            ShmDriver d = new ShmDriver(shm, c);
            assertEquals(0, bestAllocation(i -> {
                long t = T0 + i * S;
                ShmReaderTest.gpsdWrite(shm, t + 5_000, t, 0, -20);
                long r = d.poll(t + 1000).ordinal();
                if (i % 200 == 199) {
                    c.filter().reduce();
                }
                return r;
            }));
            assertAllAccepted(c);

            MemorySegment datagram = arena.allocate(SockSample.sizeof(), 8);
            Refclock s = clock("sock");
            SockDriver sock = new SockDriver(s);
            assertEquals(0, bestAllocation(i -> {
                SockSample.encode(datagram, T0 / S + i, 250_000, 1e-5, false, 0);
                long r = sock.onDatagram(T0 + i * S + S / 2, datagram, SockSample.sizeof()).ordinal();
                if (i % 200 == 199) {
                    s.filter().reduce();
                }
                return r;
            }));
            assertAllAccepted(s);
        }
    }

    @Test
    void shouldTurnNmeaBytesIntoSamplesWithoutAllocating() {
        // 600 different seconds of RMC, cycled; each sentence fed in chunks of 16 bytes.
        String[] text = new String[600];
        for (int k = 0; k < text.length; k++) {
            text[k] = NmeaTest.sentence(String.format("GPRMC,22%02d%02d.00,A,,,,,,,141123,,", k / 60, k % 60)) + "\r\n";
        }
        byte[][] lines = new byte[text.length][];
        for (int k = 0; k < text.length; k++) {
            lines[k] = text[k].getBytes(StandardCharsets.US_ASCII);
        }
        MemorySegment[] segments = new MemorySegment[lines.length];
        for (int k = 0; k < lines.length; k++) {
            segments[k] = MemorySegment.ofArray(lines[k]);
        }
        Refclock c = clock("nmea");
        NmeaDriver d = new NmeaDriver(c, NmeaDriver.Anchor.END_OF_LINE, null, 0);
        NmeaAssembler a = new NmeaAssembler(9600, d);
        assertEquals(0, bestAllocation(i -> {
            MemorySegment line = segments[(int) (i % segments.length)];
            long t = T0 + i * S;
            for (int off = 0; off < line.byteSize(); off += 16) {
                int n = (int) Math.min(16, line.byteSize() - off);
                a.accept(line, off, n, t + off * 1_000_000L);
            }
            if (i % 200 == 199) {
                c.filter().reduce();
            }
            return a.sentences();
        }));
        assertEquals(0, a.badChecksums());
        assertAllAccepted(c);
    }

    @Test
    void shouldLearnTheNmeaDelayWithoutAllocating() {
        NmeaOffsetEstimator e = new NmeaOffsetEstimator(S);
        assertEquals(0, bestAllocation(i -> e.add(143_000_000L + (i * 7919) % 2_000_000 + (i % 13 == 0 ? 300_000_000L : 0))
                ? 1 : 0));
        assertTrue(e.converged() && e.estimateNs() >= 143_000_000L && e.estimateNs() < 145_000_000L, e.estimateNs()
                + " ns: the late ones (+300 ms) left out");
    }

    @Test
    void shouldComparePhcAndReduceTheFilterWithoutAllocating() {
        long[] sys = {T0};
        PhcDevice dev = new PhcDevice() {
            @Override
            public boolean readPrecise(long[] out) {
                return false;
            }

            @Override
            public int readExtended(int readings, long[] triples) {
                for (int r = 0; r < readings; r++) {
                    long latency = 1_000 + (r * 37) % 900;
                    triples[3 * r] = sys[0];
                    triples[3 * r + 1] = sys[0] + latency / 2 + 37 * S;
                    sys[0] += latency;
                    triples[3 * r + 2] = sys[0];
                }
                return readings;
            }

            @Override
            public int readBasic(int readings, long[] alternating) {
                return 0;
            }
        };
        Refclock c = clock("phc");
        PhcDriver d = new PhcDriver(dev, c, new PhcSampler(25, true));
        assertEquals(0, bestAllocation(i -> {
            sys[0] = T0 + i * S;
            long r = d.poll(sys[0] + 100_000).ordinal();
            if (i % 16 == 15) {
                r += c.filter().reduce() ? 1 : 0;
            }
            return r;
        }));
        assertAllAccepted(c);
    }
}
