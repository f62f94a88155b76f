package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;

/**
 * Fuzzes the SHM refclock segment reader ({@link ShmReader} over {@link ShmTime}, ntpd's and gpsd's
 * {@code struct shmTime}): any 96 bytes read (consuming, as ntpd does) or peeked (beside another reader) give a status,
 * never an exception; a consuming read clears {@code valid}; a sample taken has the times the segment holds exactly
 * (seconds and the micro- or nanosecond field, no overflow into another time; seconds beyond 1970..2255 are
 * refused as BAD_TIME), and the segment written back from the
 * sample with ShmTime's setters reads as the same sample. Seeds: segments as gpsd 3.22 writes them (mode 1, with and
 * without nanoseconds), an ntpd-style mode 0 writer, a torn (odd count) segment.
 */
class ShmTimeFuzzTest {
    private static final BigInteger NS_PER_S = BigInteger.valueOf(1_000_000_000L);
    private final ShmReader reader = new ShmReader();
    private final ShmReader.Sample sample = new ShmReader.Sample();
    private final ShmReader.Sample again = new ShmReader.Sample();

    @FuzzTest
    void segment(byte[] data) {
        MemorySegment shm = segment();
        MemorySegment.copy(MemorySegment.ofArray(data), 0, shm, 0, Math.min(data.length, ShmTime.sizeof()));
        MemorySegment original = segment().copyFrom(shm);

        ShmReader.Status peek = new ShmReader().peek(shm, sample);
        assertEquals(-1, original.mismatch(shm), "a peek leaves the segment as it was");
        if (peek == ShmReader.Status.OK) {
            assertEquals(1, ShmTime.mode(shm));
            assertTrue((ShmTime.countVolatile(shm) & 1) == 0 && ShmTime.countVolatile(shm) != 0, "an even, non-zero count");
            checkTimes(original, sample);
        }

        ShmReader.Status read = reader.read(shm, sample);
        if (read == ShmReader.Status.NOT_READY) {
            assertEquals(0, ShmTime.validVolatile(original));
            return;
        }
        assertEquals(0, ShmTime.validVolatile(shm), "a read clears valid");
        if (read != ShmReader.Status.OK) {
            assertTrue(read == ShmReader.Status.BAD_MODE || read == ShmReader.Status.CLASH
                    || read == ShmReader.Status.BAD_TIME && !plausible(original), read.toString());
            return;
        }
        int mode = ShmTime.mode(original);
        assertTrue(mode == 0 || mode == 1, "mode " + mode);
        assertEquals(mode, sample.mode);
        assertEquals(ShmTime.leap(original), sample.leap);
        assertEquals(ShmTime.precision(original), sample.precision);
        checkTimes(original, sample);

        // Written back by a writer of the same kind, it reads as the same sample.
        MemorySegment written = segment();
        ShmTime.mode(written, sample.mode);
        ShmTime.countVolatile(written, 2);
        ShmTime.clockSec(written, ShmTime.clockSec(original));
        ShmTime.receiveSec(written, ShmTime.receiveSec(original));
        ShmTime.clockUsec(written, ShmTime.clockUsec(original));
        ShmTime.receiveUsec(written, ShmTime.receiveUsec(original));
        ShmTime.clockNsec(written, sample.nanoseconds ? ShmTime.clockNsec(original) : 0);
        ShmTime.receiveNsec(written, sample.nanoseconds ? ShmTime.receiveNsec(original) : 0);
        ShmTime.leap(written, sample.leap);
        ShmTime.precision(written, sample.precision);
        ShmTime.validVolatile(written, 1);
        assertEquals(ShmReader.Status.OK, new ShmReader().read(written, again));
        assertEquals(sample.clockTimeNs, again.clockTimeNs);
        assertEquals(sample.receiveTimeNs, again.receiveTimeNs);
        assertEquals(sample.leap, again.leap);
        assertEquals(sample.precision, again.precision);
        assertEquals(sample.mode, again.mode);
    }

    /** Seconds fields within 1970..2255, whose time in ns a long holds. */
    private static boolean plausible(MemorySegment s) {
        return ShmTime.clockSec(s) >= 0 && ShmTime.clockSec(s) <= 9_000_000_000L
                && ShmTime.receiveSec(s) >= 0 && ShmTime.receiveSec(s) <= 9_000_000_000L;
    }

    private static void checkTimes(MemorySegment s, ShmReader.Sample sample) {
        long clockNsec = Integer.toUnsignedLong(ShmTime.clockNsec(s));
        long receiveNsec = Integer.toUnsignedLong(ShmTime.receiveNsec(s));
        boolean ns = clockNsec / 1000 == ShmTime.clockUsec(s) && receiveNsec / 1000 == ShmTime.receiveUsec(s);
        assertEquals(ns, sample.nanoseconds, "nanoseconds used when they agree with the microseconds");
        BigInteger clock = BigInteger.valueOf(ShmTime.clockSec(s)).multiply(NS_PER_S)
                .add(BigInteger.valueOf(ns ? clockNsec : ShmTime.clockUsec(s) * 1000L));
        BigInteger receive = BigInteger.valueOf(ShmTime.receiveSec(s)).multiply(NS_PER_S)
                .add(BigInteger.valueOf(ns ? receiveNsec : ShmTime.receiveUsec(s) * 1000L));
        assertEquals(clock, BigInteger.valueOf(sample.clockTimeNs), "reference time exact, not an overflow");
        assertEquals(receive, BigInteger.valueOf(sample.receiveTimeNs), "receive time exact, not an overflow");
    }

    private static MemorySegment segment() {
        return MemorySegment.ofArray(new long[(int) (ShmTime.sizeof() / Long.BYTES)]);
    }
}
