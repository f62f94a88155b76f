package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The NMEA sentence delay learnt against the PPS: synthetic arrivals with a known delay, serial jitter and late
 * sentences; then the driver using what it learnt once the pulses stop.
 */
class NmeaOffsetEstimatorTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long TRUE_DELAY_NS = 143 * MS;

    /** 143 ms + Gaussian jitter (sigma 1 ms, the host's scheduling and a character's quantisation); 8% late by 20-400 ms. */
    private static long delay(Random rnd) {
        long d = TRUE_DELAY_NS + Math.round(rnd.nextGaussian() * MS);
        if (rnd.nextInt(100) < 8) {
            d += 20 * MS + rnd.nextLong(380 * MS);
        }
        return d;
    }

    @Test
    void shouldLearnTheDelayWithinAMillisecondDespiteJitterAndLateSentences() {
        long worstNs = 0;
        for (long seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            NmeaOffsetEstimator e = new NmeaOffsetEstimator(S);
            int convergedAfter = -1;
            for (int i = 1; i <= 200; i++) {
                if (e.add(delay(rnd)) && convergedAfter < 0) {
                    convergedAfter = i;
                }
            }
            assertEquals(NmeaOffsetEstimator.DEFAULT_MIN_SAMPLES, convergedAfter, "seed " + seed);
            assertEquals(TRUE_DELAY_NS, e.estimateNs(), MS, "seed " + seed);
            // The late sentences (20-400 ms) neither pull the mean nor widen the spread: it is the 1 ms jitter, give or
            // take what 64 samples and a few outliers do to a median absolute deviation.
            assertTrue(e.spreadNs() > MS / 2 && e.spreadNs() < 2 * MS, "seed " + seed + ": spread " + e.spreadNs());
            assertTrue(e.usedSamples() < e.samples(), "late sentences left out: " + e.usedSamples());
            worstNs = Math.max(worstNs, Math.abs(e.estimateNs() - TRUE_DELAY_NS));
        }
        System.out.printf("NMEA delay over 64 sentences, 20 runs: worst error %d ns%n", worstNs);
    }

    @Test
    void shouldBeWithinAMillisecondAlreadyWhenItFirstConverges() {
        long worstNs = 0;
        for (long seed = 1; seed <= 50; seed++) {
            Random rnd = new Random(seed);
            NmeaOffsetEstimator e = new NmeaOffsetEstimator(S);
            while (!e.add(delay(rnd))) { }
            assertEquals(TRUE_DELAY_NS, e.estimateNs(), MS, "seed " + seed + " after " + e.samples());
            worstNs = Math.max(worstNs, Math.abs(e.estimateNs() - TRUE_DELAY_NS));
        }
        System.out.printf("NMEA delay at convergence, 50 runs: worst error %d ns%n", worstNs);
    }

    @Test
    void shouldNotConvergeOnALineTooNoisyToTimeAnything() {
        Random rnd = new Random(7);
        NmeaOffsetEstimator e = new NmeaOffsetEstimator(S);
        for (int i = 0; i < 200; i++) {
            assertFalse(e.add(TRUE_DELAY_NS + rnd.nextLong(-50 * MS, 50 * MS)), "uniform +-50 ms after " + i);
        }
        assertTrue(e.spreadNs() > NmeaOffsetEstimator.DEFAULT_MAX_SPREAD_NS, "spread " + e.spreadNs());
    }

    @Test
    void shouldRefuseDelaysThatCannotBelongToTheirPulseAndFollowAChangedReceiver() {
        NmeaOffsetEstimator e = new NmeaOffsetEstimator(S, 16, 8, 5 * MS);
        e.add(S);
        e.add(-S - 1);
        assertEquals(2, e.rejected());
        assertEquals(0, e.samples());
        for (int i = 0; i < 16; i++) {
            e.add(-600 * MS + (i % 3) * MS); // a NEXT_PULSE receiver: the sentence ends 0.6 s before its second
        }
        assertTrue(e.converged());
        assertEquals(-599 * MS, e.estimateNs(), 100_000);
        for (int i = 0; i < 16; i++) {
            e.add(250 * MS); // the receiver was set to another rate: after a window, only the new delay counts
        }
        assertEquals(250 * MS, e.estimateNs());
        assertEquals(0, e.spreadNs());
    }

    // ------------------------------------------------------------------------------------------------ the driver

    @Test
    void shouldTimeSentencesWithTheLearntDelayOnceThePulsesStop() {
        // Truth: the local clock is 3 ms behind true time; each ZDA ends 143 ms (plus jitter, some late) after the
        // second it labels. time2 is not configured (auto): 0 until learnt, so serial samples would be 143 ms off.
        long behind = 3 * MS;
        long t0 = 1_700_000_000L * S; // 2023-11-14 22:13:20
        Refclock c = new Refclock(RefclockSettings.defaults("nmea", "GPS").withFilter(16, 0),
                SystemReference.UNSYNCHRONISED);
        NmeaDriver d = new NmeaDriver(c, NmeaDriver.Anchor.END_OF_LINE,
                new NmeaPpsPairer(NmeaPpsPairer.Label.PREVIOUS_PULSE, S), 0);
        List<String> reports = new ArrayList<>();
        d.calibrate(new NmeaOffsetEstimator(S), (time2Ns, spreadNs, samples) ->
                reports.add(String.format(java.util.Locale.ROOT, "%.3f s +- %.3f s from %d", time2Ns / 1e9, spreadNs / 1e9, samples)));
        Random rnd = new Random(3);
        int k = 0;
        // Before the pulses: serial timing with time2 0, 143 ms wrong.
        for (; k < 16; k++) {
            sentence(d, t0, k, t0 + k * S - behind + delay(rnd));
        }
        long before = median(c);
        assertEquals(behind - TRUE_DELAY_NS, before, 10 * MS, "time2 0: the serial samples are off by the delay");
        // 70 s with PPS: every sentence paired; the delay is learnt.
        for (; k < 86; k++) {
            long pulse = t0 + k * S - behind;
            d.onPulse(pulse + MS, pulse);
            sentence(d, t0, k, pulse + delay(rnd));
        }
        assertEquals(70, d.pairedSamples());
        assertTrue(d.time2Learnt());
        assertEquals(TRUE_DELAY_NS, d.time2Ns(), MS);
        assertEquals(2, reports.size(), "at convergence (16) and when the window filled (64): " + reports);
        assertTrue(reports.get(1).endsWith(" from 64"), reports.toString());
        assertTrue(reports.getFirst().matches("0\\.14[234] s \\+- 0\\.00[12] s from \\d+"), reports.getFirst());
        c.poll();
        // The PPS is lost: serial timing again, now with the learnt delay.
        for (; k < 102; k++) {
            sentence(d, t0, k, t0 + k * S - behind + delay(rnd));
        }
        long after = median(c);
        assertEquals(behind, after, MS, "serial samples with the learnt time2 (was " + before + " ns)");
    }

    @Test
    void shouldLeaveAConfiguredDelayAloneWithoutCalibration() {
        Refclock c = new Refclock(RefclockSettings.defaults("nmea", "GPS").withCorrections(0, 100 * MS, 0, 1),
                SystemReference.UNSYNCHRONISED);
        NmeaDriver d = new NmeaDriver(c, NmeaDriver.Anchor.END_OF_LINE,
                new NmeaPpsPairer(NmeaPpsPairer.Label.PREVIOUS_PULSE, S), 0);
        long t0 = 1_700_000_000L * S;
        for (int k = 0; k < 40; k++) {
            d.onPulse(t0 + k * S + MS, t0 + k * S);
            sentence(d, t0, k, t0 + k * S + TRUE_DELAY_NS);
        }
        assertEquals(100 * MS, d.time2Ns(), "a configured time2 wins");
        assertFalse(d.time2Learnt());
    }

    private static void sentence(NmeaDriver d, long t0, int k, long endNs) {
        String zda = NmeaTest.sentence(String.format("GPZDA,%06d.00,14,11,2023,00,00", hhmmss(t0 / S + k)));
        byte[] b = zda.getBytes(StandardCharsets.US_ASCII);
        d.onSentence(b, b.length, endNs - 40 * MS, endNs, endNs + MS);
    }

    private static int hhmmss(long unixS) {
        long s = Math.floorMod(unixS, 86_400L);
        return (int) (s / 3600 * 10_000 + s / 60 % 60 * 100 + s % 60);
    }

    /** The median offset of the samples since the last poll. */
    private static long median(Refclock c) {
        RefclockSample s = c.poll();
        assertTrue(s != null, "a sample");
        return s.offsetNs();
    }
}
