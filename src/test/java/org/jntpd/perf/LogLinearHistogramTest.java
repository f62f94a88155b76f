package org.jntpd.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogLinearHistogramTest {
    /** The nearest-rank percentile of sorted samples: the ceil(q * n)-th smallest. */
    private static long exact(long[] sorted, double q) {
        int rank = (int) Math.max(1, Math.ceil(q * sorted.length));
        return sorted[rank - 1];
    }

    @Test
    void shouldBeExactBelowTheLinearLimit() {
        LogLinearHistogram h = new LogLinearHistogram();
        for (int v = 1; v <= 100; v++) {
            h.record(v);
        }
        assertEquals(100, h.count());
        assertEquals(50, h.valueAt(0.5));
        assertEquals(99, h.valueAt(0.99));
        assertEquals(100, h.valueAt(1.0));
        assertEquals(1, h.valueAt(0.0));
        assertEquals(1, h.min());
        assertEquals(100, h.max());
        assertEquals(50.5, h.mean(), 1e-9);
    }

    @Test
    void shouldPlaceEveryValueInsideItsBucketWithBucketsInOrder() {
        LogLinearHistogram h = new LogLinearHistogram(7);
        SplittableRandom random = new SplittableRandom(42);
        long[] probes = new long[20_000];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = random.nextLong(Long.MAX_VALUE) >>> random.nextInt(63);
        }
        probes[0] = 0;
        probes[1] = Long.MAX_VALUE;
        probes[2] = 127;
        probes[3] = 128;
        probes[4] = 255;
        probes[5] = 256;
        for (long v : probes) {
            int i = h.indexOf(v);
            long low = h.lowestOf(i);
            assertTrue(low <= v && v - low < h.widthOf(i), v + " outside bucket " + i + " [" + low + ", +"
                    + h.widthOf(i) + ")");
            assertTrue(h.widthOf(i) == 1 || h.widthOf(i) <= low >> 7, "bucket " + i + " wider than 2^-7 of its values");
        }
        Arrays.sort(probes);
        for (int k = 1; k < probes.length; k++) {
            assertTrue(h.indexOf(probes[k - 1]) <= h.indexOf(probes[k]), "indexes follow values");
        }
        h.record(Long.MAX_VALUE); // the top bucket exists
        assertEquals(Long.MAX_VALUE, h.max());
    }

    @Test
    void shouldMatchExactPercentilesOfUniformDataWithinHalfABucket() {
        LogLinearHistogram h = new LogLinearHistogram();
        for (long v = 1; v <= 1_000_000; v++) {
            h.record(v);
        }
        assertEquals(500_000, h.valueAt(0.5), 500_000 / 256.0);
        assertEquals(990_000, h.valueAt(0.99), 990_000 / 256.0);
        assertEquals(1_000_000, h.valueAt(1.0));
        assertEquals(1, h.min());
    }

    @Test
    void shouldMatchExactPercentilesOfSkewedRandomData() {
        // Latency-like samples: a log-normal body around 5 us with a tail to tens of ms.
        SplittableRandom random = new SplittableRandom(7);
        long[] samples = new long[200_000];
        LogLinearHistogram h = new LogLinearHistogram();
        for (int i = 0; i < samples.length; i++) {
            double gauss = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
            samples[i] = (long) (5_000 * Math.exp(1.5 * gauss));
            h.record(samples[i]);
        }
        Arrays.sort(samples);
        for (double q : new double[] {0.01, 0.1, 0.5, 0.9, 0.99, 0.999}) {
            long want = exact(samples, q);
            long got = h.valueAt(q);
            assertTrue(Math.abs(got - want) <= Math.max(1, want / 256), "q=" + q + ": " + got + " vs exact " + want);
        }
        assertEquals(samples[samples.length - 1], h.max());
        assertEquals(samples[0], h.min());
    }

    @Test
    void shouldCountNegativeValuesAsZero() {
        LogLinearHistogram h = new LogLinearHistogram();
        h.record(-5);
        h.record(10);
        assertEquals(1, h.negativeCount());
        assertEquals(0, h.min());
        assertEquals(0, h.valueAt(0.5));
    }

    @Test
    void shouldAddAndResetLikeOneHistogram() {
        LogLinearHistogram a = new LogLinearHistogram();
        LogLinearHistogram b = new LogLinearHistogram();
        LogLinearHistogram both = new LogLinearHistogram();
        for (long v = 0; v < 10_000; v++) {
            (v % 3 == 0 ? a : b).record(v * 37);
            both.record(v * 37);
        }
        a.add(b);
        assertEquals(both.count(), a.count());
        for (double q : new double[] {0.25, 0.5, 0.75, 0.99}) {
            assertEquals(both.valueAt(q), a.valueAt(q));
        }
        assertEquals(both.max(), a.max());
        a.reset();
        assertEquals(0, a.count());
        assertEquals(0, a.valueAt(0.5));
        assertThrows(IllegalArgumentException.class, () -> a.add(new LogLinearHistogram(5)));
        assertThrows(IllegalArgumentException.class, () -> both.valueAt(1.5));
    }
}
