package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.jntpd.clock.ReadOnlyClock;
import org.junit.jupiter.api.Test;

/** Sources only ever read: every test runs on a {@link ReadOnlyClock}, whose steering methods throw. */
class SourceTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_767_225_600L * S;

    private final Synchroniser sync = new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults());
    private final Sample sample = new Sample();

    private boolean feed(Source s, long tNs, double offsetNs, long delayNs) {
        return s.accumulate(sample.set(tNs, Math.round(offsetNs), delayNs, 0, 0, 0, 1, 0, 0, -24));
    }

    @Test
    void shouldEstimateOffsetAndFrequencyOfANoiselessSource() {
        Source s = sync.addSource(SourceConfig.of("a", 1));
        // offset 2 ms, drifting +50 ppm: the local clock runs 50 ppm slow
        for (int k = 0; k < 30; k++) {
            long t = T0 + k * 64 * S;
            feed(s, t, 2e6 + 50e-6 * (t - T0), 200_000);
        }
        long now = T0 + 30 * 64 * S;
        assertEquals(2e6 + 50e-6 * (now - T0), s.offsetNs(now), 1_000);
        assertEquals(50, s.frequencyPpm(), 1e-3);
    }

    @Test
    void shouldLearnThatTheQueueingIsOnTheWayBackAndTakeItsBiasOut() {
        // The request leg queues 10 us, the reply leg 100 us (exponential): each sample's error is half the difference,
        // about -45 us on average and growing with the delay. The estimate is the offset at the minimum delay.
        Source s = sync.addSource(SourceConfig.of("a", 1));
        SplittableRandom r = new SplittableRandom(5);
        for (int k = 0; k < 400; k++) {
            long t = T0 + k * 64 * S;
            double up = 100_000 + 10_000 * r.nextExponential();
            double down = 100_000 + 100_000 * r.nextExponential();
            feed(s, t, (up - down) / 2, Math.round(up + down));
        }
        long now = T0 + 400 * 64 * S;
        assertEquals(0, s.offsetNs(now), 5_000, "the offset, not the biased mean");
        assertTrue(s.asymmetry() < -0.3 && s.asymmetry() >= -0.5, "queueing on the way back: " + s.asymmetry());
    }

    @Test
    void shouldWeightSamplesByTheirDelay() {
        Source s = sync.addSource(SourceConfig.of("a", 1));
        SplittableRandom r = new SplittableRandom(3);
        // Offset 0; samples with large delay carry a large error of one sign (queueing on the way back).
        double plainSum = 0;
        int n = 0;
        for (int k = 0; k < 200; k++) {
            long t = T0 + k * 64 * S;
            double queue = r.nextDouble() < 0.5 ? 0 : 2e6 * r.nextDouble();
            feed(s, t, -queue / 2, Math.round(200_000 + queue));
            plainSum += -queue / 2;
            n++;
        }
        long now = T0 + 200 * 64 * S;
        double plainMean = plainSum / n;
        assertTrue(Math.abs(s.offsetNs(now)) < Math.abs(plainMean) / 10,
                "filtered " + s.offsetNs(now) + " ns vs plain mean " + plainMean + " ns");
    }

    @Test
    void shouldRejectASpikeButFollowAStepThatPersists() {
        Source s = sync.addSource(SourceConfig.of("a", 1));
        int k = 0;
        for (; k < 20; k++) {
            assertTrue(feed(s, T0 + k * 64 * S, 0, 200_000));
        }
        assertFalse(feed(s, T0 + k++ * 64 * S, 10e6, 200_000), "a 10 ms outlier with a normal delay is a spike");
        assertTrue(feed(s, T0 + k++ * 64 * S, 0, 200_000));
        assertEquals(1, s.spikes());
        assertFalse(feed(s, T0 + k++ * 64 * S, 10e6, 200_000));
        assertTrue(feed(s, T0 + k++ * 64 * S, 10e6, 200_000), "the same jump seen twice in a row is a step of the source");
        for (int i = 0; i < 5; i++) {
            assertTrue(feed(s, T0 + k++ * 64 * S, 10e6, 200_000));
        }
        assertEquals(10e6, s.offsetNs(T0 + k * 64 * S), 0.5e6);
    }

    @Test
    void shouldFollowAOneMillisecondStepOfANoisySourceAtItsSecondSample() {
        // The network bench's SSTEP: 100 us + Exp(100 us) each way, a poll a second, the server 1 ms ahead from one
        // sample on. Before, the step was taken at its third sample (Source.SPIKES_TO_STEP), a second later than chronyd.
        SplittableRandom r = new SplittableRandom(21);
        int followedAt = 0;
        double freqSum = 0;
        for (int run = 0; run < 20; run++) {
            Source s = sync.addSource(SourceConfig.of("n" + run, 1));
            long t = T0;
            for (int k = 0; k < 120; k++, t += S) {
                double up = 100_000 + 100_000 * r.nextExponential();
                double down = 100_000 + 100_000 * r.nextExponential();
                feed(s, t, (up - down) / 2, Math.round(up + down));
            }
            for (int k = 1; k <= 3; k++, t += S) {
                double up = 100_000 + 100_000 * r.nextExponential();
                double down = 100_000 + 100_000 * r.nextExponential();
                if (feed(s, t, 1e6 + (up - down) / 2, Math.round(up + down))) {
                    followedAt = Math.max(followedAt, k);
                    break;
                }
            }
            assertEquals(1e6, s.offsetNs(t), 200_000, "run " + run + ": the estimate follows the step");
            // Seen twice alike, the step is a phase step: the frequency is not made to carry part of it (widening the
            // frequency by the whole jump over the last interval gave a mean |frequency| of 248 ppm here, 19 ppm now;
            // the clock overshot by 200 us).
            freqSum += Math.abs(s.frequencyPpm());
        }
        assertTrue(followedAt <= 2, "accepted at sample " + followedAt + " of the step at the latest");
        assertTrue(freqSum / 20 < 40, "mean |frequency| after the step " + freqSum / 20 + " ppm");
    }

    @Test
    void shouldNotTakeTwoSpikesThatDisagreeForAStep() {
        Source s = sync.addSource(SourceConfig.of("a", 1));
        int k = 0;
        for (; k < 20; k++) {
            assertTrue(feed(s, T0 + k * 64 * S, 0, 200_000));
        }
        assertFalse(feed(s, T0 + k++ * 64 * S, 10e6, 200_000));
        assertFalse(feed(s, T0 + k++ * 64 * S, -10e6, 200_000), "two spikes, not the same jump");
        assertTrue(feed(s, T0 + k++ * 64 * S, 0, 200_000), "back to the old offset");
        assertEquals(0, s.offsetNs(T0 + k * 64 * S), 1_000, "neither spike moved the estimate");
        assertFalse(feed(s, T0 + k++ * 64 * S, 10e6, 200_000));
        assertFalse(feed(s, T0 + k++ * 64 * S, 20e6, 200_000), "a jump that keeps growing is not yet a step");
        assertTrue(feed(s, T0 + k++ * 64 * S, 30e6, 200_000), "the third in a row is a change all the same");
    }

    @Test
    void shouldKeepTheResidualsOfTheLastSamplesForNpNrAndSpan() {
        Source s = sync.addSource(SourceConfig.of("a", 1));
        SplittableRandom r = new SplittableRandom(11);
        int k = 0;
        feed(s, T0, 0, 200_000);
        assertEquals(0, s.residualSamples(), "the first sample had no prediction");
        for (k = 1; k < 40; k++) {
            assertTrue(feed(s, T0 + k * 64 * S, 20_000 * r.nextGaussian(), 200_000));
        }
        assertEquals(Source.RESIDUAL_WINDOW, s.residualSamples());
        assertEquals((Source.RESIDUAL_WINDOW - 1) * 64 * S, s.residualSpanNs());
        // white noise about a constant offset: runs like coin tosses, 17 +- 2.8 of 32
        assertTrue(s.residualRuns() >= 10 && s.residualRuns() <= 24, "runs " + s.residualRuns());
        assertFalse(feed(s, T0 + k++ * 64 * S, 50e6, 200_000), "a spike");
        assertEquals(Source.RESIDUAL_WINDOW, s.residualSamples(), "a spike is not in the window");
        assertTrue(feed(s, T0 + k++ * 64 * S, 50e6, 200_000), "the same jump again: a step");
        assertEquals(0, s.residualSamples(), "a step empties the window");
        for (int i = 0; i < 5; i++) {
            feed(s, T0 + k++ * 64 * S, 50e6 + 20_000 * r.nextGaussian(), 200_000);
        }
        assertEquals(5, s.residualSamples());
        assertEquals(4 * 64 * S, s.residualSpanNs());
        s.reset();
        assertEquals(0, s.residualSamples());
    }

    @Test
    void shouldLearnHowMuchTheOscillatorWanders() {
        for (double w : new double[] {1e-10, 1e-8}) {
            Source s = sync.addSource(SourceConfig.of("w" + w, 1));
            SplittableRandom r = new SplittableRandom(11);
            double phase = 0;
            double freq = 0;
            for (int k = 0; k < 1_000; k++) {
                for (int i = 0; i < 64; i++) {
                    freq += w * r.nextGaussian();
                    phase += freq * 1e9;
                }
                double up = 100_000 + 2_000 * r.nextExponential();
                double down = 100_000 + 2_000 * r.nextExponential();
                feed(s, T0 + k * 64 * S, phase + (up - down) / 2, Math.round(up + down));
            }
            double ratio = s.wanderPerSqrtS() / w;
            assertTrue(ratio > 0.3 && ratio < 3.3, "W " + w + " estimated as " + s.wanderPerSqrtS());
        }
    }

    @Test
    void shouldTrackAReferenceClockWithoutDelayWhoseJitterItMustLearn() {
        // A PPS-like source: no delay, 2 us Gaussian jitter the sample does not announce, one sample a second.
        Source s = sync.addSource(SourceConfig.of("PPS", 1));
        SplittableRandom r = new SplittableRandom(5);
        double sum2 = 0;
        int counted = 0;
        for (int k = 0; k < 3_000; k++) {
            long t = T0 + k * S;
            feed(s, t, 2_000 * r.nextGaussian(), 0);
            if (k > 500) {
                double e = s.offsetNs(t);
                sum2 += e * e;
                counted++;
            }
        }
        assertTrue(s.spikes() < 30, "spikes: " + s.spikes());
        assertTrue(Math.sqrt(sum2 / counted) < 1_000, "RMS error " + Math.sqrt(sum2 / counted) + " ns");
    }

    @Test
    void shouldMoveItsEstimateWithEveryCorrectionOfTheClock() {
        Source s = sync.addSource(SourceConfig.of("a", 1));
        for (int k = 0; k < 10; k++) {
            feed(s, T0 + k * 64 * S, 5e6, 200_000);
        }
        long t = T0 + 9 * 64 * S;
        double before = s.offsetNs(t);
        s.onFrequencyChange(t, 1e-6, 0); // the clock now gains 1 us per second on the source
        assertEquals(before - 1_000, s.offsetNs(t + S), 1);
        s.onStep(2_000_000); // stepped 2 ms forward: offsets drop by 2 ms, time labels move by 2 ms
        assertEquals(before - 2e6 - 1_000, s.offsetNs(t + S + 2_000_000), 1);
    }
}
