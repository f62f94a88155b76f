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
}
