package org.jntpd.sync;

/**
 * Told when the discipline stepped the clock, so that local timestamps kept across the step (a request in flight,
 * a pending timer) can be moved by the same amount.
 */
@FunctionalInterface
public interface ClockStepListener {
    /** The clock was stepped by {@code stepNs} (positive = forward) at local time {@code nowNs} (after the step). */
    void onClockStep(long nowNs, long stepNs);
}
