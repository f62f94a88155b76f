package org.jntpd.refclock;

import org.jntpd.wire.NtpPacket;

/**
 * The NMEA driver (ntpd type 20): listens to an {@link NmeaAssembler}, takes the first valid time sentence of each
 * second, and hands the clock a sample: the second the sentence labels, measured at its timing anchor minus the
 * configured {@code time2} (the anchor's delay after that second; ntpd anchors at the end of line, as
 * {@link Anchor#END_OF_LINE} does).
 *
 * <p>With a companion PPS ({@code ppspath}) the daemon passes the pulses to {@link #onPulse}; a sentence paired with
 * its pulse gives a sample at the pulse instead, as precise as the pulse. A sentence that finds no pulse (at once, or
 * for {@link NmeaPpsPairer.Label#NEXT_PULSE} within a period) falls back to its serial timing, with a larger
 * dispersion so the median filter prefers the paired samples.
 *
 * <p>{@code time2 auto} ({@link #calibrate}): every paired sentence's delay after its pulse is fed to an
 * {@link NmeaOffsetEstimator}; once it converges, its estimate is the {@code time2} the unpaired sentences are timed
 * with (the PPS lost, or not locked yet), reported to the listener, which logs and saves it for the next start. A
 * {@code time2} given as a number is used as given and nothing is learnt.
 */
public final class NmeaDriver implements NmeaAssembler.Listener {
    /** Which byte of a sentence times it. */
    public enum Anchor {
        /** The CR/LF after the checksum (ntpd). */
        END_OF_LINE,
        /** The {@code $}: independent of the sentence's length. */
        FIRST_BYTE
    }

    /** ntpd's {@code mode} bits choosing the sentences; 0 = all. */
    public static final int MODE_RMC = 1;
    public static final int MODE_GGA = 2;
    public static final int MODE_ZDA = 8;

    /** What a driver that learns its {@code time2} tells the daemon (to log and save it). */
    public interface CalibrationListener {
        /**
         * The estimate converged for the first time, its window filled for the first time, or it moved by more than
         * {@link #REPORT_CHANGE_NS} since it last said so and a whole window of new sentences came in.
         */
        void onLearnt(long time2Ns, long spreadNs, int samples);
    }

    /** A learnt delay is reported (and saved) again only after it moved by this much. */
    public static final long REPORT_CHANGE_NS = 500_000L;

    /** Serial timing is good to a few characters at best: never claim better than this. */
    private static final long MIN_SERIAL_DISPERSION_NS = 1_000_000L;

    private final Refclock clock;
    private final Anchor anchor;
    private final NmeaPpsPairer pairer;
    private long time2Ns;
    private NmeaOffsetEstimator calibration;
    private CalibrationListener calibrationListener;
    private boolean learnt;
    private long reportedTime2Ns;
    private long reportedAtTotal;
    private long fallbackArrivalNs;
    private final long serialDispersionNs;
    private final int mask;
    private final NmeaParser parser = new NmeaParser();
    private long lastReferenceNs = Long.MIN_VALUE;
    private Refclock.Verdict lastVerdict;
    private boolean fallbackPending;
    private long fallbackLocalNs;
    private long fallbackReferenceNs;

    private long used;
    private long paired;
    private long invalid;
    private long malformed;
    private long skipped;

    /**
     * @param clock       receives the samples; its settings give {@code time2} and the {@code mode} sentence mask
     * @param anchor      which byte times a sentence
     * @param pairer      the PPS pairing, or null without a PPS
     * @param characterNs time of one character on the line ({@link NmeaAssembler#characterNs()}), 0 if unknown
     */
    public NmeaDriver(Refclock clock, Anchor anchor, NmeaPpsPairer pairer, long characterNs) {
        this.clock = clock;
        this.anchor = anchor;
        this.pairer = pairer;
        this.time2Ns = clock.settings().time2Ns();
        this.serialDispersionNs = Math.max(MIN_SERIAL_DISPERSION_NS, 2 * characterNs);
        int m = clock.settings().mode() & (MODE_RMC | MODE_GGA | MODE_ZDA);
        this.mask = m == 0 ? MODE_RMC | MODE_GGA | MODE_ZDA : m;
    }

    /**
     * Learns {@code time2} against the PPS ({@code time2 auto}): every paired sentence's delay after its pulse goes to
     * {@code estimator}, and once it converges its estimate times the sentences that find no pulse, in place of the
     * configured (or {@link #useTime2 saved}) one.
     */
    public void calibrate(NmeaOffsetEstimator estimator, CalibrationListener listener) {
        this.calibration = estimator;
        this.calibrationListener = listener;
    }

    /** A {@code time2} to use until the estimate converges (the one saved by the last run). */
    public void useTime2(long newTime2Ns) {
        this.time2Ns = newTime2Ns;
    }

