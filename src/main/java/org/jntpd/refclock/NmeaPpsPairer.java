package org.jntpd.refclock;

/**
 * Pairs NMEA sentences with PPS pulses (ntpd's NMEA driver with a {@code ppspath}, its {@code refclock_ppsrelate}):
 * the sentence gives the whole second, the pulse says exactly when it began. Most receivers send the sentence after
 * the pulse it labels ({@link Label#PREVIOUS_PULSE}); some announce the coming second before its pulse
 * ({@link Label#NEXT_PULSE}). A pair is made only when the pulse lies within one period on the right side of the
 * sentence's arrival, and only for sentences that label a whole second.
 */
public final class NmeaPpsPairer {
    /** What became of a sentence. */
    public enum Pairing {
        /** Paired with the pulse before it: read {@link #pairedPulseNs()}. */
        PAIRED,
        /** Waiting for the pulse after it ({@link Label#NEXT_PULSE}). */
        PENDING,
        /** No pulse to pair with. */
        NONE
    }

    /** Which pulse a sentence's time belongs to. */
    public enum Label {
        PREVIOUS_PULSE,
        NEXT_PULSE
    }

    private final Label label;
    private final long periodNs;
    private boolean havePulse;
    private long lastPulseNs;
    private boolean pending;
    private long pendingReferenceNs;
    private long pendingArrivalNs;
    private long pairedPulseNs;
    private long pairedReferenceNs;

    public NmeaPpsPairer(Label label, long periodNs) {
        this.label = label;
        this.periodNs = periodNs;
    }

    /**
     * A pulse (system clock at its edge). True when it completes a pair with a sentence that announced it; a pending
     * sentence whose pulse did not come within a period is given up ({@link #pending()} turns false).
     */
    public boolean onPulse(long pulseNs) {
        havePulse = true;
        lastPulseNs = pulseNs;
        if (label == Label.NEXT_PULSE && pending) {
            long after = pulseNs - pendingArrivalNs;
            if (after > 0 && after < periodNs) {
                pending = false;
                return pair(pulseNs, pendingReferenceNs);
            }
            if (after >= periodNs) {
                pending = false; // its pulse never came
            }
        }
        return false;
    }

    /**
     * A valid sentence: the second it labels (Unix ns) and its arrival (system clock of its timing anchor, before any
     * {@code time2}). A sentence still pending is replaced.
     */
    public Pairing onSentence(long referenceNs, long arrivalNs) {
        pending = false;
        if (Math.floorMod(referenceNs, periodNs) != 0) {
            return Pairing.NONE;
        }
        if (label == Label.NEXT_PULSE) {
            pending = true;
            pendingReferenceNs = referenceNs;
            pendingArrivalNs = arrivalNs;
            return Pairing.PENDING;
        }
        long since = arrivalNs - lastPulseNs;
        return havePulse && since >= 0 && since < periodNs && pair(lastPulseNs, referenceNs) ? Pairing.PAIRED : Pairing.NONE;
    }

    /** Whether a sentence waits for its pulse. */
    public boolean pending() {
        return pending;
    }

    private boolean pair(long pulseNs, long referenceNs) {
        pairedPulseNs = pulseNs;
        pairedReferenceNs = referenceNs;
        return true;
    }

    /** System clock at the pulse of the last pair. */
    public long pairedPulseNs() {
        return pairedPulseNs;
    }

    /** UTC the pulse of the last pair marks, Unix ns. */
    public long pairedReferenceNs() {
        return pairedReferenceNs;
    }
}
