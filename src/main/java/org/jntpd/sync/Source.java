package org.jntpd.sync;

import static org.jntpd.time.Dispersion.PHI;

import org.jntpd.wire.NtpPacket;

/**
 * A time source as selection sees it: a stream of samples, whatever produced them (an NTP association, a PPS or
 * SHM reference clock). It filters the samples into an estimate of its offset and of its frequency relative to the
 * local clock ({@link KalmanBank}, with noise from {@link DelayModel}), rejects delay-unexplained spikes, and keeps
 * what selection needs: distance, stratum, leap, reachability.
 *
 * <p>Created through {@link Synchroniser#addSource(SourceConfig)}, which also tells it about every correction the
 * discipline applies to the clock, so its state always refers to the corrected clock. Never steers the clock.
 */
public final class Source {
    /** An innovation beyond this many sigma is a spike (popcorn) unless it persists. */
    private static final double SPIKE_GATE_SIGMA = 5;
    /** This many consecutive spikes are a change (a step of the source or of our frequency), not noise. */
    private static final int SPIKES_TO_STEP = 3;
    /**
     * Two consecutive spikes whose innovations agree within this many sigma of their difference are a step of the
     * source (the same jump seen twice), taken a sample sooner: a single spike is not followed, and a change whose
     * innovations still move (a frequency that changed) waits for {@link #SPIKES_TO_STEP}.
     */
    private static final double STEP_AGREE_SIGMA = 3;
    /**
     * An accepted sample this many sigmas from the prediction is a surprise: beyond the poll interval's error budget
     * ({@link PollPolicy} polls at minpoll next), and a spike right after it that agrees with it (within
     * {@link #STEP_AGREE_SIGMA}) is the change seen twice and taken as a step at once.
     */
    static final double CHANGE_SIGMAS = 3;
    /** The first samples are never spikes: the filter has nothing to judge them by. */
    private static final int SAMPLES_BEFORE_GATE = 4;
    private static final double NS = 1e-9;
    /**
     * The declared part of a sample's noise (precisions, dispersion) is replaced by the source's measured noise once
     * this many samples were seen, if that is smaller: a PPS in a guest declares 2^-20 s (its clock reads) and a
     * dispersion of that size, yet pulses scatter by 5-200 ns. 8, not 16: until then the filter takes a PPS pulled
     * in from milliseconds for 1 us noisy and approaches its last microsecond at a few percent a second
     * (PpsPathSimulationTest, guest case: window RMS median 19.6 -> 8.7 ns at 5 ns of noise); the NTP rows of
     * bench/compare-chrony are unchanged (their measured noise is above the declared).
     */
    static final int SAMPLES_BEFORE_MEASURED_NOISE = 8;
    /** Memory of the measured noise, in samples. */
    private static final double MEASURED_NOISE_MEMORY = 32;
    /**
     * ... and the memory of a shorter average, the smaller of the two being used: a PPS pulled in from milliseconds
     * has innovations of microseconds for its first ~20 samples, which held the 32-sample average near the declared
     * 1 us for 50 more, and the filter missed a frequency error of a few ppb meanwhile (PpsPathSimulationTest, guest
     * case: worst window 108 -> 63 ns RMS; the NTP rows of bench/compare-chrony unchanged).
     */
    private static final double RECENT_NOISE_MEMORY = 8;
    /** With the asymmetry learnt, at least this share of a sample's delay-bound variance is still noise. */
    private static final double MIN_ASYMMETRIC_SHARE = 0.05;
    /** Nothing is measured more finely than 1 ns. */
    private static final double MIN_NOISE_VAR = 1e-18;
    /** The accepted samples whose residuals jntpc's sourcestats summarises (chronyc's NP at most). */
    static final int RESIDUAL_WINDOW = 32;