    /** The {@code time2} in force: configured, saved or learnt. */
    public long time2Ns() {
        return time2Ns;
    }

    /** Whether {@link #time2Ns()} was learnt in this run. */
    public boolean time2Learnt() {
        return learnt;
    }

    /** The estimator of {@code time2}, or null when it is not learnt. */
    public NmeaOffsetEstimator calibration() {
        return calibration;
    }

    @Override
    public void onSentence(byte[] sentence, int length, long firstByteNs, long endNs, long nowNs) {
        NmeaParser.Kind kind = parser.parse(sentence, length, nowNs);
        int bit = switch (kind) {
            case RMC -> MODE_RMC;
            case GGA -> MODE_GGA;
            case ZDA -> MODE_ZDA;
            case MALFORMED -> -1;
            case OTHER -> 0;
        };
        if (bit < 0) {
            malformed++;
            return;
        }
        if ((bit & mask) == 0) {
            return; // not a time sentence, or not one that was asked for
        }
        if (!parser.valid()) {
            invalid++;
            return;
        }
        long reference = parser.referenceTimeNs();
        if (reference == lastReferenceNs) {
            skipped++; // a later sentence of the same second: its timing is later in the burst, not better
            return;
        }
        lastReferenceNs = reference;
        long arrival = anchor == Anchor.END_OF_LINE ? endNs : firstByteNs;
        if (pairer != null) {
            flushFallback(nowNs); // a sentence still waiting for its pulse has waited long enough
            switch (pairer.onSentence(reference, arrival)) {
                case PAIRED -> {
                    addPaired(nowNs, arrival);
                    return;
                }
                case PENDING -> {
                    fallbackPending = true;
                    fallbackArrivalNs = arrival;
                    fallbackLocalNs = arrival - time2Ns;
                    fallbackReferenceNs = reference;
                    return;
                }
                case NONE -> { }
            }
        }
        addSerial(nowNs, arrival - time2Ns, reference);
    }

    /** A pulse of the companion PPS (system clock at its edge); ignored without a pairer. */
    public void onPulse(long nowNs, long pulseNs) {
        if (pairer == null) {
            return;
        }
        if (pairer.onPulse(pulseNs)) {
            fallbackPending = false;
            addPaired(nowNs, fallbackArrivalNs);
        } else if (!pairer.pending()) {
            flushFallback(nowNs);
        }
    }

    private void flushFallback(long nowNs) {
        if (fallbackPending) {
            fallbackPending = false;
            addSerial(nowNs, fallbackLocalNs, fallbackReferenceNs);
        }
    }

    private void addSerial(long nowNs, long localNs, long referenceNs) {
        used++;
        lastVerdict = clock.addSample(nowNs, localNs, referenceNs, NtpPacket.LEAP_NONE, serialDispersionNs);
    }

    private void addPaired(long nowNs, long arrivalNs) {
        paired++;
        if (calibration != null) {
            learn(arrivalNs - pairer.pairedPulseNs());
        }
        lastVerdict = clock.addSample(nowNs, pairer.pairedPulseNs(), pairer.pairedReferenceNs(), NtpPacket.LEAP_NONE, 0);
    }

    private void learn(long delayNs) {
        if (!calibration.add(delayNs)) {
            return; // not (or no longer) converged: keep the value in force
        }
        time2Ns = calibration.estimateNs();
        // Said (and saved) at the first convergence, again when the window first fills (the estimate at its best),
        // then only when a window of new sentences moved it.
        boolean windowFilled = calibration.totalSamples() == calibration.capacity();
        boolean moved = calibration.totalSamples() - reportedAtTotal >= calibration.samples()
                && Math.abs(time2Ns - reportedTime2Ns) > REPORT_CHANGE_NS;
        boolean report = !learnt || windowFilled || moved;
        learnt = true;
        if (report) {
            reportedTime2Ns = time2Ns;
            reportedAtTotal = calibration.totalSamples();
            if (calibrationListener != null) {
                calibrationListener.onLearnt(time2Ns, calibration.spreadNs(), calibration.samples());
            }
        }
    }

    public Refclock.Verdict lastVerdict() {
        return lastVerdict;
    }

    /** Sentences used with their serial timing. */
    public long serialSamples() {
        return used;
    }

    /** Samples made from a sentence and its pulse. */
    public long pairedSamples() {
        return paired;
    }

    /** Time sentences whose receiver had no valid fix. */
    public long invalidSentences() {
        return invalid;
    }

    /** Time sentences whose time or date could not be read. */
    public long malformedSentences() {
        return malformed;
    }

    /** Further sentences of a second already used. */
    public long skippedSentences() {
        return skipped;
    }
}
