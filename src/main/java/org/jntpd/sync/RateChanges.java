package org.jntpd.sync;

/**
 * The clock's recent rate changes, to re-express a sample measured before them as if the clock had always run at its
 * present rate (chrony's {@code handle_slew} on the samples it keeps). A reference clock's sample reaches the sync
 * core up to two polls and a loop pass after its pulses, and the discipline changes the rate in between (each update
 * starts a slew, its timer ends it): a source reads such a sample on the clock as it runs now, so unless re-expressed
 * it is off by the rate change times its age. In the guest, a PPS polled every second met the previous update's slew
 * end in every sample and was corrected again for what had already been slewed (PpsPathSimulationTest).
 *
 * <p>Register it with {@link Synchroniser#addStepListener}; {@link #reexpress} before {@link Source#accumulate}. Not for
 * an NTP association, which re-expresses its own timestamps. Storage is fixed (a ring of the last {@code capacity}
 * changes): nothing allocates after construction. Not thread-safe: the loop's thread records and re-expresses.
 */
public final class RateChanges implements ClockStepListener {
    private final long[] atNs;
    private final double[] dFreq;
    /** Changes recorded since construction; the last {@code min(count, capacity)} are kept. */
    private long count;

    /** @param capacity how many changes are remembered: enough for the oldest sample's age at a few updates per second */
    public RateChanges(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        atNs = new long[capacity];
        dFreq = new double[capacity];
    }

    @Override
    public void onFrequencyChange(long nowNs, double dFreq) {
        int slot = (int) (count % atNs.length);
        atNs[slot] = nowNs;
        this.dFreq[slot] = dFreq;
        count++;
    }

    /** The kept change times move with the clock, as the samples still to come do (their producers shift them). */
    @Override
    public void onClockStep(long nowNs, long stepNs) {
        for (int i = 0; i < atNs.length; i++) {
            atNs[i] += stepNs;
        }
    }

    /** How many changes were recorded: the number of the latest (the first is 1). */
    public long count() {
        return count;
    }

    /**
     * Re-expresses {@code s} on the clock as it runs now: for each change after its local time t, oldest first, t
     * becomes {@code t + (t - at) * dFreq} and the offset drops by as much (the reference's time at the measurement is
     * unchanged). A sample older than every change still remembered gets those only.
     */
    public void reexpress(Sample s) {
        reexpress(s, 0);
    }

    /**
     * As {@link #reexpress(Sample)}, but only with the changes after the first {@code applied} (their producer
     * already re-expressed its raw measurements for those: a reference clock's filter, {@code Refclock.onRateChange}).
     */
    public void reexpress(Sample s, long applied) {
        long oldest = Math.max(Math.max(0, count - atNs.length), applied);
        long first = count;
        while (first > oldest && atNs[(int) ((first - 1) % atNs.length)] > s.localTimeNs) {
            first--;
        }
        for (long i = first; i < count; i++) {
            int slot = (int) (i % atNs.length);
            long t = s.localTimeNs;
            long moved = Math.round((t - atNs[slot]) * dFreq[slot]);
            s.localTimeNs = t + moved;
            s.offsetNs -= moved;
        }
    }
}