    /** Why selection cannot use a source ({@link #unusable}), for the log and jntpc. */
    public enum Unusable {
        NOSELECT("noselect"),
        /** Found to smear a leap second, and {@code enable smearexclude} says such a source is not selected. */
        SMEARING("excluded: smears the leap second"),
        /** New, its first answer still awaited ({@link #setPending}). */
        AWAITING("awaiting a first answer"),
        /** Never answered (a dead address, a server not running, a firewall). */
        NOT_ANSWERING("not answering"),
        /** Answered before, but not the last polls. */
        UNREACHABLE("unreachable"),
        /** Answers, but says it is not synchronised itself (LI 3, stratum 0 or 16). */
        UNSYNCHRONISED("answering unsynchronised (leap 3)"),
        /** Answers, but no sample was usable yet (spikes, beyond maxdelay or maxdist, bad timestamps). */
        NO_SAMPLE("without a usable sample yet"),
        /** Its stratum is 16 or more: this host would be unsynchronised. */
        STRATUM("at stratum 16"),
        /** Its distance (root distance, our delay and the estimate's uncertainty) exceeds maxdist. */
        TOO_FAR("beyond maxdist"),
        /** Held by its producer: an NTS source whose certificate's dates are unchecked, its time not yet believed. */
        HELD("bootstrap, unverified certs");

        /** How a status line names it ("1 answering unsynchronised (leap 3)"). */
        public final String text;

        Unusable(String text) {
            this.text = text;
        }
    }

    private final SourceConfig config;
    private final KalmanBank bank = new KalmanBank();
    private final DelayModel delays = new DelayModel();
    private final ResidualRing residuals = new ResidualRing(RESIDUAL_WINDOW);
    private final Synchroniser owner;

    private boolean reachable;
    private boolean everReachable;
    private boolean pending;
    private boolean excludedAsSmearing;
    private boolean held;
    /** The producer's last answer said the source is not synchronised (cleared by the next accepted sample). */
    private boolean answersUnsynchronised;
    private int leap = NtpPacket.LEAP_UNSYNCHRONIZED;
    private int stratum = NtpPacket.STRATUM_UNSYNCHRONIZED;
    private int refId;
    private long rootDelayNs;
    private long rootDispersionNs;
    private long sampleDispersionNs;
    private long lastSampleNs;
    private long samples;
    private long spikes;
    private int consecutiveSpikes;
    /** The last spike's innovation and its sigma, s (for {@link #STEP_AGREE_SIGMA}). */
    private double spikeInnovation;
    private double spikeSigma;
    private long spikeTimeNs;
    /**
     * The frequency when the last step was taken (s/s, moved with the clock's frequency corrections since), to tell
     * once the source has settled whether the frequency changed with it.
     */
    private double frequencyBeforeChange;
    /** A frequency that moved this many sigmas with a step is a change (see {@link #frequencyBeforeChange}). */
    private static final double FREQUENCY_CHANGE_SIGMAS = 3;
    /** The last sample was accepted as a surprise ({@link #CHANGE_SIGMAS}); its innovation is in spikeInnovation. */
    private boolean surprised;
    /** Samples still to come before a source that just changed (a step) is combined again. */
    private int settling;
    private double jitterVar;
    /** The last sample's innovation in its own sigmas, signed (0 before the filter could predict one). */
    private double lastInnovationSigmas;
    /** Recent mean of squared normalised innovations (1 when the filter predicts as well as it thinks). */
    private double surprise = 1;
    /** Memory of {@link #surprise}, in samples. */
    private static final double SURPRISE_MEMORY = 2;
    /** Measured noise of accepted samples (s^2): the mean squared innovation less the prediction's variance. */
    private double measuredNoiseVar;
    /** The same over the last few samples ({@link #RECENT_NOISE_MEMORY}): it forgets a pull-in's innovations sooner. */
    private double recentNoiseVar;
    private double logNoiseVar = Double.NaN;
    private SourceState state = SourceState.UNSELECTABLE;
    /** Selection's running score against the system peer (see Selection's reselection). */
    double selectionScore = 1;

    Source(Synchroniser owner, SourceConfig config) {
        this.owner = owner;
        this.config = config;
    }

