package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jntpd.refclock.SockSample.Status;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

class SockDriverTest {
    private static final long S = 1_000_000_000L;

    private static MemorySegment datagram(long sec, long usec, double offset, boolean pulse, int leap) {
        MemorySegment m = MemorySegment.ofArray(new byte[64]);
        SockSample.encode(m, sec, usec, offset, pulse, leap);
        return m;
    }

    @Test
    void shouldTurnAGpsdSampleIntoAReferenceTime() {
        Refclock c = new Refclock(RefclockSettings.defaults("sock", "GPSD"), SystemReference.UNSYNCHRONISED);
        SockDriver d = new SockDriver(c);
        long sec = 1_700_000_100L;
        assertEquals(Status.OK, d.onDatagram(sec * S + 2 * S, datagram(sec, 250_000, 0.000_012_5, false, 0), 40));
        assertEquals(Refclock.Verdict.ACCEPTED, d.lastVerdict());
        RefclockSample s = c.poll();
        assertEquals(sec * S + 250_000_000, s.localTimeNs());
        assertEquals(12_500, s.offsetNs(), "offset = true - system: the system clock is 12.5 us behind");
    }

    @Test
    void shouldReadAPulseSampleAsChronyDoes() {
        // chrony hands a pulse message's offset to RCL_AddPulse as the system clock's position in the second:
        // offset +0.000003 means the system clock read 3 us past the pulse's second, so it is 3 us ahead.
        Refclock c = new Refclock(RefclockSettings.defaults("sock", "PPS"),
                SystemReference.fixed(1_000_000, NtpPacket.LEAP_NONE));
        SockDriver d = new SockDriver(c);
        long sec = 1_700_000_100L;
        assertEquals(Status.OK, d.onDatagram(sec * S + S, datagram(sec, 3, 0.000_003, true, 0), 40));
        assertEquals(Refclock.Verdict.ACCEPTED, d.lastVerdict());
        assertEquals(-3_000, c.poll().offsetNs());
    }

    @Test
    void shouldRefuseASampleWhoseTimeOverflowsInsteadOfTakingAWrappedTime() {
        // Fuzzing found it (SockSampleFuzzTestInputs/datagram/crash-0c323bde...): tv_usec 0x1bf201f310000 made
        // tv_sec * 1e9 + tv_usec * 1000 wrap to -7.9e18 ns; such a sum can wrap to any time, "now" included.
        Refclock c = new Refclock(RefclockSettings.defaults("sock", "GPSD"), SystemReference.UNSYNCHRONISED);
        SockDriver d = new SockDriver(c);
        assertEquals(Status.BAD_TIME, d.onDatagram(0, datagram(1_767_268_800L, 0x1bf201f310000L, 0, false, 0), 40));
        assertEquals(Status.BAD_TIME, d.onDatagram(0, datagram(Long.MAX_VALUE / 1000, 0, 0, false, 0), 40));
        assertEquals(Status.BAD_TIME, d.onDatagram(0, datagram(-1, 999_999, 0, false, 0), 40), "before 1970");
        long sec = 1_767_268_800L;
        assertEquals(Status.OK, d.onDatagram(sec * S + 2 * S, datagram(sec, 1_500_000, 0, false, 0), 40), "normalised, as chrony does");
        assertEquals(sec * S + 1_500_000_000L, c.poll().localTimeNs());
    }

    @Test
    void shouldRefuseDatagramsOfTheWrongSizeMagicOrOffset() {
        Refclock c = new Refclock(RefclockSettings.defaults("sock", "GPSD"), SystemReference.UNSYNCHRONISED);
        SockDriver d = new SockDriver(c);
        MemorySegment good = datagram(1_700_000_000L, 0, 0.1, false, 0);
        assertEquals(Status.BAD_SIZE, d.onDatagram(0, good, 32), "a 32-bit sender's timeval");
        assertEquals(Status.BAD_SIZE, d.onDatagram(0, good, 41));
        MemorySegment wrongMagic = datagram(1_700_000_000L, 0, 0.1, false, 0);
        wrongMagic.set(ValueLayout.JAVA_INT_UNALIGNED, SockSample.MAGIC_OFFSET, Integer.reverseBytes(SockSample.MAGIC));
        assertEquals(Status.BAD_MAGIC, d.onDatagram(0, wrongMagic, 40), "big-endian sender");
        assertEquals(Status.BAD_OFFSET, d.onDatagram(0, datagram(1_700_000_000L, 0, Double.NaN, false, 0), 40));
        assertEquals(Status.BAD_OFFSET, d.onDatagram(0, datagram(1_700_000_000L, 0, 1e12, false, 0), 40));
        assertEquals(2, d.statusCount(Status.BAD_SIZE));
        assertEquals(2, d.statusCount(Status.BAD_OFFSET));
        assertEquals(null, c.poll(), "nothing reached the clock");
    }

    @Test
    void shouldNormaliseMicrosecondsOutsideTheSecondAsChronyDoes() {
        SockSample s = new SockSample();
        assertEquals(Status.OK, s.decode(datagram(100, 1_500_000, 0, false, 0), 40));
        assertEquals(101_500_000_000L, s.systemTimeNs());
        assertEquals(Status.OK, s.decode(datagram(100, -1, 0, false, 0), 40));
        assertEquals(99_999_999_000L, s.systemTimeNs());
    }
}
