package org.jntpd.sync;

/**
 * Per-source estimation of offset and frequency: a bank of two-state Kalman filters (phase, frequency) that differ
 * in the assumed frequency wander and measurement noise, combined by their likelihood (multiple-model adaptive
 * estimation). Each filter models the source's offset (source minus local clock) as
 * <pre>  theta(t + dt) = theta(t) + y * dt,   y(t + dt) = y(t) + w,   var(w) = W^2 dt,   z = theta + v,   var(v) = c R</pre>
 * (random-walk frequency, the dominant noise of a free-running quartz oscillator beyond a few seconds), where R is
 * the noise the sample's delay predicts ({@link DelayModel}) and c a scale. How much an oscillator wanders is a
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
    /** Candidate wander values W (1/sqrt(s)) and noise scales, one per filter. */
    static final double[] WANDER = new double[WANDERS * NOISE_SCALES.length];
    static final double[] SCALE = new double[WANDER.length];

    static {
        for (int i = 0; i < WANDER.length; i++) {
            WANDER[i] = 1e-11 * Math.pow(10, (i % WANDERS) / 2.0);
            SCALE[i] = NOISE_SCALES[i / WANDERS];
        }
    }

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
            // Prior: the delays explain the noise (each tenfold scale a tenth as likely), all wanders alike.
            logLik[j] = -Math.log(SCALE[j]);
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
        advanceMean(tNs);
        double dt = (tNs - covRefNs) * NS;
        for (int j = 0; j < m; j++) {
            double q = WANDER[j] * WANDER[j];
            double a00 = p00[j] + 2 * p01[j] * dt + p11[j] * dt * dt + q * dt * dt * dt / 3;
            double a01 = p01[j] + p11[j] * dt + q * dt * dt / 2;
            double a11 = p11[j] + q * dt;
            double s = a00 + r * SCALE[j];
            double inn = z - th[j];
            double k0 = a00 / s;
            double k1 = a01 / s;
            th[j] += k0 * inn;
            fr[j] += k1 * inn;
            p00[j] = a00 - k0 * a00;
            p01[j] = a01 - k0 * a01;
            // Keep the covariance positive semi-definite against rounding.
            p11[j] = Math.max(a11 - k1 * a01, p01[j] * p01[j] / Math.max(p00[j], Double.MIN_NORMAL));
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
