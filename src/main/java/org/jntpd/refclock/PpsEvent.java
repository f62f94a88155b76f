package org.jntpd.refclock;

import static org.jntpd.time.Units.NS_PER_S;

/**
 * The answer of an RFC 2783 {@code time_pps_fetch} (Linux {@code PPS_FETCH}, {@code struct pps_kinfo}): the latest
 * assert and clear timestamps and how many of each the kernel has seen. Filled in place by {@link PpsDevice#fetch};
 * one instance per driver, reused.
 *
 * <p>Sequence numbers are the kernel's unsigned 32-bit counters, kept here as {@code long} in [0, 2^32); a timestamp of
 * 0 means that edge was never captured. Times are the kernel's CLOCK_REALTIME stamps, Unix ns.
 */
public final class PpsEvent {
    public long assertSequence;
    public long assertTimeNs;
    public long clearSequence;
    public long clearTimeNs;
    /** The capture mode bits in force ({@code current_mode}). */
    public int mode;

    /** Sets all fields at once (the platform layer, tests). */
    public PpsEvent set(long assertSequence, long assertTimeNs, long clearSequence, long clearTimeNs) {
        this.assertSequence = assertSequence & 0xFFFF_FFFFL;
        this.assertTimeNs = assertTimeNs;
        this.clearSequence = clearSequence & 0xFFFF_FFFFL;
        this.clearTimeNs = clearTimeNs;
        return this;
    }

    /** Unix ns from a {@code struct pps_ktime} (s64 sec, s32 nsec). */
    public static long ktimeNs(long sec, int nsec) {
        return sec * NS_PER_S + nsec;
    }

    @Override
    public String toString() {
        return "PpsEvent[assert #" + assertSequence + " @" + assertTimeNs + ", clear #" + clearSequence + " @" + clearTimeNs + "]";
    }
}