    public SourceConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    /**
     * Folds a sample in. Returns false when it was rejected as a spike: an offset the delay does not explain,
     * five sigma from the prediction. Two in a row that agree with each other (the same jump), a spike that agrees
     * with an accepted 3-sigma sample just before it, or three in a row, are taken as a step and accepted.
     */
    public boolean accumulate(Sample s) {
        delays.add(s.delayNs);
        double bound = delays.errorBoundNs(s.delayNs) * NS;
        double excess = delays.excessNs(s.delayNs) * NS;
        if (bank.initialised()) {
            // Queueing mostly one way: the error is largely the learnt bias, the rest is what is left of the bound.
            double a = bank.asymmetry();
            bound *= Math.sqrt(Math.max(1 - 4 * a * a, MIN_ASYMMETRIC_SHARE));
        }
        double precision = Math.scalb(1.0, s.precisionLog2) + Math.scalb(1.0, owner.precisionLog2());
        double dispersion = s.dispersionNs * NS;
        double declared = precision * precision / 12 + dispersion * dispersion / 3;
        if (samples >= SAMPLES_BEFORE_MEASURED_NOISE && settling == 0) {
            // Never more than declared (a noisier source is the bank's noise scales' business, they only go up).
            declared = Math.min(declared, Math.max(Math.min(measuredNoiseVar, recentNoiseVar), MIN_NOISE_VAR));
        }
        double modelled = bound * bound / 3 + declared;
        double r = modelled * (bank.initialised() ? bank.noiseScale() : 1);
        double z = s.offsetNs * NS;
        if (!bank.initialised()) {
            bank.reset(s.localTimeNs, z, modelled, owner.newSourceFrequency(), owner.newSourceFrequencyVariance());
            jitterVar = r;
            measuredNoiseVar = r;
            recentNoiseVar = r;
        } else {
            boolean settled = false;
            double inn = z - bank.measurement(s.localTimeNs, excess);
            double predicted = bank.measurementVariance(s.localTimeNs, excess);
            double sigma = Math.sqrt(predicted + r);
            boolean spike = samples >= SAMPLES_BEFORE_GATE && Math.abs(inn) > SPIKE_GATE_SIGMA * sigma;
            lastInnovationSigmas = inn / sigma;
            double z2 = Math.min(inn * inn / (sigma * sigma), SPIKE_GATE_SIGMA * SPIKE_GATE_SIGMA);
            surprise += (z2 - surprise) / SURPRISE_MEMORY;
            boolean agrees = (consecutiveSpikes > 0 || surprised)
                    && Math.abs(inn - spikeInnovation) <= STEP_AGREE_SIGMA * Math.hypot(sigma, spikeSigma);
            surprised = false;
            if (spike) {
                spikes++;
                if (++consecutiveSpikes < SPIKES_TO_STEP && !agrees) {
                    spikeInnovation = inn;
                    spikeSigma = sigma;
                    spikeTimeNs = s.localTimeNs;
                    return false;
                }
                if (agrees) {
                    // The frequency changed by no more than the two innovations differ over their interval.
                    double dtS = Math.max(1, (s.localTimeNs - spikeTimeNs) * NS);
                    bank.inflate(inn, Math.max(Math.abs(inn - spikeInnovation), Math.hypot(sigma, spikeSigma)) / dtS);
                } else {
                    bank.inflate(s.localTimeNs, inn);
                }
                residuals.clear(); // a new regime: the old residuals, and the jump, say nothing about its fit
                frequencyBeforeChange = bank.frequency();
                settling = SAMPLES_BEFORE_GATE;
                jitterVar = r; // a new regime: the jitter of the old one, or of the jump, says nothing about it
            } else if (settling > 0) {
                settling--; // the filter still converges on the new regime: its innovations are not jitter
                settled = settling == 0;
            } else {
                jitterVar += (inn * inn - jitterVar) / 8;
                // The part of the innovation the prediction's own uncertainty does not explain (Mehra's innovation
                // method): the whole innovation also counts the wander since the last sample, and a source modelled
                // that much noisier is followed too slowly for its wander (a PPS in the guest bench).
                double unexplained = Math.max(inn * inn - predicted, 0);
                measuredNoiseVar += (unexplained - measuredNoiseVar) / Math.min(samples + 1, MEASURED_NOISE_MEMORY);
                recentNoiseVar += (unexplained - recentNoiseVar) / Math.min(samples + 1, RECENT_NOISE_MEMORY);
            }
            if (!spike) {
                residuals.add(s.localTimeNs, inn);
            }
            bank.update(s.localTimeNs, z, modelled, excess);
            if (settled) {
                // Settled after a step: a frequency that moved with it, beyond its uncertainty, is a change of the
                // local oscillator as likely as the source's, and the other sources have not seen it yet.
                double changed = bank.frequency() - frequencyBeforeChange;
                if (changed * changed > FREQUENCY_CHANGE_SIGMAS * FREQUENCY_CHANGE_SIGMAS
                        * bank.frequencyVariance(s.localTimeNs)) {
                    owner.frequencyChangeSeen(this, changed);
                }
            }
            // A sample too noisy to be a spike that sits nearer a pending spike than the prediction (a step seen
            // through a queued packet) keeps the run: the next spike that agrees confirms the step.
            if (spike || !agrees || Math.abs(inn - spikeInnovation) >= Math.abs(inn)) {
                consecutiveSpikes = 0;
            }
            if (!spike && consecutiveSpikes == 0 && settling == 0 && samples >= SAMPLES_BEFORE_GATE
                    && Math.abs(inn) > CHANGE_SIGMAS * sigma) {
                // Accepted, but beyond the interval's budget: the first sign of a change (the oscillator's frequency
                // jumped since the last sample). A spike next that agrees with it is the change seen twice.
                surprised = true;
                spikeInnovation = inn;
                spikeSigma = sigma;
                spikeTimeNs = s.localTimeNs;
            }
        }
        logNoiseVar = Double.isNaN(logNoiseVar) ? Math.log(r) : logNoiseVar + (Math.log(r) - logNoiseVar) / 16;
        answersUnsynchronised = false;
        leap = s.leap;
        stratum = s.stratum;
        refId = s.refId;
        rootDelayNs = s.rootDelayNs;
        rootDispersionNs = s.rootDispersionNs;
        sampleDispersionNs = s.dispersionNs;
        lastSampleNs = s.localTimeNs;
        samples++;
        return true;
    }

