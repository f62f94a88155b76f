package org.jntpd.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RTC keeper on {@link FakeRtc}'s virtual timeline: an RTC of known offset and drift, reads that cost 15 us,
 * interrupts that wake 5-50 us late. The service's thread parks until each turn is due; here the timeline jumps there.
 */
class RtcKeeperTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long US = 1_000L;
    private static final long T0 = 1_700_000_000L * S;

    @TempDir
    Path dir;

    /** The daemon as the keeper sees it: the fake's system clock (the disciplined clock too), a sync flag, steps. */
    private static final class Host implements RtcKeeper.Host {
        final FakeRtc rtc;
        boolean synced = true;
        int steps;

        Host(FakeRtc rtc) {
            this.rtc = rtc;
        }

        @Override
        public long kernelNowNs() {
            return rtc.getAsLong();
        }

        @Override
        public long toClockNs(long kernelNs) {
            return kernelNs;
        }

        @Override
        public boolean synchronised() {
            return synced;
        }

        @Override
        public void stepClock(long stepNs) {
            rtc.systemStepNs += stepNs;
            steps++;
        }
    }

    private static FakeRtc cmos(long rtcFastNs, double gainPpm) {
        return new FakeRtc(7, T0 + 123 * MS, rtcFastNs, gainPpm, FakeRtc.Chip.RESTARTS, RtcSetter.CMOS_SET_OFFSET_NS,
                ZoneOffset.UTC);
    }

    private RtcKeeper keeper(FakeRtc rtc, Host host, long autotrimNs, boolean control, long maxBackwardStepNs) {
        RtcKeeper.Settings settings = new RtcKeeper.Settings(dir.resolve("rtc"), ZoneOffset.UTC, autotrimNs, control,
                Long.MIN_VALUE, maxBackwardStepNs);
        return new RtcKeeper(settings, rtc, rtc, "rtc_cmos", host);
    }

    /** Runs turns as the service does for {@code durationNs} of the timeline; returns how many measured. */
    private static int run(RtcKeeper k, FakeRtc rtc, long durationNs) {
        long end = rtc.now + durationNs;
        int measured = 0;
        while (rtc.now < end) {
            int before = k.tracker().samples();
            long dueNs = k.turn() - rtc.systemStepNs; // system time -> timeline
            measured += k.tracker().samples() != before ? 1 : 0;
            rtc.now = Math.max(rtc.now, dueNs);
        }
        return measured;
    }

    @Test
    void shouldTrackTheDriftAtChronysIntervalsAndSaveTheRtcfile() throws Exception {
        FakeRtc rtc = cmos(-300 * MS, 37.0);
        Host host = new Host(rtc);
        RtcKeeper k = keeper(rtc, host, 0, true, Long.MAX_VALUE);
        assertEquals(null, k.fileCoefficients(), "no rtcfile yet");

        int measured = run(k, rtc, 2 * 3600 * S);
        RtcTracker t = k.tracker();
        assertEquals(37.0, t.gainPpm(), 0.01, "the fit's drift, ppm");
        assertTrue(t.residualRmsNs() < 20 * US, "boundaries bracketed by one 15 us read: " + t.residualRmsNs());
        // 15 s apart at first, doubling to 240 s: 2 h hold about 40 measurements, not one every second.
        assertTrue(measured >= 30 && measured <= 45, "measurements in 2 h: " + measured);
        // Polling starts shortly before the predicted tick: a few thousand reads, never a second of spinning each.
        assertTrue(rtc.reads / measured < 5_000, "reads per measurement " + rtc.reads / measured);
        assertEquals(0, rtc.writes, "no rtcautotrim, the RTC is only read");

        RtcCoefficients c = RtcFile.read(dir.resolve("rtc")).coefficients();
        assertNotNull(c, Files.readString(dir.resolve("rtc")));
        assertTrue(c.valid());
        long rtcNowS = Math.floorDiv(rtc.rtcNs(rtc.now), S);
        assertEquals(rtc.fastNs(), c.predictFastNs(rtcNowS), 50 * US, "the file predicts the RTC's offset now");
        assertEquals(37.0, c.gainPpm(), 0.01);
        // What jntpc rtcdata shows: the same fit, as published for other threads
        RtcKeeper.Status st = k.status();
        assertTrue(st.valid());
        assertEquals(t.samples(), st.samples());
        assertEquals(c.refRtcSeconds(), st.refRtcSeconds());
        assertEquals(t.fastNs() * 1e-9, st.fastS(), 1e-12);
        assertEquals(c.fastSeconds(), st.fastS(), 1e-6, "the rtcfile holds it to the microsecond");
        assertEquals(37.0, st.gainPpm(), 0.01);
        assertEquals(t.residualRmsNs() * 1e-9, st.residualRmsS(), 1e-12);
        assertEquals("NORMAL", st.mode());
    }

    @Test
    void shouldMeasureNothingWhileTheClockIsUnsynchronised() {
        FakeRtc rtc = cmos(0, 5.0);
        Host host = new Host(rtc);
        host.synced = false;
        RtcKeeper k = keeper(rtc, host, 0, true, Long.MAX_VALUE);
        run(k, rtc, 120 * S);
        assertEquals(0, rtc.reads, "an unsynchronised clock is no yardstick for the RTC");
        assertFalse(Files.exists(dir.resolve("rtc")));
        host.synced = true;
        run(k, rtc, 60 * S);
        assertTrue(k.tracker().samples() >= 3, "measured once synchronised: " + k.tracker().samples());
    }

    @Test
    void shouldTrimAnRtcBeyondTheThresholdOnceAndThenTrackItAgain() throws Exception {
        FakeRtc rtc = cmos(-3_200 * MS, 10.0);
        Host host = new Host(rtc);
        RtcKeeper k = keeper(rtc, host, S, true, Long.MAX_VALUE);
        run(k, rtc, 40 * S);
        assertEquals(1, rtc.writes, "set once the offset was known (two samples)");
        assertEquals(0, rtc.fastNs(), 200 * US, "the write restarted the RTC's second on the system's");
        run(k, rtc, 600 * S);
        assertEquals(1, rtc.writes, "10 ppm for 10 min stays far below the 1 s threshold");
        assertEquals(RtcTracker.Mode.NORMAL, k.tracker().mode());
        RtcCoefficients c = RtcFile.read(dir.resolve("rtc")).coefficients();
        assertEquals(rtc.fastNs(), c.predictFastNs(Math.floorDiv(rtc.rtcNs(rtc.now), S)), 100 * US, c.toString());
    }

    @Test
    void shouldSetTheSystemClockFromTheRtcCorrectedByTheDriftInTheRtcfile() throws Exception {
        // A day ago the RTC was 2.5 s fast, gaining 20 ppm: now 4.228 s fast. The system clock is 100 s behind.
        RtcFile.write(dir.resolve("rtc"), new RtcCoefficients(true, T0 / S - 86_400 + 2, 2.5, 20.0));
        FakeRtc rtc = cmos(2_500 * MS + 1_728 * MS, 20.0);
        rtc.systemStepNs = -100 * S;
        Host host = new Host(rtc);
        RtcKeeper k = keeper(rtc, host, 0, true, 1000 * S);
        assertEquals(20.0, k.fileCoefficients().gainPpm());
        k.setClockAtStart();
        assertEquals(1, host.steps);
        // Bracketed by 15 us reads; the file's drift (ppm of RTC time) against the fake's (of system time): 35 us.
        assertEquals(0, rtc.systemStepNs, 100 * US, "the system clock's error after -s, ns");
        assertEquals(0, rtc.writes);
    }

    @Test
    void shouldSetTheClockFromASharpBoundaryWhenTheReaderWasPreemptedAcrossTheTick() {
        FakeRtc rtc = cmos(0, 0);
        rtc.systemStepNs = -100 * S;
        rtc.nextReadAcrossTickStallNs = 800 * MS; // the boundary bracketed 0.8 s wide: its midpoint 0.4 s off
        Host host = new Host(rtc);
        keeper(rtc, host, 0, true, 1000 * S).setClockAtStart();
        assertEquals(1, host.steps);
        assertEquals(0, rtc.systemStepNs, 100 * US, "the system clock's error after -s, ns");
    }

    @Test
    void shouldStepBackOnlyWithinTheLimit() {
        FakeRtc rtc = cmos(0, 0);
        rtc.systemStepNs = 2_000 * S;
        Host host = new Host(rtc);
        keeper(rtc, host, 0, true, 1000 * S).setClockAtStart();
        assertEquals(0, host.steps, "2000 s back is beyond tinker panic's 1000 s: the RTC is not believed");
        rtc.systemStepNs = 500 * S;
        keeper(rtc, host, 0, true, 1000 * S).setClockAtStart();
        assertEquals(1, host.steps);
        assertEquals(0, rtc.systemStepNs, 100 * US);
    }

    @Test
    void shouldChangeNoClockWithoutClockControl() {
        FakeRtc rtc = cmos(-5 * S, 3.0);
        rtc.systemStepNs = -100 * S;
        Host host = new Host(rtc);
        RtcKeeper k = keeper(rtc, host, S, false, Long.MAX_VALUE);
        k.setClockAtStart();
        run(k, rtc, 300 * S);
        assertEquals(0, host.steps, "-x: -s is ignored");
        assertEquals(0, rtc.writes, "-x: rtcautotrim never sets the RTC");
        assertTrue(Files.exists(dir.resolve("rtc")), "the RTC is still tracked");
    }

    @Test
    void shouldMoveTheSamplesWithAStepOfTheSystemClock() {
        FakeRtc rtc = cmos(-300 * MS, -12.0);
        Host host = new Host(rtc);
        RtcKeeper k = keeper(rtc, host, 0, true, Long.MAX_VALUE);
        run(k, rtc, 900 * S);
        rtc.systemStepNs += 700 * MS; // the synchroniser steps the clock
        k.onClockStep(700 * MS);
        run(k, rtc, 1800 * S);
        assertEquals(-12.0, k.tracker().gainPpm(), 0.02, "the drift survives the step");
        assertEquals(rtc.fastNs(), k.tracker().coefficients().predictFastNs(Math.floorDiv(rtc.rtcNs(rtc.now), S)), 50 * US,
                "the offset moved with the clock");
        assertTrue(k.tracker().samples() > 10, "the old samples were kept: " + k.tracker().samples());
    }
}
