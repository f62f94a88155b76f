package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.jntpd.clock.ReadOnlyClock;
import org.junit.jupiter.api.Test;

class PollPolicyTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_767_225_600L * S;

    @Test
    void shouldPredictMoreErrorForLongerIntervals() {
        double previous = 0;
        for (int poll = 4; poll <= 12; poll++) {
            double rms = PollPolicy.steadyStateRmsS(1e-9, 1e-8, Math.scalb(1.0, poll));
            assertTrue(rms > previous, "poll " + poll);
            previous = rms;
        }
        // Noise-limited: doubling the interval costs 2^(3/8) (about 30%) more error.
        double ratio = PollPolicy.steadyStateRmsS(1e-12, 1e-8, 2048) / PollPolicy.steadyStateRmsS(1e-12, 1e-8, 1024);
        assertEquals(Math.pow(2, 3.0 / 8), ratio, 0.03);
    }

    @Test
    void shouldPollLongerOnlyWhenTheOperatorTradesAccuracyForPackets() {
        Source s = source();
        SplittableRandom r = new SplittableRandom(2);
        Sample sample = new Sample();
        for (int k = 0; k < 200; k++) {
            double up = 100_000 + 5e6 * r.nextExponential(); // 5 ms jitter, a quiet oscillator
            double down = 100_000 + 5e6 * r.nextExponential();
            s.accumulate(sample.set(T0 + k * 64 * S, Math.round((up - down) / 2), Math.round(up + down), 0, 0, 0, 1, 0, 0, -24));
        }
        assertEquals(7, PollPolicy.advise(s, 6, 6, 10, PollPolicy.DEFAULT_COST), "noise-limited: longer by default");
        assertEquals(6, PollPolicy.advise(s, 6, 6, 10, 0.1), "accuracy first when asked");
        assertEquals(7, PollPolicy.advise(s, 6, 6, 10, 0.5), "one step at a time");
        assertEquals(10, PollPolicy.advise(s, 10, 6, 10, 0.5), "never beyond maxpoll");
        assertEquals(9, PollPolicy.advise(s, 10, 6, 10, 0.05), "back down when the error grows too much");
    }

    @Test
    void shouldKeepTheShortIntervalUntilTheEstimateHasConverged() {
        // A converged source would poll longer; right after the source stepped (three samples 20 ms off in a row,
        // taken as a step, its uncertainty widened) it keeps the short interval until the estimate is good again.
        Source s = source();
        SplittableRandom r = new SplittableRandom(2);
        Sample sample = new Sample();
        int k = 0;
        for (; k < 200; k++) {
            s.accumulate(sample.set(T0 + k * 64 * S, jittered(r, 0), 200_000 + Math.round(1e6 * r.nextExponential()), 0,
                    0, 0, 1, 0, 0, -24));
        }
        assertEquals(7, PollPolicy.advise(s, 6, 6, 10, 0.5), "converged");
        for (int step = 0; step < 3; step++, k++) {
            s.accumulate(sample.set(T0 + k * 64 * S, jittered(r, 20_000_000), 200_000, 0, 0, 0, 1, 0, 0, -24));
        }
        assertEquals(6, PollPolicy.advise(s, 6, 6, 10, 0.5), "still converging after the step");
        for (int more = 0; more < 100; more++, k++) {
            s.accumulate(sample.set(T0 + k * 64 * S, jittered(r, 20_000_000), 200_000 + Math.round(1e6 * r.nextExponential()),
                    0, 0, 0, 1, 0, 0, -24));
        }
        assertEquals(7, PollPolicy.advise(s, 6, 6, 10, 0.5), "converged again");
    }

    @Test
    void shouldGoBackToMinpollOnASpikeAndStayThereUntilTheSourceHasSettled() {
        // At maxpoll, a spike (10 ms, delay normal) must be confirmed or dismissed in minutes: minpoll for the next
        // request and, should its answer be lost, for the one after (the advice holds while the source is suspect).
        Source s = source();
        SplittableRandom r = new SplittableRandom(4);
        Sample sample = new Sample();
        long t = T0;
        for (int k = 0; k < 60; k++, t += 1024 * S) {
            s.accumulate(sample.set(t, jittered(r, 0), 200_000, 0, 0, 0, 1, 0, 0, -24));
        }
        assertTrue(PollPolicy.advise(s, 10, 6, 10, PollPolicy.DEFAULT_COST) >= 9, "converged: a long interval");
        assertTrue(!s.accumulate(sample.set(t, jittered(r, 10_000_000), 200_000, 0, 0, 0, 1, 0, 0, -24)), "a spike");
        assertEquals(6, PollPolicy.advise(s, 10, 6, 10, PollPolicy.DEFAULT_COST), "minpoll after the spike");
        t += 64 * S;
        assertTrue(s.accumulate(sample.set(t, jittered(r, 10_000_000), 200_000, 0, 0, 0, 1, 0, 0, -24)), "a step, seen twice");
        for (int k = 0; k < 3; k++) {
            assertEquals(6, PollPolicy.advise(s, 6, 6, 10, PollPolicy.DEFAULT_COST), "settling: minpoll, sample " + k);
            t += 64 * S;
            s.accumulate(sample.set(t, jittered(r, 10_000_000), 200_000, 0, 0, 0, 1, 0, 0, -24));
        }
        t += 64 * S;
        s.accumulate(sample.set(t, jittered(r, 10_000_000), 200_000, 0, 0, 0, 1, 0, 0, -24));
        assertTrue(!s.suspect(), "settled after four samples: the policy's own rules again");
    }

    private static Source source() {
        return new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults()).addSource(SourceConfig.of("a", 1));
    }

    private static long jittered(SplittableRandom r, long offsetNs) {
        return offsetNs + Math.round(20_000 * r.nextGaussian());
    }
}
