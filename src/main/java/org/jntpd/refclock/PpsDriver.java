package org.jntpd.refclock;

/**
 * The PPS driver (chrony {@code refclock_pps.c}): reads the chosen edge of an RFC 2783 source, lets a
 * {@link PulseMonitor} throw out spurious pulses, and hands the rest to its {@link Refclock} as pulses, whose whole
 * seconds come from the locked coarse clock or the system clock.
 *
 * <p>With a configured pulse width and a source that captures both edges, both are captured and every pulse's width
 * is checked against the setting. Allocation-free after construction.
 */
public final class PpsDriver {
    /** What one {@link #poll} found. */
    public enum Outcome {
        /** Nothing new since the last read (or the wait timed out). */
        NO_NEW_PULSE,
        /** A new pulse that the monitor rejected (wrong interval or width). */
        SPURIOUS,
        /** A new pulse that the clock refused; see {@link Refclock#verdictCount}. */
        REFUSED,
        /** The first new pulse after a step of the system clock: it may have been stamped before it. */
        SKIPPED_AFTER_STEP,
        ACCEPTED
    }

    private final PpsDevice device;
    private final Refclock clock;
    private final PulseMonitor monitor;
    private final PpsEvent event = new PpsEvent();
    private final boolean clearEdge;
    private final long periodNs;
    private boolean checkWidth;
    private long lastSequence = -1;
    private boolean skipNext;

    public PpsDriver(PpsDevice device, Refclock clock, PulseMonitor monitor) {
        this.device = device;
        this.clock = clock;
        this.monitor = monitor;
        this.clearEdge = clock.settings().clearEdge();
        this.periodNs = clock.settings().pulsePeriodNs();
    }

    /**
     * Checks the source can capture the configured edge and sets the capture mode.
     *
     * @throws IllegalStateException naming the edge the source cannot capture
     */
    public void start() {
        int caps = device.capabilities();
        int edge = clearEdge ? PpsDevice.CAPTURE_CLEAR : PpsDevice.CAPTURE_ASSERT;
        int other = clearEdge ? PpsDevice.CAPTURE_ASSERT : PpsDevice.CAPTURE_CLEAR;
        if ((caps & edge) == 0) {
            throw new IllegalStateException("PPS source of refclock " + clock.settings().refId() + " cannot capture the "
                    + (clearEdge ? "clear" : "assert") + " edge (capabilities 0x" + Integer.toHexString(caps) + ")"
                    + (clearEdge ? "; drop flag2 to use the assert edge" : "; set flag2 to use the clear edge"));
        }
        checkWidth = clock.settings().widthNs() > 0 && (caps & other) != 0;
        device.setCaptureMode(edge | (checkWidth ? other : 0));
    }

    /** One read without waiting (chrony's {@code pps_poll}, once per driver poll). */
    public Outcome poll(long nowNs) {
        return poll(nowNs, 0);
    }

    /**
     * One read.
     *
     * @param nowNs     system clock now (after the fetch returned)
     * @param timeoutNs as {@link PpsDevice#fetch}: 0 = no wait
     */
    public Outcome poll(long nowNs, long timeoutNs) {
        if (!device.fetch(timeoutNs, event)) {
            return Outcome.NO_NEW_PULSE;
        }
        long sequence = clearEdge ? event.clearSequence : event.assertSequence;
        long timeNs = clearEdge ? event.clearTimeNs : event.assertTimeNs;
        if (sequence == lastSequence || timeNs == 0) {
            return Outcome.NO_NEW_PULSE;
        }
        lastSequence = sequence;
        if (skipNext) {
            skipNext = false;
            return Outcome.SKIPPED_AFTER_STEP;
        }
        if (checkWidth && !monitor.widthPlausible(event.assertTimeNs, event.clearTimeNs)) {
            return Outcome.SPURIOUS;
        }
        if (!monitor.onPulse(sequence, timeNs)) {
            return Outcome.SPURIOUS;
        }
        Refclock.Verdict v = clock.addPulse(nowNs, timeNs, Math.floorMod(timeNs, periodNs), 0);
        return v == Refclock.Verdict.ACCEPTED ? Outcome.ACCEPTED : Outcome.REFUSED;
    }

    /**
     * The system clock was stepped: the next new pulse is dropped. The kernel keeps only the latest edge, so at most
     * one edge stamped before the step can still come (fetched late, or waited for from before the step); every
     * later one is stamped after it. Dropping one pulse is cheaper than telling which it was.
     */
    public void skipNextPulse() {
        skipNext = true;
    }

    /** Whether both edges are captured to check the pulse width. */
    public boolean checksWidth() {
        return checkWidth;
    }

    public PulseMonitor monitor() {
        return monitor;
    }

    public Refclock clock() {
        return clock;
    }
}
