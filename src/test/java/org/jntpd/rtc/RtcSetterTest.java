package org.jntpd.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import org.jntpd.rtc.RtcSetter.WriteBehaviour;
import org.junit.jupiter.api.Test;

class RtcSetterTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    @Test
    void shouldFindTheSecondBoundaryByInterruptAndByPolling() {
        FakeRtc rtc = new FakeRtc(1, T0 + 123 * MS, 437 * MS, 0, FakeRtc.Chip.RESTARTS, 0, null);
        RtcReader reader = new RtcReader(rtc, rtc, null);
        RtcReading r = new RtcReading();
        for (int i = 0; i < 20; i++) {
            long truth = rtc.nextTickAfter(rtc.nextTickAfter(rtc.now)); // the first interrupt is skipped
            assertTrue(reader.measure(r, RtcReader.defaultTimeoutNs()));
            assertEquals(1, reader.interruptSupport());
            long error = r.systemNs - truth;
            assertTrue(error >= 0 && error <= 50_000, "interrupt wake-up 5-50 us late: " + error);
            assertEquals(Math.floorDiv(truth + 437 * MS, S), r.rtcSeconds);
            rtc.idle(S / 3);
        }
        rtc.interruptsSupported = false;
        RtcReader polling = new RtcReader(rtc, rtc, null);
        for (int i = 0; i < 20; i++) {
            long truth = rtc.nextTickAfter(rtc.now);
            assertTrue(polling.measure(r, RtcReader.defaultTimeoutNs()));
            assertEquals(-1, polling.interruptSupport(), "falls back to polling and remembers");
            assertTrue(Math.abs(r.systemNs - truth) <= r.uncertaintyNs, r + " truth " + truth);
            assertTrue(r.uncertaintyNs <= 20_000, "one read of 15 us: " + r.uncertaintyNs);
            rtc.idle(S / 7);
        }
    }

    @Test
    void shouldPlanTheWriteSoTheRtcTicksOnTheWholeSecond() {
        // rtc_cmos (0.5 s): at X.2 the next chance is X.5, writing X.
        assertEquals(T0 + 500 * MS, RtcSetter.writeInstantNs(T0 + 200 * MS, RtcSetter.CMOS_SET_OFFSET_NS));
        assertEquals(T0 / S, RtcSetter.valueToWrite(T0 + 500 * MS, RtcSetter.CMOS_SET_OFFSET_NS));
        assertEquals(T0 + S + 500 * MS, RtcSetter.writeInstantNs(T0 + 700 * MS, RtcSetter.CMOS_SET_OFFSET_NS));
        // Other RTCs (1 s + 10 ms): at X.2 write X + 1 at X.99; it arrives at X + 1 and ticks to X + 2 at X + 2.
        assertEquals(T0 + 990 * MS, RtcSetter.writeInstantNs(T0 + 200 * MS, RtcSetter.DEFAULT_SET_OFFSET_NS));
        assertEquals(T0 / S + 1, RtcSetter.valueToWrite(T0 + 990 * MS, RtcSetter.DEFAULT_SET_OFFSET_NS));
        assertEquals(RtcSetter.CMOS_SET_OFFSET_NS, RtcSetter.setOffsetForDriver("rtc_cmos"));
        assertEquals(RtcSetter.DEFAULT_SET_OFFSET_NS, RtcSetter.setOffsetForDriver("rtc-ds1307"));
    }

    @Test
    void shouldAlignAnRtcThatRestartsItsSecondOnWrite() {
        for (long delay : new long[] {RtcSetter.CMOS_SET_OFFSET_NS, RtcSetter.DEFAULT_SET_OFFSET_NS}) {
            FakeRtc rtc = new FakeRtc(2, T0 + 321 * MS, -7 * S - 654 * MS, 0, FakeRtc.Chip.RESTARTS, delay, null);
            RtcSetter setter = new RtcSetter(rtc, new RtcReader(rtc, rtc, null), rtc, rtc, null, delay,
                    WriteBehaviour.RESTARTS);
            RtcReading r = new RtcReading();
            assertTrue(setter.set(r));
            assertEquals(WriteBehaviour.RESTARTS, setter.behaviour());
            assertTrue(Math.abs(rtc.fastNs()) < 100_000, "RTC now within 0.1 ms of the system clock: " + rtc.fastNs());
            assertTrue(Math.abs(r.fastNs()) < 100_000, "and the check after the write says so: " + r);
            assertEquals(1, rtc.writes);
        }
    }

    @Test
    void shouldWriteAgainWhenTheWriteItselfWasHeldUp() {
        FakeRtc rtc = new FakeRtc(5, T0 + 321 * MS, -300 * MS, 0, FakeRtc.Chip.RESTARTS, RtcSetter.CMOS_SET_OFFSET_NS, null);
        rtc.nextWriteStallNs = 22 * MS; // on time when checked, preempted before the write reached the chip
        RtcSetter setter = new RtcSetter(rtc, new RtcReader(rtc, rtc, null), rtc, rtc, null,
                RtcSetter.CMOS_SET_OFFSET_NS, WriteBehaviour.RESTARTS);
        RtcReading r = new RtcReading();
        assertTrue(setter.set(r));
        assertEquals(2, rtc.writes, "the late write replaced at the next second");
        assertTrue(Math.abs(rtc.fastNs()) < 100_000, "RTC within 0.1 ms of the system clock: " + rtc.fastNs());
        assertEquals(WriteBehaviour.RESTARTS, setter.behaviour());
    }

    @Test
    void shouldNoticeAnRtcThatKeepsItsPhaseAndWriteTheNearestSeconds() {
        // As rtc_cmos under Linux on an AMD CPU (qemu64): a write changes only the seconds. The RTC's ticks fall
        // 0.7 s into the system's seconds, so the best it can be is 0.3 s ahead (tick at X.7 shows X + 1).
        FakeRtc rtc = new FakeRtc(3, T0 + 100 * MS, 5 * S + 300 * MS, 0, FakeRtc.Chip.KEEPS_PHASE, 0, null);
        RtcSetter setter = new RtcSetter(rtc, new RtcReader(rtc, rtc, null), rtc, rtc, null,
                RtcSetter.CMOS_SET_OFFSET_NS, WriteBehaviour.RESTARTS);
        RtcReading r = new RtcReading();
        assertTrue(setter.set(r));
        assertEquals(WriteBehaviour.KEEPS_PHASE, setter.behaviour());
        assertEquals(300 * MS, rtc.fastNs(), 1_000);
        assertEquals(300 * MS, r.fastNs(), 60_000);
        int writes = rtc.writes;
        assertTrue(setter.set(r), "already as good as it gets");
        assertEquals(writes, rtc.writes, "no write needed");
    }

    @Test
    void shouldSetAnRtcKeptInLocalTime() {
        ZoneId zone = ZoneId.of("America/New_York");
        FakeRtc rtc = new FakeRtc(4, T0, 3_600 * S, 0, FakeRtc.Chip.RESTARTS, RtcSetter.CMOS_SET_OFFSET_NS, zone);
        RtcSetter setter = new RtcSetter(rtc, new RtcReader(rtc, rtc, zone), rtc, rtc, zone,
                RtcSetter.CMOS_SET_OFFSET_NS, WriteBehaviour.RESTARTS);
        assertTrue(setter.set(new RtcReading()));
        assertTrue(Math.abs(rtc.fastNs()) < 100_000, "fast " + rtc.fastNs());
        RtcReader reader = new RtcReader(rtc, rtc, zone);
        long seconds = reader.readNow();
        assertEquals(Math.floorDiv(reader.lastSystemNs(), S), seconds, 1);
    }
}
