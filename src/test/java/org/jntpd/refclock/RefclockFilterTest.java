package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RefclockFilterTest {
    private static final long S = 1_000_000_000L;

    @Test
    void shouldRecoverGaussianJitterAndTheOffsetAtTheMeanTimeDespiteAFrequencyError() {
        // Truth: offset(t) = 250 us - 20 ppm * t, noise sigma = 3 us; 16 one-second samples per poll, 300 polls.
        Random rnd = new Random(42);
        RefclockFilter f = new RefclockFilter(16, RefclockFilter.DEFAULT_COMBINE_RATIO, 0, 1);
        double sigma = 3000;
        double[] jitter = new double[300];
        double[] error = new double[300];
        long t0 = 1_700_000_000L * S;
        for (int poll = 0; poll < 300; poll++) {
            for (int i = 0; i < 16; i++) {
                long t = t0 + (poll * 16L + i) * S;
                assertTrue(f.accumulate(t, truth(t, t0) + Math.round(rnd.nextGaussian() * sigma), 10));
            }
            assertTrue(f.reduce());
            assertEquals(0, f.size(), "a poll empties the filter");
            jitter[poll] = f.resultJitterNs();
            error[poll] = f.resultOffsetNs() - truth(f.resultTimeNs(), t0);
        }
        double medianJitter = median(jitter);
        assertTrue(Math.abs(medianJitter - sigma) < 0.10 * sigma,
                "median jitter " + medianJitter + " ns should be within 10 % of the true 3000 ns");
        double rms = Math.sqrt(Arrays.stream(error).map(e -> e * e).average().orElseThrow());
        // ~10 of 16 samples combined: the mean is good to about sigma / sqrt(10) ~ 1 us.
        assertTrue(rms < 1500, "RMS error of the combined offset at its mean time: " + rms + " ns");
    }

    private static long truth(long t, long t0) {
        return 250_000 - (t - t0) / 50_000; // -20 ppm
    }

    @Test
    void shouldIgnoreOutliersThatAMeanWouldFollow() {
        RefclockFilter f = new RefclockFilter(10, 0.6, 0, 1);
        long[] offsets = {100, 102, 98, 101, 99, 5_000_000, 100, -3_000_000, 103, 97};
        for (int i = 0; i < offsets.length; i++) {
            f.accumulate(i * S, offsets[i], 50);
        }
        assertTrue(f.reduce());
        assertEquals(6, f.resultSamples(), "60 % of 10 around the line");
        assertTrue(Math.abs(f.resultOffsetNs() - 100) <= 2, "offset " + f.resultOffsetNs());
        assertTrue(f.resultJitterNs() < 10, "jitter " + f.resultJitterNs());
    }

    @Test
    void shouldPreferSamplesWithSmallDispersion() {
        // Eight precise samples near 0 and four coarse ones near 1 ms: only the precise ones take part.
        RefclockFilter f = new RefclockFilter(12, 1.0, 0, 1);
        for (int i = 0; i < 12; i++) {
            boolean coarse = i % 3 == 0;
            f.accumulate(i * S, coarse ? 1_000_000 : (i % 2 == 0 ? 10 : -10), coarse ? 1_000_000 : 100);
        }
        assertTrue(f.reduce());
        assertEquals(6, f.resultSamples(), "8 precise candidates, one cut at each end");
        assertTrue(Math.abs(f.resultOffsetNs()) <= 10, "offset " + f.resultOffsetNs());
        assertTrue(f.resultDispersionNs() >= 100, "never below the samples' own dispersion");
    }

    @Test
    void shouldRefuseSamplesThatDoNotMoveForwardAndKeepTheLastAcrossPolls() {
        RefclockFilter f = new RefclockFilter(4, 0.6, 0, 1);
        assertFalse(f.hasLast());
        assertTrue(f.accumulate(10 * S, 5, 1));
        assertFalse(f.accumulate(10 * S, 6, 1), "same time twice");
        assertFalse(f.accumulate(9 * S, 6, 1), "backwards");
        assertTrue(f.reduce());
        assertEquals(5, f.resultOffsetNs());
        assertEquals(10 * S, f.resultTimeNs());
        assertTrue(f.hasLast(), "the last sample survives the poll (a PPS lock reads it)");
        assertEquals(5, f.lastOffsetNs());
        assertFalse(f.reduce(), "nothing new to reduce");
        f.dropAll();
        assertFalse(f.hasLast());
    }

    @Test
    void shouldMoveStoredSamplesWithAClockStep() {
        RefclockFilter f = new RefclockFilter(4, 0.6, 0, 1);
        f.accumulate(100 * S, 2 * S + 7, 1);
        f.onClockStep(2 * S);
        assertEquals(102 * S, f.lastTimeNs());
        assertEquals(7, f.lastOffsetNs(), "after stepping forward 2 s the clock is only 7 ns behind");
        assertFalse(f.accumulate(101 * S + 1, 9, 1), "before the moved sample: refused");
        assertTrue(f.accumulate(102 * S + 1, 9, 1));
    }

    /**
     * 16 pulses of one poll, exact; the clock runs true until 100 s, then 1000 ppm fast. Read at the present rate it
     * always ran 1000 ppm fast: offsets fall on one line, offset = -(t - 100 s) * 1e-3 / 1.001 in its own readings.
     * Re-expressed, the pulses combine to a point on that line with no jitter; unmoved, they kink at the change.
     */
    @Test
    void shouldCombineSamplesTakenAcrossARateChangeAtThePresentRate() {
        long at = 100 * S;
        RefclockFilter moved = new RefclockFilter(16, RefclockFilter.DEFAULT_COMBINE_RATIO, 0, 1);
        RefclockFilter unmoved = new RefclockFilter(16, RefclockFilter.DEFAULT_COMBINE_RATIO, 0, 1);
        for (long trueS = 92; trueS < 108; trueS++) {
            long trueNs = trueS * S;
            long local = trueNs <= at ? trueNs : at + Math.round((trueNs - at) * 1.001);
            if (trueNs == at + S) {
                moved.onRateChange(at, 1e-3); // told between the pulses, as the runner hears of it
                unmoved.onRateChange(at, 0);
            }
            assertTrue(moved.accumulate(local, trueNs - local, 10));
            assertTrue(unmoved.accumulate(local, trueNs - local, 10));
        }
        assertTrue(moved.reduce());
        assertTrue(unmoved.reduce());
        double expected = -(moved.resultTimeNs() - at) * 1e-3 / 1.001;
        assertEquals(expected, moved.resultOffsetNs(), 2, "on the present rate's line");
        assertTrue(moved.resultJitterNs() <= 2, "one line: no jitter, " + moved.resultJitterNs() + " ns");
        double unmovedError = unmoved.resultOffsetNs() + (unmoved.resultTimeNs() - at) * 1e-3 / 1.001;
        assertTrue(Math.abs(unmovedError) > 100_000, "unmoved, the kink is combined: " + unmovedError + " ns off");

        // The sample kept after the poll (a PPS lock reads it) moves with a later change; one taken after stays.
        long lastTime = moved.lastTimeNs();
        long lastOffset = moved.lastOffsetNs();
        moved.onRateChange(lastTime - S, -5e-4);
        assertEquals(lastTime, moved.lastTimeNs(), "taken after the change: already at the new rate");
        moved.onRateChange(lastTime + S, -5e-4);
        assertEquals(lastTime + 500_000, moved.lastTimeNs());
        assertEquals(lastOffset - 500_000, moved.lastOffsetNs(), "the reference's time unchanged");
    }

    @Test
    void shouldRefuseAPollWhoseJitterExceedsTheMaximum() {
        RefclockFilter f = new RefclockFilter(8, 1.0, 1000, 1);
        for (int i = 0; i < 8; i++) {
            f.accumulate(i * S, i % 2 == 0 ? 50_000 : -50_000, 1);
        }
        assertFalse(f.reduce());
        assertEquals(8, f.size(), "refused samples stay, as in chrony");
    }

    @Test
    void shouldKnowTheTrimmedNormalVarianceRatio() {
        // Central 60 % of N(0,1) lie within +-0.8416 sigma, with variance 1 - 2 z phi(z) / 0.6 = 0.2145.
        assertEquals(0.841621, RefclockFilter.inverseNormalCdf(0.8), 1e-6);
        assertEquals(-2.326348, RefclockFilter.inverseNormalCdf(0.01), 1e-6);
        assertEquals(0.2145, RefclockFilter.truncatedVarianceRatio(0.6), 1e-4);
        assertEquals(1.0, RefclockFilter.truncatedVarianceRatio(1.0));
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
