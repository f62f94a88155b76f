package org.jntpd.sync;

/**
 * Per-source estimation of offset and frequency: a bank of two-state Kalman filters (phase, frequency) that differ
 * in the assumed frequency wander and measurement noise, combined by their likelihood (multiple-model adaptive
 * estimation). Each filter models the source's offset (source minus local clock) as
 * <pre>  theta(t + dt) = theta(t) + y * dt,   y(t + dt) = y(t) + w,   var(w) = W^2 dt,   z = theta + a * e + v,   var(v) = c R</pre>
 * (random-walk frequency, the dominant noise of a free-running quartz oscillator beyond a few seconds), where R is
 * the noise the sample's delay predicts ({@link DelayModel}) and c a scale. The third state, a, is the asymmetry of
 * the path's queueing: a sample's error is half the difference of its one-way delays, so when one direction queues
 * more than the other the error is not zero-mean but grows with the sample's delay excess e over the minimum
 * (a = -1/2 when all queueing is on the way back, +1/2 on the way out, 0 when symmetric). theta is the offset at
 * e = 0, the minimum delay, where queueing adds no error; a is learnt online (chrony's correct_asymmetry estimates
 * the same slope by regression and applies it only beyond |a| >= 0.45; here it is a state with its own uncertainty
 * from the first sample, a nearly constant random walk with prior sd 1/4). How much an oscillator wanders is a
 * property of the hardware the daemon cannot know in advance, and a source may be noisier than its delays say (a
 * reference clock has no delay at all), so the bank runs one filter per pair of candidates (W in half-decade steps
 * from 1e-11 to 1e-6 per sqrt(s); c from 1 to 1e5, a priori each tenfold step a tenth as likely) and weights them by
 * how well each predicted the measurements, with exponential forgetting. The output is the likelihood-weighted
 * mixture: no switching jumps, and a variance that includes the spread between models.
 *
 * <p>Units inside: seconds (double) for offsets and variances, dimensionless frequency (s/s); times are local
 * clock ns. The mean state refers to {@code meanRefNs}; covariances to {@code covRefNs} (the last measurement),
 * because deterministic corrections of the clock move the mean but not the uncertainty.
 */
final class KalmanBank {
    private static final int WANDERS = 11;
    /** Factors on the modelled measurement noise variance: 1 when the delays explain the noise. */
    private static final double[] NOISE_SCALES = {1, 10, 100, 1e3, 1e4, 1e5};
    /** Prior standard deviation of the asymmetry a in the models that have it: within +-1/2 at two sigma. */
    static final double ASYMMETRY_PRIOR_SD = 0.25;
    /** Random walk of a per second (variance rate) in those models: a path may change, a over hours, not seconds. */
    private static final double ASYMMETRY_Q = 1e-8;
    /**
     * Candidate wander values W (1/sqrt(s)), noise scales and asymmetry, one per filter. Half the models hold a at 0
     * (a symmetric path): where the queueing is symmetric they explain the data with one parameter less and win
     * the likelihood, so an unneeded asymmetry estimate costs nothing; where it is not, the others win.
     */
    static final double[] WANDER = new double[WANDERS * NOISE_SCALES.length * 2];
    static final double[] SCALE = new double[WANDER.length];
    /** Prior variance of a (0: a held at 0) and its random walk rate, per filter. */
    static final double[] ASYM_PRIOR_VAR = new double[WANDER.length];
    static final double[] ASYM_Q = new double[WANDER.length];

    static {
        int half = WANDERS * NOISE_SCALES.length;
        for (int i = 0; i < WANDER.length; i++) {
            int k = i % half;
            WANDER[i] = 1e-11 * Math.pow(10, (k % WANDERS) / 2.0);
            SCALE[i] = NOISE_SCALES[k / WANDERS];
            boolean asymmetric = i >= half;
            ASYM_PRIOR_VAR[i] = asymmetric ? ASYMMETRY_PRIOR_SD * ASYMMETRY_PRIOR_SD : 0;
            ASYM_Q[i] = asymmetric ? ASYMMETRY_Q : 0;
        }
    }

