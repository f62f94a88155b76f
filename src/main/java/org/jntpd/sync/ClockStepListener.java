package org.jntpd.sync;

/**
 * Told when the discipline stepped the clock, so that local timestamps kept across the step (a request in flight,
 * a pending timer) can be moved by the same amount; and, optionally, when it changed the clock's rate, so that kept
 * timestamps can be re-expressed as if the clock had always run at the new rate (chrony's handle_slew).
 */
@FunctionalInterface
public interface ClockStepListener {
    /** The clock was stepped by {@code stepNs} (positive = forward) at local time {@code nowNs} (after the step). */
    void onClockStep(long nowNs, long stepNs);

    /**
     * The clock's rate changed at local time {@code nowNs} by {@code dFreq} (a fraction; positive = faster): a local
     * timestamp t taken before reads t + (t - nowNs) * dFreq on the clock as it now runs.
     */
    default void onFrequencyChange(long nowNs, double dFreq) {}
}
