package org.jntpd.clock;

import java.util.function.LongSupplier;

/**
 * The precision of a clock as NTP states it (RFC 5905 section 7.3): log2 of the smallest interval between two
 * distinct readings, rounded up, so a server never claims more than its clock can tell. Measured at start, the way
 * ntpd and chrony do: read the clock repeatedly and keep the smallest non-zero step (which also covers the cost of a
 * reading when the clock ticks finer than it can be read).
 */
public final class ClockPrecision {
    private ClockPrecision() {}

    /**
     * Measures {@code clockNs} over {@code samples} pairs of readings, after as many again to warm the reading path
     * up (a cold, interpreted reading would make the clock look coarser than it is); clamped to [-30, -1].
     */
    public static int measureLog2(LongSupplier clockNs, int samples) {
        minStepNs(clockNs, samples);
        return log2Ceil(minStepNs(clockNs, samples));
    }

    private static long minStepNs(LongSupplier clockNs, int samples) {
        long minStepNs = Long.MAX_VALUE;
        for (int i = 0; i < samples; i++) {
            long a = clockNs.getAsLong();
            long b = clockNs.getAsLong();
            while (b == a) {
                b = clockNs.getAsLong();
            }
            minStepNs = Math.min(minStepNs, b - a);
        }
        return minStepNs;
    }

    /** ceil(log2(ns * 1e-9)) clamped to [-30, -1]. */
    static int log2Ceil(long ns) {
        if (ns <= 0) {
            return -30;
        }
        int log2 = (int) Math.ceil(Math.log(ns * 1e-9) / Math.log(2));
        return Math.clamp(log2, -30, -1);
    }
}
