package org.jntpd.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SignedHistogramTest {
    @Test
    void shouldOrderNegativeAndPositiveSamplesByValue() {
        SignedHistogram h = new SignedHistogram();
        for (long v = -50; v < 50; v++) { // -50 .. 49, exact in the linear region of both halves
            h.record(v);
        }
        assertEquals(100, h.count());
        assertEquals(-50, h.min());
        assertEquals(49, h.max());
        assertEquals(-0.5, h.mean(), 1e-9);
        assertEquals(-50, h.valueAt(0));
        assertEquals(-50, h.valueAt(0.01));
        assertEquals(-41, h.valueAt(0.1));
        assertEquals(-1, h.valueAt(0.5));
        assertEquals(0, h.valueAt(0.51));
        assertEquals(48, h.valueAt(0.99));
        assertEquals(49, h.valueAt(1));
    }

    @Test
    void shouldKeepRelativePrecisionOnBothSides() {
        SignedHistogram h = new SignedHistogram();
        h.record(-3_000_000);
        h.record(-3_000);
        h.record(5_000);
        assertEquals(-3_000_000, h.valueAt(0.3), 3_000_000 / 256.0);
        assertEquals(-3_000, h.valueAt(0.6), 3_000 / 256.0);
        assertEquals(5_000, h.valueAt(0.9), 5_000 / 256.0);
        assertEquals(-3_000_000, h.min());
        assertEquals(5_000, h.max());
    }

    @Test
    void shouldDescribeOnlyNegativesAndBeEmptyAfterReset() {
        SignedHistogram h = new SignedHistogram();
        h.record(-7);
        h.record(-2);
        assertEquals(-7, h.min());
        assertEquals(-2, h.max());
        assertEquals(-2, h.valueAt(1));
        h.reset();
        assertEquals(0, h.count());
        assertEquals(0, h.valueAt(0.5));
    }
}