    /**
     * Prior log-likelihood per e-fold of wander (-0.1 ln(W / 1e-11)): a quieter oscillator a little more likely, 3:1
     * across the whole range. Where the noise swamps the wander (10 ms jitter polled every 1024 s) the data cannot
     * tell W = 1e-9 from 1e-7, and with a flat prior a few 2-sigma samples put the mixture on the agile models, whose
     * frequency follows the noise: T1-j10ms's worst error over 100 seeds was 10.4 ms (chronyd's 9.45), 8.2 with this.
     * Where the data decide (T2, 64 s polls) it changes nothing.
     */
    static final double WANDER_PRIOR = 0.1;
    /** Forgetting factor of the log-likelihoods: a memory of about 200 measurements (3.5 h at 64 s). */
    private static final double FORGET = 0.995;
    /**
     * Cap on a measurement's squared innovation in sigmas when it is scored (4 sigma). Unbounded, a burst of noisy
     * samples cost the low-noise models so much likelihood (a 300 us error against a 1 us model: 45,000) that
     * forgetting took minutes to forgive it, and the estimate followed exact samples at the pace of the noisy
     * models (NoiseBurstRecoveryTest: 50-150 s). A model still loses at least 8 per sample it cannot explain,
     * more than the 5.75 that separates the smallest and largest noise scales, so which model fits persistent
     * noise is unchanged.
     */
    private static final double MAX_SQUARED_SIGMAS = 16;
    private static final double NS = 1e-9;

    private final int m = WANDER.length;
    private final double[] th = new double[m];
    private final double[] fr = new double[m];
    private final double[] p00 = new double[m];
    private final double[] p01 = new double[m];
    private final double[] p11 = new double[m];
    private final double[] al = new double[m];
    private final double[] p02 = new double[m];
    private final double[] p12 = new double[m];
    private final double[] p22 = new double[m];
    private final double[] logLik = new double[m];
    private final double[] weight = new double[m];
    private long meanRefNs;
    private long covRefNs;
    private boolean initialised;

    boolean initialised() {
        return initialised;
    }

    /** Forgets everything: the next measurement starts over. */
    void clear() {
        initialised = false;
    }

    /** Starts over from one measurement {@code z} (s) with variance {@code r} at {@code tNs}. */
    void reset(long tNs, double z, double r, double freq, double freqVar) {
        for (int j = 0; j < m; j++) {
            th[j] = z;
            fr[j] = freq;
            p00[j] = r;
            p01[j] = 0;
            p11[j] = freqVar;
            al[j] = 0;
            p02[j] = 0;
            p12[j] = 0;
            p22[j] = ASYM_PRIOR_VAR[j];
            // Prior: the delays explain the noise (each tenfold scale a tenth as likely), quieter oscillators slightly
            // more likely (WANDER_PRIOR).
            logLik[j] = -Math.log(SCALE[j]) - WANDER_PRIOR * Math.log(WANDER[j] / WANDER[0]);
        }
        normaliseWeights();
        meanRefNs = tNs;
        covRefNs = tNs;
        initialised = true;
    }

    /**
     * Widens every filter's uncertainty so that an innovation of {@code innovation} (s), which the filters had
     * thought impossible, becomes ordinary: the phase by that much, the frequency by that much over the time since
     * the last measurement. The next update then follows the data, whether a step or a frequency change caused it.
     */
    void inflate(long tNs, double innovation) {
        double dt = Math.max(1, (tNs - covRefNs) * NS);
        double i2 = innovation * innovation;
        for (int j = 0; j < m; j++) {
            p00[j] += i2;
            p11[j] += i2 / (dt * dt);
        }
    }

    /**
     * Widens the phase's uncertainty by {@code innovation} (s) and the frequency's by {@code frequencyChange}: a step
     * of the source seen twice, the two innovations telling how much the frequency can have changed with it (widening
     * the frequency by the whole step over the last interval instead would read part of the step as a frequency, and
     * the clock would overshoot).
     */
    void inflate(double innovation, double frequencyChange) {
        double i2 = innovation * innovation;
        double f2 = frequencyChange * frequencyChange;
        for (int j = 0; j < m; j++) {
            p00[j] += i2;
            p11[j] += f2;
        }
    }