    /** The producer's view of reachability (an association's reach register is non-zero; a refclock has signal). */
    public void setReachable(boolean reachable) {
        this.reachable = reachable;
        everReachable |= reachable;
    }

    /**
     * The source answered, but as unsynchronised (leap indicator 3, stratum 0 or 16): it is not selectable until a
     * sample is accepted again, whatever estimate it holds, and it is no longer pending. Returns true when this
     * changes what selection sees (the first such answer), so the producer can have selection run again.
     */
    public boolean answeredUnsynchronised(int leap, int stratum) {
        boolean changed = !answersUnsynchronised;
        answersUnsynchronised = true;
        this.leap = leap;
        this.stratum = stratum;
        pending = false;
        return changed;
    }

    /** Whether the last answer said the source is unsynchronised ({@link #answeredUnsynchronised}). */
    public boolean answersUnsynchronised() {
        return answersUnsynchronised;
    }

    public boolean reachable() {
        return reachable;
    }

    /** Whether the source ever answered (reachable at some time). */
    public boolean everReachable() {
        return everReachable;
    }

    /**
     * The producer's view of whether a first sample is still to be expected soon (a new association that has not
     * yet had an answer to its first polls; false by default). Until the clock is first synchronised, selection
     * counts pending sources as votes not yet cast, so that the first answers cannot outvote the majority that is
     * on its way. A producer that sets it must clear it when it gives up.
     */
    public void setPending(boolean pending) {
        this.pending = pending;
    }

    public boolean pending() {
        return pending && samples == 0;
    }

    /**
     * The producer holds the source out of selection while still taking its samples (an NTS source whose certificate's
     * dates could not be checked, until its time is believed); {@link #unusable} says {@link Unusable#HELD}.
     */
    public void setHeld(boolean held) {
        this.held = held;
    }

    public boolean held() {
        return held;
    }

    /** Forgets every sample (a source that moved, was re-resolved, or whose path changed). */
    public void reset() {
        bank.clear();
        delays.clear();
        residuals.clear();
        samples = 0;
        jitterVar = 0;
        logNoiseVar = Double.NaN;
        consecutiveSpikes = 0;
        settling = 0;
        lastInnovationSigmas = 0;
        surprised = false;
    }

    // --- estimate (all at local time nowNs) ---

    /** Estimated offset (source minus local clock) at {@code nowNs}, ns. NaN before the first sample. */
    public double offsetNs(long nowNs) {
        return bank.initialised() ? bank.offset(nowNs) / NS : Double.NaN;
    }

    /** Standard deviation of {@link #offsetNs(long)}, ns. */
    public double offsetSigmaNs(long nowNs) {
        return Math.sqrt(bank.offsetVariance(nowNs)) / NS;
    }

    /** Estimated frequency of the source relative to the local clock, ppm (positive = the local clock is slow). */
    public double frequencyPpm() {
        return bank.frequency() * 1e6;
    }

    /** Standard deviation of {@link #frequencyPpm()}, ppm. */
    public double frequencySigmaPpm(long nowNs) {
        return Math.sqrt(bank.frequencyVariance(nowNs)) * 1e6;
    }

