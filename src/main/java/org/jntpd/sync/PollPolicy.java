package org.jntpd.sync;

/**
 * Chooses a source's poll interval from what its filter has learnt: the measurement noise (network jitter) and the
 * oscillator's wander. For a candidate interval it predicts the steady-state RMS error of the clock (the Kalman
 * filter's Riccati equation for that noise and wander, averaged over the interval); the interval doubles when that
 * costs at most {@code cost} (e.g. 0.1 = 10%) more error than now, and halves when halving would cut the error by
 * more than twice that. A quiet network with a stable oscillator thus polls slowly, a noisy or wandering one fast;
 * the tolerance says how much accuracy the operator trades for fewer packets. A longer interval is only taken once
 * the estimate has converged to what that interval would keep.
 */
public final class PollPolicy {
    /**
     * Default tolerance: no more packets than chronyd sends. In the noise-limited regime a doubling costs 2^(3/8) - 1,
     * about 30%, so the interval grows until the oscillator's wander starts to show (at 35%), up to maxpoll. With
     * 0.1 (accuracy first) jntpd polled at minpoll throughout, 4-12x chronyd's packets in bench/compare-chrony.
     */
    public static final double DEFAULT_COST = 0.35;
    /**
     * A longer interval waits until the offset variance the estimate would reach at its end is at most this many
     * times the steady state's there: a filter still converging (just started, back from an outage, after a step)
     * keeps sampling at the shorter interval.
     */
    static final double CONVERGED_SLACK = 4;
    /**
     * The interval halves when the last samples' innovations averaged more than this in squared sigmas (2 sigma):
     * the filter predicts worse than it thinks, most often because the frequency started to change (temperature),
     * which its random-walk model follows only as fast as samples come. FR-ramp (1 ppm per hour for 3 hours): RMS
     * 114 -> 72 us, worst MAX 1.56 -> 1.17 ms (chronyd 122 us, 1.25 ms), 6.6 -> 10.5 packets per hour (chronyd 10.8).
     */
    static final double SURPRISED = 4;
    /**
     * A sample this many sigmas from the prediction (or a spike, or a source still settling after a step) sends the
     * poll back to minpoll at once: beyond the interval's error budget something changed (the oscillator's frequency
     * jumped, the source stepped) or a spike must be confirmed, and at 1024 s the confirming samples take hours
     * (ntpd also cuts the poll when the offset exceeds its gate). The interval climbs back one step per sample once
     * the estimate has converged again.
     */
    static final double CHANGE_SIGMAS = Source.CHANGE_SIGMAS;
    private static final int MAX_ITERATIONS = 4000;

    private PollPolicy() {}

    /**
     * Steady-state RMS clock error (s) when a filter with measurement noise {@code noiseVar} (s^2) tracks an
     * oscillator with wander {@code wander} (1/sqrt(s)) polling every {@code intervalS}, corrections applied at once.
     */
    public static double steadyStateRmsS(double wander, double noiseVar, double intervalS) {
        return steadyState(wander, noiseVar, intervalS)[0];
    }

    /**
     * The filter's steady state at that interval: {RMS error over the interval (s), offset variance just before a
     * measurement (s^2): the most it grows to between measurements}.
     */
    static double[] steadyState(double wander, double noiseVar, double intervalS) {
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
        double rms = Math.sqrt(p00 + p01 * t + p11 * t * t / 3 + q * t * t * t / 12);
        return new double[] {rms, p00 + 2 * p01 * t + p11 * t * t + q00};
    }

    /**
     * The advised poll (log2 s) for {@code source}, moving at most one step from {@code current}, within [min, max].
     * A longer interval is taken only once the source's estimate is as good as that interval would keep it (its
     * offset and frequency variances at most the steady state's there): a filter still converging (just started,
     * or after a step) polls on at the shorter interval, instead of leaving a frequency error to grow for 1024 s
     * between samples that each add little.
     */
    public static int advise(Source source, int current, int min, int max, double cost) {
        int poll = Math.max(min, Math.min(max, current));
        if (source.suspect() || Math.abs(source.lastInnovationSigmas()) > CHANGE_SIGMAS) {
            return min;
        }
        double noise = source.typicalNoiseVariance();
        if (Double.isNaN(noise) || source.samples() < 8) {
            return poll;
        }
        double wander = source.wanderPerSqrtS();
        double now = steadyStateRmsS(wander, noise, Math.scalb(1.0, poll));
        if (poll < max) {
            double[] longer = steadyState(wander, noise, Math.scalb(1.0, poll + 1));
            double longerS = Math.scalb(1.0, poll + 1);
            boolean converged = source.predictionVariance(source.lastSampleNs() + (long) (longerS * 1e9))
                    <= CONVERGED_SLACK * longer[1];
            if (longer[0] <= (1 + cost) * now && converged) {
                return poll + 1;
            }
        }
        if (poll > min && now > (1 + 2 * cost) * steadyStateRmsS(wander, noise, Math.scalb(1.0, poll - 1))) {
            return poll - 1;
        }
        if (poll > min && source.surprise() > SURPRISED) {
            return poll - 1;
        }
        return poll;
    }
}
