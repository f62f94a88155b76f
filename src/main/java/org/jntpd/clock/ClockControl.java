package org.jntpd.clock;

/**
 * The clock being disciplined (CLOCK_REALTIME on Linux), as the synchronisation core sees it. Every adjustment of
 * the clock goes through this interface; the core never reads or steers a clock any other way.
 *
 * <p>Units and signs: times are Unix nanoseconds; {@code stepNs} positive moves the clock forward; the frequency
 * correction is in ppm (1e-6) and positive makes the clock run faster. The correction is the <em>total</em> one:
 * the discipline slews a phase correction chrony-style by adding a temporary term to its frequency correction and
 * removing it when the slew is done, so an implementation only has to apply the value it is given, immediately
 * (Linux: {@code ADJ_FREQUENCY}, and {@code ADJ_TICK} for the part beyond the kernel's 500 ppm).
 */
public interface ClockControl {
    /** The disciplined clock's current reading, Unix ns. */
    long nowNs();

    /**
     * Sets the total frequency correction, effective immediately and replacing the previous value.
     * {@code |freqPpm|} never exceeds {@link #maxFrequencyPpm()}.
     */
    void setFrequencyPpm(double freqPpm);

    /**
     * How late, at most, a new frequency correction may take effect, ns (0: at once). Linux applies it at the next
     * tick: timekeeping accumulates the time since the last tick at the old rate, then takes up the new tick length.
     * So the clock's phase after a change of the rate by r is uncertain by up to r times this (chrony's
     * {@code max_freq_change_delay}, whose {@code slew_error} it adds to every source's dispersion): 2 us when a
     * 2 ms offset is slewed out in a second and the tick is 1 ms late, which a source that took the rate to change
     * exactly when it was set reads as noise in its samples.
     */
    default long frequencyChangeDelayNs() {
        return 0;
    }

    /** The frequency correction currently applied (the last value set; 0 before the first call). */
    double frequencyPpm();

    /** The largest |frequency correction| this clock can apply, ppm (Linux: 500 with ADJ_FREQUENCY alone, ~100000 with ADJ_TICK). */
    double maxFrequencyPpm();

    /** Steps the clock by {@code stepNs} (positive = forward), at once. */
    void stepNs(long stepNs);

    /** Arms (or disarms) a leap second at the end of the current UTC day, kernel semantics (see {@link LeapMode}). */
    void setLeap(LeapMode mode);

    /**
     * Tells the clock (and through it other programs: the kernel's adjtimex status, maxerror, esterror) whether it is
     * synchronised and how good it is believed to be: {@code estErrorNs} the estimated error (1 sigma),
     * {@code maxErrorNs} the bound (root distance).
     */
    void setSyncStatus(boolean synced, long estErrorNs, long maxErrorNs);
}