    /**
     * Estimated asymmetry of the path's queueing: the share of a sample's delay excess that shows as offset error
     * (-1/2: all queueing on the way back, +1/2 on the way out, 0 symmetric). Samples are corrected by it.
     */
    public double asymmetry() {
        return bank.asymmetry();
    }

    /** Estimated wander of the local oscillator as seen against this source: the random-walk step per sqrt(s). */
    public double wanderPerSqrtS() {
        return bank.wander();
    }

    /**
     * Variance of the predicted measurement at {@code nowNs} of a sample with the path's mean delay excess, s^2: the
     * offset's variance plus what the asymmetry's uncertainty adds to such a sample.
     */
    double predictionVariance(long nowNs) {
        double a = bank.asymmetry();
        if (a * a <= 4 * bank.asymmetryVariance()) {
            return bank.offsetVariance(nowNs); // no asymmetry detected: its uncertainty is not a reason to wait
        }
        return bank.measurementVariance(nowNs, 2 * delays.jitterScaleNs() * NS);
    }

    /** Variance of {@link #offsetNs(long)}, s^2. */
    double offsetVariance(long nowNs) {
        return bank.offsetVariance(nowNs);
    }

    /** Frequency relative to the local clock, s/s. */
    double frequency() {
        return bank.frequency();
    }

    /**
     * How much worse the filter predicted its last few samples than it expected (mean squared innovation in its own
     * sigmas, about 1 when all is as modelled): a frequency that started to change, a path that changed.
     */
    public double surprise() {
        return surprise;
    }

    /**
     * The last sample's innovation (its offset minus the filter's prediction) in its own sigmas, signed; spikes
     * included, 0 before the filter predicted one.
     */
    double lastInnovationSigmas() {
        return lastInnovationSigmas;
    }

    /** Variance of {@link #frequency()}, (s/s)^2. */
    double frequencyVariance(long nowNs) {
        return bank.frequencyVariance(nowNs);
    }

    /** Typical (geometric mean) measurement noise variance of recent samples, s^2. NaN before the first sample. */
    double typicalNoiseVariance() {
        return Math.exp(logNoiseVar);
    }

    /** RMS of recent prediction errors, ns. */
    public double jitterNs() {
        return Math.sqrt(jitterVar) / NS;
    }

    /**
     * Distance (ns): half-width of the interval that holds true time if the source tells it. The source's own
     * root distance, plus half our minimum delay to it, three sigma of the estimate, the sample dispersion, and
     * PHI times the estimate's age.
     */
    public long distanceNs(long nowNs) {
        double own = rootDelayNs / 2.0 + rootDispersionNs + sampleDispersionNs
                + (delays.count() > 0 ? delays.minNs() / 2.0 : 0)
                + 3 * Math.sqrt(bank.offsetVariance(nowNs)) / NS
                + PHI * Math.max(0, nowNs - lastSampleNs);
        return (long) Math.min(own, Long.MAX_VALUE / 4);
    }

    /** The system's maxdist: producers reject samples whose root distance exceeds it. */
    public long maxDistanceNs() {
        return owner.config().maxDistanceNs();
    }

    /**
     * Whether the source is in doubt: its last samples were spikes, or it just changed (a step recognised after
     * persistent spikes) and its estimate is still settling. It still votes in the intersection, so the majority
     * does not change, but is not combined while steady survivors exist.
     */
    public boolean suspect() {
        return consecutiveSpikes > 0 || settling > 0;
    }

    /**
     * Whether the last sample left a spike unconfirmed: a step of the source seen once (the next sample tells), or a
     * lone spike. A producer that can ask again soon should.
     */
    public boolean spikePending() {
        return consecutiveSpikes > 0;
    }

    /** Whether the last sample was a change of the source (a step recognised from spikes): its estimate jumped. */
    boolean steppedAtLastSample() {
        return settling == SAMPLES_BEFORE_GATE;
    }

    /** Whether selection may consider the source at {@code nowNs}. */
    boolean selectable(long nowNs, long maxDistanceNs) {
        return unusable(nowNs, maxDistanceNs) == null;
    }

