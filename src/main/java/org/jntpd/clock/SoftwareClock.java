package org.jntpd.clock;

import static org.jntpd.time.Units.NS_PER_DAY;
import static org.jntpd.time.Units.NS_PER_S;

import java.util.function.LongSupplier;

/**
 * A clock the daemon corrects in software only, for {@code -x} (never touch the kernel clock; chrony's null
 * driver): the corrected time is a raw clock reading plus a correction that the frequency setting integrates and
 * steps add to, so the core's feedback loop works while the kernel clock is never changed. A leap second armed
 * with {@link #setLeap} happens in the corrected time with the kernel's semantics (see {@link LeapMode}).
 *
 * <p>The current correction is published as an immutable {@link Correction}, so the server can correct its kernel
 * timestamps (taken in the raw clock, CLOCK_REALTIME) exactly as {@link #nowNs()} does, without locks or
 * allocation. Thread-safe for one writer (the core) and many readers.
 */
public final class SoftwareClock implements ClockControl {
    /** The same range as {@code clock.linux.LinuxClock}'s system clock, so the core behaves the same with either. */
    public static final double MAX_FREQUENCY_PPM = 100_000;


    /**
     * The correction from one instant on: {@code corrected = raw + baseCorrectionNs + (raw - baseRawNs) * ratePpm
     * * 1e-6}, plus {@code leapNs} (-1 s inserted, +1 s deleted) from raw time {@code leapRawNs} on
     * ({@link Long#MAX_VALUE} when no leap second is pending).
     */
    public record Correction(long baseRawNs, long baseCorrectionNs, double ratePpm, long leapRawNs, long leapNs) {
        /** The correction to add to the raw reading {@code rawNs}. */
        public long correctionNs(long rawNs) {
            long ns = baseCorrectionNs + Math.round((rawNs - baseRawNs) * ratePpm * 1e-6);
            return rawNs >= leapRawNs ? ns + leapNs : ns;
        }

        /** The corrected time of the raw reading {@code rawNs}. */
        public long correctedNs(long rawNs) {
            return rawNs + correctionNs(rawNs);
        }
    }

    private final LongSupplier rawClockNs;
    private volatile Correction correction;

    // The writer's state, guarded by this.
    private LeapMode leapMode = LeapMode.NONE;
    /** Corrected time at which the armed leap second acts (INSERT: midnight; DELETE: 23:59:59). */
    private long leapBoundaryNs;
    /** The armed leap happened, or was skipped by a step; like the kernel's TIME_WAIT until the mode changes. */
    private boolean leapDone;

    /** @param rawClockNs the clock being corrected (the daemon: CLOCK_REALTIME, which stays untouched) */
    public SoftwareClock(LongSupplier rawClockNs) {
        this.rawClockNs = rawClockNs;
        this.correction = new Correction(rawClockNs.getAsLong(), 0, 0, Long.MAX_VALUE, 0);
    }

    /** The correction in effect now: immutable, safe to keep for a batch of timestamps. */
    public Correction correction() {
        return correction;
    }

    @Override
    public long nowNs() {
        return correction.correctedNs(rawClockNs.getAsLong());
    }

    @Override
    public synchronized void setFrequencyPpm(double freqPpm) {
        if (!(Math.abs(freqPpm) <= MAX_FREQUENCY_PPM)) {
            throw new IllegalArgumentException("frequency correction " + freqPpm + " ppm outside +-" + MAX_FREQUENCY_PPM);
        }
        long rawNs = rawClockNs.getAsLong();
        publish(rawNs, correctionNowNs(rawNs), freqPpm);
    }

    @Override
    public double frequencyPpm() {
        return correction.ratePpm();
    }

    @Override
    public double maxFrequencyPpm() {
        return MAX_FREQUENCY_PPM;
    }

    @Override
    public synchronized void stepNs(long stepNs) {
        long rawNs = rawClockNs.getAsLong();
        publish(rawNs, correctionNowNs(rawNs) + stepNs, correction.ratePpm());
    }

    /** Arms the leap second at the end of the corrected time's current UTC day (a new mode re-arms, as the kernel). */
    @Override
    public synchronized void setLeap(LeapMode mode) {
        long rawNs = rawClockNs.getAsLong();
        long correctionNs = correctionNowNs(rawNs);
        if (mode != leapMode) {
            leapMode = mode;
            leapDone = false;
            // INSERT acts at midnight; DELETE one second before it (23:59:59 never shows).
            long shiftNs = mode == LeapMode.DELETE ? NS_PER_S : 0;
            leapBoundaryNs = Math.floorDiv(rawNs + correctionNs + shiftNs, NS_PER_DAY) * NS_PER_DAY + NS_PER_DAY - shiftNs;
        }
        publish(rawNs, correctionNs, correction.ratePpm());
    }

    /** Nothing outside reads it: under -x the kernel's sync status belongs to nobody here. */
    @Override
    public void setSyncStatus(boolean synced, long estErrorNs, long maxErrorNs) {
    }

    /** The correction at {@code rawNs}, noting a leap second that has happened since the last publication. */
    private long correctionNowNs(long rawNs) {
        Correction c = correction;
        if (rawNs >= c.leapRawNs()) {
            leapDone = true;
        }
        return c.correctionNs(rawNs);
    }

    /** Publishes a correction from {@code rawNs} on, with the raw instant of a pending leap second. */
    private void publish(long rawNs, long correctionNs, double ratePpm) {
        long leapRawNs = Long.MAX_VALUE;
        long leapNs = 0;
        if (leapMode != LeapMode.NONE && !leapDone) {
            long toBoundaryNs = leapBoundaryNs - (rawNs + correctionNs); // in corrected time
            if (toBoundaryNs < 0) {
                leapDone = true; // stepped past the boundary: missed, as the kernel misses it
            } else {
                // The first raw instant whose corrected time (as readers round it) reaches the boundary.
                Correction linear = new Correction(rawNs, correctionNs, ratePpm, Long.MAX_VALUE, 0);
                leapRawNs = rawNs + (long) Math.ceil(toBoundaryNs / (1 + ratePpm * 1e-6));
                for (int i = 0; i < 4 && linear.correctedNs(leapRawNs - 1) >= leapBoundaryNs; i++) {
                    leapRawNs--;
                }
                for (int i = 0; i < 4 && linear.correctedNs(leapRawNs) < leapBoundaryNs; i++) {
                    leapRawNs++;
                }
                leapNs = leapMode == LeapMode.INSERT ? -NS_PER_S : NS_PER_S;
            }
        }
        correction = new Correction(rawNs, correctionNs, ratePpm, leapRawNs, leapNs);
    }
}
