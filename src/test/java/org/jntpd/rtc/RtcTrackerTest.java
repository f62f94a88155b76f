package org.jntpd.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RtcTrackerTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    /** Measures like the daemon would for {@code hours}: a boundary, then the tracker's interval of idling. */
    private static void track(FakeRtc rtc, RtcReader reader, RtcTracker tracker, double hours) {
        RtcReading r = new RtcReading();
        long end = rtc.now + (long) (hours * 3600 * S);
        while (rtc.now < end) {
            assertTrue(reader.measure(r, RtcReader.defaultTimeoutNs()));
            tracker.addSample(r);
            rtc.idle(tracker.measurementIntervalNs());
        }
    }

    @Test
    void shouldMeasureTheDriftOfAnRtcRunning37PpmFast() {
        // Truth: the RTC is 0.3 s ahead at the start and gains 37.25 ppm; interrupts wake 5-50 us late, and every
        // 17th one 3 ms late (a busy machine): those must not bend the line.
        FakeRtc rtc = new FakeRtc(5, T0, 300 * MS, 37.25, FakeRtc.Chip.RESTARTS, RtcSetter.CMOS_SET_OFFSET_NS, null);
        rtc.lateEvery = 17;
        RtcReader reader = new RtcReader(rtc, rtc, null);
        RtcTracker tracker = new RtcTracker();
        track(rtc, reader, tracker, 3);
        assertTrue(tracker.valid());
        assertEquals(37.25, tracker.gainPpm(), 0.05, "measured gain");
        RtcCoefficients c = tracker.coefficients();
        // RTC time R = T0 + 0.3 s + (sys - T0)(1 + g): at RTC time R the lead R - sys is 0.3 s + (R - T0 - 0.3 s) g / (1 + g).
        double g = 37.25e-6;
        double fastTruth = 300 * MS + (c.refRtcSeconds() * S - T0 - 300 * MS) * g / (1 + g);
        assertEquals(fastTruth, c.fastSeconds() * 1e9, 100_000, "RTC lead at the reference time");
        assertTrue(tracker.fittedSamples() < tracker.samples(), "the 3 ms late wake-ups were left out");
        assertTrue(tracker.residualRmsNs() < 30_000, "residual " + tracker.residualRmsNs());
        // 5-50 us of scatter over 3 hours: a standard error of a few ppb, which the 0.05 ppm above is well outside.
        assertTrue(tracker.gainSigmaPpm() > 0 && tracker.gainSigmaPpm() < 0.01, "gain sigma " + tracker.gainSigmaPpm());
        assertEquals(240 * S, tracker.measurementIntervalNs(), "chrony's longest interval once enough samples are in");
    }

    /** The gain's standard error is the residual scatter over the spread of the samples' times: known by hand. */
    @Test
    void shouldGiveTheGainsStandardErrorFromTheFitsScatter() {
        RtcTracker tracker = new RtcTracker();
        // RTC seconds 0, 10, 20, 30 against a system clock 1000 ppm slower, +-1 ms alternately off the line.
        long[] offMs = {1, -1, -1, 1};
        for (int i = 0; i < 4; i++) {
            long rtcSeconds = 1_700_000_000L + 10L * i;
            tracker.addSample(rtcSeconds, rtcSeconds * S - 10L * i * MS + offMs[i] * MS);
        }
        assertEquals(1000, tracker.gainPpm(), 1e-9);
        // Residuals are -1, +1, +1, -1 ms (the offsets are the system's: the lead moves the other way): rms over
        // n - 2 = 2 ms^2 -> 1.414 ms; spread sum (x - mean)^2 = 225 + 25 + 25 + 225 = 500 s^2; 1.414e6 / 22.36 ns/s.
        assertEquals(Math.sqrt(2) * 1e6 / Math.sqrt(500) / 1e3, tracker.gainSigmaPpm(), 1e-9);
    }

    @Test
    void shouldMoveItsSamplesWithAStepOfTheSystemClock() {
        FakeRtc rtc = new FakeRtc(6, T0, 0, -12.0, FakeRtc.Chip.RESTARTS, RtcSetter.CMOS_SET_OFFSET_NS, null);
        RtcReader reader = new RtcReader(rtc, rtc, null);
        RtcTracker tracker = new RtcTracker();
        track(rtc, reader, tracker, 1);
        double before = tracker.fastNs();
        rtc.systemStepNs += 2 * S; // the daemon steps the system clock 2 s forward...
        tracker.onSystemClockStep(2 * S); // ...and tells the tracker
        assertEquals(before - 2 * S, tracker.fastNs(), 1);
        track(rtc, reader, tracker, 0.5);
        assertEquals(-12.0, tracker.gainPpm(), 0.1, "the line continues through the step");
        long rtcNow = new RtcReader(rtc, rtc, null).readNow();
        assertEquals(rtc.fastNs(), tracker.coefficients().predictFastNs(rtcNow), 200_000,
                "predicted lead, now 2 s less after the step");
    }

    @Test
    void shouldForgetSamplesWhenSomeoneElseSetsTheRtcBack() {
        RtcTracker tracker = new RtcTracker();
        tracker.addSample(1_700_000_100L, T0 + 100 * S);
        tracker.addSample(1_700_000_200L, T0 + 200 * S);
        assertEquals(2, tracker.samples());
        tracker.addSample(1_600_000_000L, T0 + 300 * S); // hwclock --set, or a dual boot
        assertEquals(1, tracker.samples());
    }

    @Test
    void shouldTrimWhenTheRtcIsBeyondTheThresholdAndRelearnItsOffsetKeepingTheGain() {
        FakeRtc rtc = new FakeRtc(7, T0, 1_500 * MS, 20.0, FakeRtc.Chip.RESTARTS, RtcSetter.CMOS_SET_OFFSET_NS, null);
        RtcReader reader = new RtcReader(rtc, rtc, null);
        RtcTracker tracker = new RtcTracker();
        track(rtc, reader, tracker, 2);
        assertFalse(tracker.shouldTrim(2 * S, true), "1.5 s is below a 2 s threshold");
        assertFalse(tracker.shouldTrim(S, false), "never from an unsynchronised system clock");
        assertTrue(tracker.shouldTrim(S, true));
        double gain = tracker.gainPpm();

        RtcSetter setter = new RtcSetter(rtc, reader, rtc, rtc, null, RtcSetter.CMOS_SET_OFFSET_NS,
                RtcSetter.WriteBehaviour.RESTARTS);
        RtcReading afterSet = new RtcReading();
        assertTrue(setter.set(afterSet));
        tracker.trimmed(afterSet);
        assertEquals(RtcTracker.Mode.AFTER_TRIM, tracker.mode());
        assertEquals(S, tracker.measurementIntervalNs(), "rapid sampling while re-learning");
        RtcReading r = new RtcReading();
        for (int i = 0; i < 8; i++) {
            assertTrue(reader.measure(r, RtcReader.defaultTimeoutNs()));
            tracker.addSample(r);
        }
        assertEquals(RtcTracker.Mode.NORMAL, tracker.mode());
        assertEquals(gain, tracker.gainPpm(), "eight seconds cannot measure a gain: the old one is kept");
        assertEquals(rtc.fastNs(), tracker.fastNs(), 60_000, "the trimmed RTC's lead, re-learnt");
        assertTrue(Math.abs(tracker.fastNs()) < MS, "the trim took 1.5 s off: " + tracker.fastNs());
        assertFalse(tracker.shouldTrim(S, true));
    }
}
