package org.jntpd.sync;

/**
 * Chooses a source's poll interval from what its filter has learnt: the measurement noise (network jitter) and the
 * oscillator's wander. For a candidate interval it predicts the steady-state RMS error of the clock (the Kalman
 * filter's Riccati equation for that noise and wander, averaged over the interval); the interval doubles when that
 * costs at most {@code cost} (e.g. 0.1 = 10%) more error than now, and halves when halving would cut the error by
 * more than twice that. A quiet network with a stable oscillator thus polls slowly, a noisy or wandering one fast;
 * the tolerance says how much accuracy the operator trades for fewer packets.
 */
public final class PollPolicy {
    /** Default tolerance: accuracy first (in the noise-limited regime a doubling costs about 30% error). */
    public static final double DEFAULT_COST = 0.1;
    private static final int MAX_ITERATIONS = 4000;

    private PollPolicy() {}

    /**
     * Steady-state RMS clock error (s) when a filter with measurement noise {@code noiseVar} (s^2) tracks an
     * oscillator with wander {@code wander} (1/sqrt(s)) polling every {@code intervalS}, corrections applied at once.
     */
    public static double steadyStateRmsS(double wander, double noiseVar, double intervalS) {
        double t = intervalS;
        double q = wander * wander;
        double q00 = q * t * t * t / 3;
        double q01 = q * t * t / 2;
        double q11 = q * t;
        double p00 = noiseVar;
        double p01 = 0;
        double p11 = noiseVar / (t * t);
        for (int i = 0; i < MAX_ITERATIONS; i++) {
            double a00 = p00 + 2 * p01 * t + p11 * t * t + q00;
            double a01 = p01 + p11 * t + q01;
            double a11 = p11 + q11;
            double s = a00 + noiseVar;
            double n00 = a00 - a00 * a00 / s;
            double n01 = a01 - a00 * a01 / s;
            double n11 = a11 - a01 * a01 / s;
            boolean converged = Math.abs(n00 - p00) <= 1e-9 * n00 && Math.abs(n11 - p11) <= 1e-9 * n11;
            p00 = n00;
            p01 = n01;
            p11 = n11;
            if (converged) {
                break;
            }
        }
        // Mean over the interval of the predicted variance.
        return Math.sqrt(p00 + p01 * t + p11 * t * t / 3 + q * t * t * t / 12);
    }

    /** The advised poll (log2 s) for {@code source}, moving at most one step from {@code current}, within [min, max]. */
    public static int advise(Source source, int current, int min, int max, double cost) {
        int poll = Math.max(min, Math.min(max, current));
        double noise = source.typicalNoiseVariance();
        if (Double.isNaN(noise) || source.samples() < 8) {
            return poll;
        }
        double wander = source.wanderPerSqrtS();
        double now = steadyStateRmsS(wander, noise, Math.scalb(1.0, poll));
        if (poll < max && steadyStateRmsS(wander, noise, Math.scalb(1.0, poll + 1)) <= (1 + cost) * now) {
            return poll + 1;
        }
        if (poll > min && now > (1 + 2 * cost) * steadyStateRmsS(wander, noise, Math.scalb(1.0, poll - 1))) {
            return poll - 1;
        }
        return poll;
    }
}