    /**
     * Widens every filter's frequency uncertainty at the last measurement to at least {@code frequencyChange} (s/s),
     * the mean unchanged: the frequency may have changed by that much since. At least, not by: two sources telling
     * of the same change must not double it.
     */
    void widenFrequency(double frequencyChange) {
        double f2 = frequencyChange * frequencyChange;
        for (int j = 0; j < m; j++) {
            p11[j] = Math.max(p11[j], f2);
        }
    }

    /** Adds {@code variance} (s^2) to every filter's phase uncertainty, the mean unchanged (the clock's phase moved by an unknown amount). */
    void widenPhase(double variance) {
        for (int j = 0; j < m; j++) {
            p00[j] += variance;
        }
    }

    /** Moves the mean state to {@code tNs} (prediction without measurement; covariances stay at covRefNs). */
    private void advanceMean(long tNs) {
        double dt = (tNs - meanRefNs) * NS;
        if (dt != 0) {
            for (int j = 0; j < m; j++) {
                th[j] += fr[j] * dt;
            }
            meanRefNs = tNs;
        }
    }

    /** The local clock's frequency was raised by {@code dFreq} (s/s) at {@code tNs}: every source drifts that much slower. */
    void shiftFrequency(long tNs, double dFreq) {
        advanceMean(tNs);
        for (int j = 0; j < m; j++) {
            fr[j] -= dFreq;
        }
    }

    /** The local clock was stepped by {@code stepNs} (forward positive): offsets drop by it, local time labels move with it. */
    void shiftPhase(long stepNs) {
        double d = stepNs * NS;
        for (int j = 0; j < m; j++) {
            th[j] -= d;
        }
        meanRefNs += stepNs;
        covRefNs += stepNs;
    }

    /** Mixture mean of the offset predicted at {@code tNs}, s. */
    double offset(long tNs) {
        double dt = (tNs - meanRefNs) * NS;
        double s = 0;
        for (int j = 0; j < m; j++) {
            s += weight[j] * (th[j] + fr[j] * dt);
        }
        return s;
    }

    /** Mixture variance of the offset predicted at {@code tNs}, s^2 (includes process noise since the last measurement). */
    double offsetVariance(long tNs) {
        double dtm = (tNs - meanRefNs) * NS;
        double dtc = (tNs - covRefNs) * NS;
        double mean = offset(tNs);
        double v = 0;
        for (int j = 0; j < m; j++) {
            double q = WANDER[j] * WANDER[j];
            double pj = p00[j] + 2 * p01[j] * dtc + p11[j] * dtc * dtc + q * dtc * dtc * dtc / 3;
            double d = th[j] + fr[j] * dtm - mean;
            v += weight[j] * (pj + d * d);
        }
        return v;
    }

    /** Mixture mean of the frequency (source relative to the local clock, s/s; positive = the source runs ahead). */
    double frequency() {
        double s = 0;
        for (int j = 0; j < m; j++) {
            s += weight[j] * fr[j];
        }
        return s;
    }

    /** Mixture variance of the frequency at {@code tNs}, (s/s)^2. */
    double frequencyVariance(long tNs) {
        double dtc = (tNs - covRefNs) * NS;
        double mean = frequency();
        double v = 0;
        for (int j = 0; j < m; j++) {
            double d = fr[j] - mean;
            v += weight[j] * (p11[j] + WANDER[j] * WANDER[j] * dtc + d * d);
        }
        return v;
    }

    /** Mixture mean of the asymmetry a (see the class comment), clamped to +-1/2. */
    double asymmetry() {
        double s = 0;
        for (int j = 0; j < m; j++) {
            s += weight[j] * al[j];
        }
        return Math.max(-0.5, Math.min(0.5, s));
    }

    /** Mixture variance of the asymmetry a. */
    double asymmetryVariance() {
        double mean = asymmetry();
        double v = 0;
        for (int j = 0; j < m; j++) {
            double d = al[j] - mean;
            v += weight[j] * (p22[j] + d * d);
        }
        return v;
    }

    /** Predicted measurement at {@code tNs} of a sample whose delay exceeds the minimum by {@code excessS}, s. */
    double measurement(long tNs, double excessS) {
        double dt = (tNs - meanRefNs) * NS;
        double s = 0;
        for (int j = 0; j < m; j++) {
            s += weight[j] * (th[j] + fr[j] * dt + al[j] * excessS);
        }
        return s;
    }

