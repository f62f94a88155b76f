package org.jntpd.sync;

import static org.jntpd.time.Units.NS_PER_S;

/**
 * Settings of the system process (selection and discipline), with ntpd's and chrony's defaults where they exist.
 * Build with {@link #builder()}; every value is checked once in {@link Builder#build()}.
 *
 * @param minSane            fewest agreeing sources to synchronise to (ntpd {@code tos minsane}, default 1)
 * @param minClock           clustering stops at this many survivors ({@code tos minclock}, default 3)
 * @param maxClock           most associations a pool keeps ({@code tos maxclock}, default 10)
 * @param maxDistanceNs      sources with a larger distance are not selectable ({@code tos maxdist}, 1.5 s)
 * @param stepThresholdNs    offsets beyond this are stepped, not slewed ({@code tinker step}, 0.128 s; 0 = never step)
 * @param stepoutNs          after the first update, an offset must stay beyond the step threshold this long before
 *                           a step ({@code tinker stepout}, 300 s)
 * @param stepLimit          how many steps are allowed at all; -1 = unlimited (ntpd), a count like chrony's makestep
 *                           limit; beyond it large offsets are slewed
 * @param panicThresholdNs   offsets beyond this are refused and reported ({@code tinker panic}, 1000 s; 0 = off)
 * @param panicExemptFirst   the first correction may exceed the panic threshold (ntpd -g)
 * @param maxSlewRatePpm     fastest phase slew, ppm (chrony's maxslewrate, 83333)
 * @param maxFrequencyPpm    largest frequency correction, ppm (500, like the kernel and ntpd)
 * @param minSlewDurationNs  a phase correction is spread over at least this long (1 s): keeps the clock's frequency
 *                           error bounded during corrections
 * @param initialFrequencyPpm a saved drift (ppm) to start from, or NaN when none is known
 * @param precisionLog2      log2 s of the local clock's reading precision
 */
public record SyncConfig(int minSane, int minClock, int maxClock, long maxDistanceNs, long stepThresholdNs,
        long stepoutNs, int stepLimit, long panicThresholdNs, boolean panicExemptFirst, double maxSlewRatePpm,
        double maxFrequencyPpm, long minSlewDurationNs, double initialFrequencyPpm, int precisionLog2) {

    public static Builder builder() {
        return new Builder();
    }

    public static SyncConfig defaults() {
        return builder().build();
    }

    /** A builder holding the defaults. */
    public static final class Builder {
        private int minSane = 1;
        private int minClock = 3;
        private int maxClock = 10;
        private long maxDistanceNs = 1_500_000_000L;
        private long stepThresholdNs = 128_000_000L;
        private long stepoutNs = 300_000_000_000L;
        private int stepLimit = -1;
        private long panicThresholdNs = 1000_000_000_000L;
        private boolean panicExemptFirst;
        private double maxSlewRatePpm = 83_333.333;
        private double maxFrequencyPpm = 500;
        private long minSlewDurationNs = NS_PER_S;
        private double initialFrequencyPpm = Double.NaN;
        private int precisionLog2 = -24;

        public Builder minSane(int v) { minSane = v; return this; }
        public Builder minClock(int v) { minClock = v; return this; }
        public Builder maxClock(int v) { maxClock = v; return this; }
        public Builder maxDistanceNs(long v) { maxDistanceNs = v; return this; }
        public Builder stepThresholdNs(long v) { stepThresholdNs = v; return this; }
        public Builder stepoutNs(long v) { stepoutNs = v; return this; }
        public Builder stepLimit(int v) { stepLimit = v; return this; }
        public Builder panicThresholdNs(long v) { panicThresholdNs = v; return this; }
        public Builder panicExemptFirst(boolean v) { panicExemptFirst = v; return this; }
        public Builder maxSlewRatePpm(double v) { maxSlewRatePpm = v; return this; }
        public Builder maxFrequencyPpm(double v) { maxFrequencyPpm = v; return this; }
        public Builder minSlewDurationNs(long v) { minSlewDurationNs = v; return this; }
        public Builder initialFrequencyPpm(double v) { initialFrequencyPpm = v; return this; }
        public Builder precisionLog2(int v) { precisionLog2 = v; return this; }

        public SyncConfig build() {
            require(minSane >= 1, "minsane must be at least 1, got " + minSane);
            require(minClock >= 1, "minclock must be at least 1, got " + minClock);
            require(maxClock >= minClock, "maxclock must be at least minclock (" + minClock + "), got " + maxClock);
            require(maxDistanceNs > 0, "maxdist must be positive, got " + maxDistanceNs + " ns");
            require(stepThresholdNs >= 0, "step threshold must be 0 (never) or positive, got " + stepThresholdNs + " ns");
            require(stepoutNs >= 0, "stepout must not be negative, got " + stepoutNs + " ns");
            require(stepLimit >= -1, "step limit must be -1 (unlimited) or a count, got " + stepLimit);
            require(panicThresholdNs >= 0, "panic threshold must be 0 (off) or positive, got " + panicThresholdNs + " ns");
            require(maxSlewRatePpm > 0, "maxslewrate must be positive, got " + maxSlewRatePpm + " ppm");
            require(maxFrequencyPpm > 0, "max frequency must be positive, got " + maxFrequencyPpm + " ppm");
            require(minSlewDurationNs > 0, "minimum slew duration must be positive, got " + minSlewDurationNs + " ns");
            require(Double.isNaN(initialFrequencyPpm) || Math.abs(initialFrequencyPpm) <= maxFrequencyPpm,
                    "initial frequency must be within +-" + maxFrequencyPpm + " ppm, got " + initialFrequencyPpm);
            require(precisionLog2 > -64 && precisionLog2 < 8, "precision must be a log2 of seconds, got " + precisionLog2);
            return new SyncConfig(minSane, minClock, maxClock, maxDistanceNs, stepThresholdNs, stepoutNs, stepLimit,
                    panicThresholdNs, panicExemptFirst, maxSlewRatePpm, maxFrequencyPpm, minSlewDurationNs,
                    initialFrequencyPpm, precisionLog2);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