    /** Why selection cannot consider the source at {@code nowNs}, or null when it can. */
    public Unusable unusable(long nowNs, long maxDistanceNs) {
        if (config.noselect()) {
            return Unusable.NOSELECT;
        }
        if (held) {
            return Unusable.HELD;
        }
        if (excludedAsSmearing) {
            return Unusable.SMEARING;
        }
        if (!reachable) {
            return everReachable ? Unusable.UNREACHABLE : pending ? Unusable.AWAITING : Unusable.NOT_ANSWERING;
        }
        if (answersUnsynchronised) {
            return Unusable.UNSYNCHRONISED;
        }
        if (!bank.initialised()) {
            return Unusable.NO_SAMPLE;
        }
        if (leap == NtpPacket.LEAP_UNSYNCHRONIZED) { // a reference clock without time
            return Unusable.UNSYNCHRONISED;
        }
        // Stratum 0 is a reference clock; from stratum 15 on this host would be 16, RFC 5905's unsynchronised.
        if (stratum < 0 || stratum + 1 >= NtpPacket.STRATUM_UNSYNCHRONIZED) {
            return Unusable.STRATUM;
        }
        return distanceNs(nowNs) < maxDistanceNs ? null : Unusable.TOO_FAR;
    }

    /** Excludes the source from selection as one that smears a leap second (or lets it back in). */
    void excludeAsSmearing(boolean excluded) {
        this.excludedAsSmearing = excluded;
    }

    public int leap() {
        return leap;
    }

    public int stratum() {
        return stratum;
    }

    public int refId() {
        return refId;
    }

    public long rootDelayNs() {
        return rootDelayNs;
    }

    public long rootDispersionNs() {
        return rootDispersionNs;
    }

    /** Smallest round-trip delay among recent samples, ns (0 before any). */
    public long minDelayNs() {
        return delays.count() > 0 ? delays.minNs() : 0;
    }

    public long lastSampleNs() {
        return lastSampleNs;
    }

    public long samples() {
        return samples;
    }

    public long spikes() {
        return spikes;
    }

    /**
     * chronyc's NP: the accepted samples (of the last {@value #RESIDUAL_WINDOW}) whose residual against the filter's
     * prediction is kept: not the first (nothing predicted it), nor one taken as a step (the ring starts again after).
     */
    public int residualSamples() {
        return residuals.count();
    }

    /** chronyc's NR: runs of residuals of one sign among {@link #residualSamples()} (about half of them plus one if white). */
    public int residualRuns() {
        return residuals.runs();
    }

    /** chronyc's Span: from the oldest of {@link #residualSamples()} to the newest, ns. */
    public long residualSpanNs() {
        return residuals.spanNs();
    }

    public SourceState state() {
        return state;
    }

    void setState(SourceState state) {
        this.state = state;
    }

    // --- corrections of the local clock, forwarded by the synchroniser ---

    /**
     * The clock's rate changed by {@code dFreq} at {@code nowNs}, its phase after that uncertain by
     * {@code phaseVariance} (s^2: the kernel takes a new rate up to a tick late, {@code ClockControl
     * frequencyChangeDelayNs}). That uncertainty is the clock's, not the samples': without it a filter that averages
     * over many samples (a quiet oscillator, a quiet PPS) takes the phase errors of the fast slews that pulled it in
     * for noise of the samples of that time, and carries them for hundreds of samples (the guest's slow final approach
     * of 100 ns at ~1 ns/s, PpsPathSimulationTest).
     */
    void onFrequencyChange(long nowNs, double dFreq, double phaseVariance) {
        if (bank.initialised()) {
            bank.shiftFrequency(nowNs, dFreq);
            if (phaseVariance > 0) {
                bank.widenPhase(phaseVariance);
            }
        }
        frequencyBeforeChange -= dFreq;
    }

    /**
     * Another source found its frequency changed by {@code change} (s/s) with a step: if the local oscillator's
     * frequency jumped, this source's frequency is off by as much since an unknown time after its last sample.
     * Its frequency uncertainty grows by that much (the mean stays), so its next sample re-estimates the frequency
     * instead of looking like a spike, and its estimate counts less until then. A source still in a run of spikes
     * or settling is already finding the change itself.
     */
    void doubtFrequency(double change) {
        if (bank.initialised() && consecutiveSpikes == 0 && settling == 0) {
            bank.widenFrequency(change);
        }
    }

    void onStep(long stepNs) {
        if (bank.initialised()) {
            bank.shiftPhase(stepNs);
        }
        lastSampleNs += stepNs;
        residuals.shift(stepNs);
    }
}