    /** Variance of {@link #measurement}'s prediction (without the measurement's own noise), s^2. */
    double measurementVariance(long tNs, double excessS) {
        double dtm = (tNs - meanRefNs) * NS;
        double dtc = (tNs - covRefNs) * NS;
        double mean = measurement(tNs, excessS);
        double e = excessS;
        double v = 0;
        for (int j = 0; j < m; j++) {
            double q = WANDER[j] * WANDER[j];
            double a00 = p00[j] + 2 * p01[j] * dtc + p11[j] * dtc * dtc + q * dtc * dtc * dtc / 3;
            double a02 = p02[j] + p12[j] * dtc;
            double a22 = p22[j] + ASYM_Q[j] * dtc;
            double d = th[j] + fr[j] * dtm + al[j] * e - mean;
            v += weight[j] * (a00 + 2 * e * a02 + e * e * a22 + d * d);
        }
        return v;
    }

    /** Likelihood-weighted geometric mean of the candidate wanders: the estimated W, 1/sqrt(s). */
    double wander() {
        double s = 0;
        for (int j = 0; j < m; j++) {
            s += weight[j] * Math.log(WANDER[j]);
        }
        return Math.exp(s);
    }

    /** Likelihood-weighted geometric mean of the noise scales: how much noisier the source is than modelled. */
    double noiseScale() {
        double s = 0;
        for (int j = 0; j < m; j++) {
            s += weight[j] * Math.log(SCALE[j]);
        }
        return Math.exp(s);
    }

    /** Folds in measurement {@code z} (s) with noise variance {@code r} (s^2) taken at local time {@code tNs}. */
    void update(long tNs, double z, double r) {
        update(tNs, z, r, 0);
    }

    /**
     * Folds in measurement {@code z} (s) with noise variance {@code r} (s^2) taken at local time {@code tNs}, from a
     * sample whose round-trip delay exceeded the path's minimum by {@code excessS} (0 for a reference clock).
     */
    void update(long tNs, double z, double r, double excessS) {
        advanceMean(tNs);
        double dt = (tNs - covRefNs) * NS;
        double e = excessS;
        for (int j = 0; j < m; j++) {
            double q = WANDER[j] * WANDER[j];
            double a00 = p00[j] + 2 * p01[j] * dt + p11[j] * dt * dt + q * dt * dt * dt / 3;
            double a01 = p01[j] + p11[j] * dt + q * dt * dt / 2;
            double a11 = p11[j] + q * dt;
            double a02 = p02[j] + p12[j] * dt;
            double a12 = p12[j];
            double a22 = p22[j] + ASYM_Q[j] * dt;
            // P H' with H = [1, 0, e]
            double h0 = a00 + e * a02;
            double h1 = a01 + e * a12;
            double h2 = a02 + e * a22;
            double s = h0 + e * h2 + r * SCALE[j];
            double inn = z - th[j] - al[j] * e;
            double k0 = h0 / s;
            double k1 = h1 / s;
            double k2 = h2 / s;
            th[j] += k0 * inn;
            fr[j] += k1 * inn;
            al[j] += k2 * inn;
            p00[j] = a00 - k0 * h0;
            p01[j] = a01 - k0 * h1;
            p02[j] = a02 - k0 * h2;
            p12[j] = a12 - k1 * h2;
            p22[j] = Math.max(a22 - k2 * h2, 0);
            // Keep the covariance positive semi-definite against rounding.
            p11[j] = Math.max(a11 - k1 * h1, p01[j] * p01[j] / Math.max(p00[j], Double.MIN_NORMAL));
            logLik[j] = FORGET * logLik[j] - 0.5 * (Math.log(s) + Math.min(inn * inn / s, MAX_SQUARED_SIGMAS));
        }
        normaliseWeights();
        covRefNs = tNs;
    }

    private void normaliseWeights() {
        double maxLl = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < m; j++) {
            maxLl = Math.max(maxLl, logLik[j]);
        }
        double sum = 0;
        for (int j = 0; j < m; j++) {
            weight[j] = Math.exp(logLik[j] - maxLl);
            sum += weight[j];
        }
        for (int j = 0; j < m; j++) {
            weight[j] /= sum;
        }
    }
}
