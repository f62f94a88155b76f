package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DelayModelTest {
    @Test
    void shouldTrackTheMinimumOverItsWindow() {
        DelayModel m = new DelayModel();
        m.add(500);
        m.add(300);
        m.add(400);
        assertEquals(300, m.minNs());
        for (int i = 0; i < DelayModel.WINDOW - 2; i++) {
            m.add(1000);
        }
        assertEquals(300, m.minNs(), "300 is still in the window");
        m.add(1000);
        assertEquals(400, m.minNs(), "300 fell out; 400 is the oldest survivor");
        m.add(1000);
        assertEquals(1000, m.minNs());
    }

    @Test
    void shouldBoundTheFirstSamplesByHalfTheirDelay() {
        DelayModel m = new DelayModel();
        m.add(2_000);
        assertEquals(1_000, m.errorBoundNs(2_000));
        m.add(800);
        assertEquals(400, m.errorBoundNs(800));
    }

    @Test
    void shouldGiveLowDelaySamplesTheTightestBound() {
        DelayModel m = new DelayModel();
        for (long d : new long[] {1_300, 1_100, 1_200, 1_900, 1_000, 2_500}) {
            m.add(d);
        }
        assertTrue(m.errorBoundNs(1_000) < m.errorBoundNs(1_300));
        assertTrue(m.errorBoundNs(1_300) < m.errorBoundNs(2_500));
    }

    /** The model of shared/SCENARIOS.md: squared errors average what the bound's uniform variance predicts. */
    @Test
    void shouldPredictTheErrorVarianceOfExponentialQueueing() {
        SplittableRandom r = new SplittableRandom(7);
        double d0 = 100_000;
        double j = 1_000_000;
        DelayModel m = new DelayModel();
        double ratioSum = 0;
        int n = 0;
        int outside = 0;
        for (int i = 0; i < 5_000; i++) {
            double up = d0 + j * r.nextExponential();
            double down = d0 + j * r.nextExponential();
            long delay = Math.round(up + down);
            m.add(delay);
            double bound = m.errorBoundNs(delay);
            double error = (up - down) / 2;
            if (Math.abs(error) > bound) {
                outside++; // the estimated minimum can sit above the true one
            }
            if (i >= 200) {
                ratioSum += error * error / (bound * bound / 3);
                n++;
            }
        }
        assertTrue(outside < 150, "errors beyond the (probable) bound: " + outside + " of 5000");
        double ratio = ratioSum / n;
        assertTrue(ratio > 0.75 && ratio < 1.3, "mean squared error / predicted variance = " + ratio);
    }

    /** 100 us + Exp(j) each way, plus {@code pathNs} of path: one round-trip delay. */
    private static long lanDelay(SplittableRandom r, double jNs, long pathNs) {
        return Math.round(200_000 + jNs * (r.nextExponential() + r.nextExponential())) + pathNs;
    }

    private static double meanBound(DelayModel m, SplittableRandom r, long pathNs, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            long d = lanDelay(r, 100_000, pathNs);
            m.add(d);
            sum += m.errorBoundNs(d);
        }
        return sum / n;
    }

    @Test
    void shouldGiveSamplesOnALongerPathTheirWeightBackWithinARiseRun() {
        // A path change: 1 ms more each way. Before, the old minimum stayed for WINDOW samples and every sample on the
        // new path looked like 2 ms of queueing (bound ~1 ms, 10x the bound of the same sample before the change).
        DelayModel m = new DelayModel();
        SplittableRandom r = new SplittableRandom(11);
        double before = meanBound(m, r, 0, 200);
        for (int i = 0; i < DelayModel.RISE_RUN; i++) {
            m.add(lanDelay(r, 100_000, 2_000_000));
        }
        double after = meanBound(m, r, 2_000_000, 60);
        assertTrue(after < 1.5 * before, "mean bound " + after + " ns on the new path, " + before + " ns before");
        assertEquals(1, m.pathChanges());
        assertTrue(m.minNs() >= 2_150_000 && m.minNs() < 2_250_000, "the new path's minimum: " + m.minNs());
        assertEquals(100_000, m.jitterScaleNs(), 25_000, "the jitter of the old delays, moved with the path");
    }

    @Test
    void shouldRecogniseRisesAndFallsWithoutAllocating() {
        // A rise sorts the window (the expected smallest excess) in a buffer of its own: nothing per sample.
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management
                .ManagementFactory.getThreadMXBean();
        DelayModel m = new DelayModel();
        SplittableRandom r = new SplittableRandom(13);
        long allocated = -1;
        // warm-up windows until the JIT has compiled add (interpreted code may allocate what C2 removes)
        for (int w = 0; w < 40 && allocated != 0; w++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2_000; i++) {
                m.add(lanDelay(r, 100_000, (i / 100) % 2 == 0 ? 0 : 2_000_000)); // a change every 100 delays
                m.errorBoundNs(1_000_000);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertEquals(0, allocated, "bytes allocated by 2,000 delays with 19 path changes");
        assertTrue(m.pathChanges() >= 19, "changes recognised: " + m.pathChanges());
    }

    @Test
    void shouldPlaceARisenPathsMinimumWithoutBias() {
        // The smallest of the four delays that recognise a rise queued too (0.8 J for the round trip's Gamma(2) law):
        // taken as the new minimum, it sat ~80 us above the new path's true minimum on average (up to 160 us), and
        // the next samples near it counted as nearly perfect. Moved down by the expected smallest excess, unbiased.
        double sumNs = 0;
        int runs = 200;
        for (int seed = 0; seed < runs; seed++) {
            DelayModel m = new DelayModel();
            SplittableRandom r = new SplittableRandom(1000 + seed);
            for (int i = 0; i < 60; i++) {
                m.add(lanDelay(r, 100_000, 0));
            }
            for (int i = 0; i < DelayModel.RISE_RUN; i++) {
                m.add(lanDelay(r, 100_000, 2_000_000));
            }
            assertEquals(1, m.pathChanges(), "seed " + seed);
            sumNs += m.minNs() - 2_200_000;
        }
        assertEquals(0, sumNs / runs, 20_000, "mean error of the new path's minimum, ns");
    }

    @Test
    void shouldKeepTheJitterWhenThePathShortens() {
        // A fall showed at once in the minimum, but the window's delays of the longer path then looked like 2 ms of
        // queueing: the jitter scale (and with it every sample's bound) was ~10x too large for WINDOW samples.
        DelayModel m = new DelayModel();
        SplittableRandom r = new SplittableRandom(12);
        double before = meanBound(m, r, 2_000_000, 200);
        double after = meanBound(m, r, 0, 20);
        assertEquals(100_000, m.jitterScaleNs(), 25_000, "the jitter of the longer path's delays, moved down");
        assertTrue(after < 1.5 * before, "mean bound " + after + " ns on the shorter path, " + before + " ns before");
        assertEquals(1, m.pathChanges());
        assertTrue(m.minNs() < 300_000, "the shorter path's minimum: " + m.minNs());
    }

    @Test
    void shouldNotTakeAQueueingBurstShorterThanARiseRunForAPathChange() {
        DelayModel m = new DelayModel();
        SplittableRandom r = new SplittableRandom(13);
        meanBound(m, r, 0, 200);
        long min = m.minNs();
        for (int i = 0; i < DelayModel.RISE_RUN - 1; i++) {
            m.add(lanDelay(r, 100_000, 2_000_000));
        }
        m.add(lanDelay(r, 100_000, 0));
        for (int i = 0; i < DelayModel.RISE_RUN - 1; i++) {
            m.add(lanDelay(r, 100_000, 2_000_000));
        }
        assertEquals(0, m.pathChanges());
        assertEquals(min, m.minNs());
        assertTrue(m.errorBoundNs(min + 2_000_000) > 900_000, "a burst's samples stay worth little");
    }

    /**
     * The bench's and the simulator's queueing laws, a million round trips each: independent exponential queueing
     * (symmetric, 10x asymmetric, a WAN) and rare 50 ms spikes are never taken for a path change.
     */
    @Test
    void shouldNeverTakeExponentialQueueingOrSpikesForAPathChange() {
        double[][] laws = { // base each way, J up, J down, spike probability each way, spike size (ns)
            {100e3, 100e3, 100e3, 0, 0}, // LAN
            {10e6, 2e6, 2e6, 0, 0}, // WAN
            {100e3, 1e6, 100e3, 0, 0}, // ASYM: the request leg queues 10x more
            {100e3, 10e3, 100e3, 0, 0}, // ASYM-10x of the simulator
            {100e3, 100e3, 100e3, 0.01, 50e6}, // ROBUST's spikes
        };
        for (double[] law : laws) {
            DelayModel m = new DelayModel();
            SplittableRandom r = new SplittableRandom(17);
            for (int i = 0; i < 1_000_000; i++) {
                double up = law[0] + law[1] * r.nextExponential() + (r.nextDouble() < law[3] ? law[4] : 0);
                double down = law[0] + law[2] * r.nextExponential() + (r.nextDouble() < law[3] ? law[4] : 0);
                m.add(Math.round(up + down));
            }
            assertEquals(0, m.pathChanges(), "path changes taken from queueing, law " + java.util.Arrays.toString(law));
        }
    }
}
