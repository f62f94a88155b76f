package org.jntpd.refclock;

/**
 * The median filter between a reference clock driver and the sync core (chrony's {@code samplefilt.c} as
 * {@code refclock.c} uses it): keeps the last {@code length} raw samples and, once per poll, reduces them to one.
 *
 * <p>Reduction: with more than four samples, only those whose dispersion is within 1.5x of the smallest take part
 * (unless that leaves fewer than four). Of those, the {@code combineRatio} (chrony: 60 %) nearest the middle are kept,
 * at least one dropped at each end once there are three or more. Unlike chrony, four or more candidates are ranked by
 * their distance from a least-squares line through them rather than by raw offset, so that a frequency error of the
 * local clock (offsets drifting across the window) does not make the trimming cut the oldest and newest samples
 * instead of the outliers. A line through the kept samples gives the mean time, the mean offset and the residual
 * variance; that variance is divided by the variance of a normal distribution trimmed to the same share (0.2145 for
 * 60 %), so the reported jitter estimates the source's actual noise instead of half of it. The dispersion is the
 * standard error of the mean offset, unless the samples' own mean dispersion is larger. A long-term average of the
 * variance stands in when only one sample is left.
 *
 * <p>Times and offsets are ns; storage is primitive arrays allocated once: accumulating and reducing allocate nothing.
 * Not thread-safe: one driver thread owns it.
 */
public final class RefclockFilter {
    /** Longest filter chrony accepts. */
    public static final int MAX_LENGTH = 256;
    /** Share of the samples around the median that chrony combines. */
    public static final double DEFAULT_COMBINE_RATIO = 0.6;
    /** chrony's floor on the variance (1e-20 s^2) so that nothing divides by zero. */
    private static final double MIN_VARIANCE_NS2 = 1e-2;

    private final int length;
    private final double combineRatio;
    private final double maxVarianceNs2;
    private final long[] timeNs;
    private final long[] offsetNs;
    private final long[] dispersionNs;
    private final int[] selected;
    private final double[] residual;
    private double fitMeanX;
    private double fitMeanY;
    private double fitSlope;

    private int used;
    private int index = -1;
    private int last = -1;
    private double avgVarianceNs2;
    private int avgVarianceDof;

    private long resultTimeNs;
    private long resultOffsetNs;
    private long resultDispersionNs;
    private long resultJitterNs;
    private int resultSamples;

    /**
     * @param length              samples kept (chrony {@code filter}), 1..{@value #MAX_LENGTH}
     * @param combineRatio        share of the samples nearest the median that are combined, 0..1
     * @param maxDispersionNs     a reduction whose jitter exceeds this is refused (chrony {@code maxdispersion}); 0 = no limit
     * @param initialDispersionNs first guess of the jitter, used while only single samples were seen (the precision)
     */
    public RefclockFilter(int length, double combineRatio, long maxDispersionNs, long initialDispersionNs) {
        if (length < 1 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("filter length must be 1.." + MAX_LENGTH + ", got " + length);
        }
        if (!(combineRatio >= 0 && combineRatio <= 1)) {
            throw new IllegalArgumentException("combine ratio must be 0..1, got " + combineRatio);
        }
        this.length = length;
        this.combineRatio = combineRatio;
        this.maxVarianceNs2 = (double) maxDispersionNs * maxDispersionNs;
        this.timeNs = new long[length];
        this.offsetNs = new long[length];
        this.dispersionNs = new long[length];
        this.selected = new int[length];
        this.residual = new double[length];
        this.avgVarianceNs2 = (double) initialDispersionNs * initialDispersionNs;
    }

    public int length() {
        return length;
    }

    /** Samples waiting for the next {@link #reduce()}. */
    public int size() {
        return used;
    }

    /**
     * Adds a raw sample. Refused (false) when its time is not after the previous sample's: a driver that hands the
     * same measurement twice, or a clock step the filter was not told about.
     */
    public boolean accumulate(long localTimeNs, long offsetNs, long dispersionNs) {
        if (used > 0 && localTimeNs <= timeNs[last]) {
            return false;
        }
        index = (index + 1) % length;
        last = index;
        if (used < length) {
            used++;
        }
        timeNs[index] = localTimeNs;
        this.offsetNs[index] = offsetNs;
        this.dispersionNs[index] = dispersionNs;
        return true;
    }

    /** Whether a last sample exists (it survives {@link #reduce()}, as a PPS lock needs it). */
    public boolean hasLast() {
        return last >= 0;
    }

    public long lastTimeNs() {
        return timeNs[last];
    }

    public long lastOffsetNs() {
        return offsetNs[last];
    }

    public long lastDispersionNs() {
        return dispersionNs[last];
    }

    /** The long-term average jitter of reductions (chrony {@code SPF_GetAvgSampleDispersion}). */
    public long averageDispersionNs() {
        return Math.round(Math.sqrt(avgVarianceNs2));
    }

    /** Forgets everything, the last sample too (after an unknown clock step). */
    public void dropAll() {
        used = 0;
        index = -1;
        last = -1;
    }

    /**
     * The system clock was stepped by {@code stepNs} (positive = forward): stored samples move to the new time scale,
     * so their local times grow and their offsets shrink by the step.
     */
    public void onClockStep(long stepNs) {
        for (int i = 0; i < used; i++) {
            timeNs[i] += stepNs;
            offsetNs[i] -= stepNs;
        }
        if (used == 0 && last >= 0) {
            timeNs[last] += stepNs;
            offsetNs[last] -= stepNs;
        }
    }

    /**
     * The clock's rate changed by {@code dFreq} (a fraction; positive = faster) at local time {@code atNs}: each stored
     * sample taken before is re-expressed as if the clock had run at the new rate all along (chrony's
     * {@code SPF_SlewSamples}), its local time t becoming {@code t + (t - atNs) * dFreq} and its offset dropping by as
     * much (the reference's time is unchanged). So a poll's samples are combined on one rate even when the discipline
     * changed it between them. Samples taken after {@code atNs} already ran at the new rate and stay.
     */
    public void onRateChange(long atNs, double dFreq) {
        for (int i = 0; i < used; i++) {
            reexpress(i, atNs, dFreq);
        }
        if (used == 0 && last >= 0) {
            reexpress(last, atNs, dFreq);
        }
    }

    private void reexpress(int slot, long atNs, double dFreq) {
        long t = timeNs[slot];
        if (t < atNs) {
            long movedNs = Math.round((t - atNs) * dFreq);
            timeNs[slot] = t + movedNs;
            offsetNs[slot] -= movedNs;
        }
    }

    /**
     * Reduces the stored samples to one (read it with the {@code result...} getters) and empties the filter, keeping
     * the last sample. False when there is nothing to reduce or the jitter exceeds the maximum (samples then stay).
     */
    public boolean reduce() {
        int n = select();
        if (n < 1) {
            return false;
        }
        long refNs = timeNs[last];
        if (n >= 4) {
            // Rank by distance from a line through all candidates, not by raw offset: with a frequency error the raw
            // offsets sort by time and trimming them would cut the oldest and newest samples instead of the outliers.
            fit(0, n, refNs);
            for (int i = 0; i < n; i++) {
                int s = selected[i];
                residual[s] = offsetNs[s] - fitMeanY - fitSlope * (timeNs[s] - refNs - fitMeanX);
            }
            sortSelected(n, residual);
        } else {
            for (int i = 0; i < n; i++) {
                residual[selected[i]] = offsetNs[selected[i]];
            }
            sortSelected(n, residual);
        }
        int from = n > 2 ? Math.clamp((long) (n * (1.0 - combineRatio) / 2.0), 1, (n - 1) / 2) : 0;
        int to = n - from;
        int k = to - from;

        double variance;
        double dispersion;
        int dof;
        fit(from, to, refNs);
        if (k >= 4) {
            double ssr = 0;
            for (int i = from; i < to; i++) {
                int s = selected[i];
                double r = offsetNs[s] - fitMeanY - fitSlope * (timeNs[s] - refNs - fitMeanX);
                ssr += r * r;
            }
            variance = ssr / (k - 2);
            dof = k - 2;
        } else if (k >= 2) {
            double ss = 0;
            for (int i = from; i < to; i++) {
                double d = offsetNs[selected[i]] - fitMeanY;
                ss += d * d;
            }
            variance = ss / (k - 1);
            dof = k - 1;
        } else {
            variance = avgVarianceNs2;
            dof = 0;
        }
        if (dof > 0 && from > 0) {
            variance /= truncatedVarianceRatio((double) k / n);
        }
        if (variance < MIN_VARIANCE_NS2) {
            variance = MIN_VARIANCE_NS2;
        }
        if (maxVarianceNs2 > 0 && variance > maxVarianceNs2) {
            return false;
        }
        // Standard error of the line at the mean time (k >= 4), of the mean (2, 3), or the long-term jitter (1).
        dispersion = k >= 4 ? Math.sqrt(variance / k) : Math.sqrt(variance);
        if (dof > 0) {
            // chrony's moving average: exact mean over the first ~50 degrees of freedom, then exponential.
            if (avgVarianceDof > 50) {
                avgVarianceNs2 += dof / (dof + 50.0) * (variance - avgVarianceNs2);
            } else {
                avgVarianceNs2 = (avgVarianceNs2 * avgVarianceDof + variance * dof) / (dof + avgVarianceDof);
                avgVarianceDof += dof;
            }
        }
        double meanDispersion = 0;
        for (int i = from; i < to; i++) {
            meanDispersion += dispersionNs[selected[i]];
        }
        meanDispersion /= k;
        resultTimeNs = refNs + Math.round(fitMeanX);
        resultOffsetNs = Math.round(fitMeanY);
        resultDispersionNs = Math.round(Math.max(dispersion, meanDispersion));
        resultJitterNs = Math.round(Math.sqrt(variance));
        resultSamples = k;
        used = 0;
        index = -1;
        return true;
    }

    /** Least squares through {@code selected[from..to)}: sets the means (x relative to {@code refNs}) and the slope. */
    private void fit(int from, int to, long refNs) {
        int k = to - from;
        double mx = 0;
        double my = 0;
        for (int i = from; i < to; i++) {
            int s = selected[i];
            mx += timeNs[s] - refNs;
            my += offsetNs[s];
        }
        mx /= k;
        my /= k;
        double sxx = 0;
        double sxy = 0;
        for (int i = from; i < to; i++) {
            int s = selected[i];
            double dx = timeNs[s] - refNs - mx;
            sxx += dx * dx;
            sxy += dx * (offsetNs[s] - my);
        }
        fitMeanX = mx;
        fitMeanY = my;
        fitSlope = k >= 2 && sxx > 0 ? sxy / sxx : 0;
    }

    /**
     * Variance of a standard normal variable cut to its central {@code fraction}: dividing a trimmed sample's variance
     * by it recovers the variance of Gaussian noise (0.2145 for chrony's 60 %).
     */
    static double truncatedVarianceRatio(double fraction) {
        if (fraction >= 1) {
            return 1;
        }
        double z = inverseNormalCdf((1 + fraction) / 2);
        double density = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
        return 1 - 2 * z * density / fraction;
    }

    /** Acklam's rational approximation of the standard normal quantile (relative error below 1.2e-9). */
    static double inverseNormalCdf(double p) {
        final double plow = 0.02425;
        if (p < plow) {
            double q = Math.sqrt(-2 * Math.log(p));
            return tail(q);
        }
        if (p > 1 - plow) {
            double q = Math.sqrt(-2 * Math.log(1 - p));
            return -tail(q);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
                + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
                / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1);
    }

    private static double tail(double q) {
        return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
                - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)
                / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
                + 3.754408661907416e+00) * q + 1);
    }

    /** Fills {@code selected[0..n)} with the candidate slots; returns n. */
    private int select() {
        int n = 0;
        if (used > 4) {
            long min = Long.MAX_VALUE;
            for (int i = 0; i < used; i++) {
                min = Math.min(min, dispersionNs[i]);
            }
            for (int i = 0; i < used; i++) {
                if (dispersionNs[i] <= 1.5 * min) {
                    selected[n++] = i;
                }
            }
        }
        if (n < 4) {
            for (n = 0; n < used; n++) {
                selected[n] = n;
            }
        }
        return n;
    }

    /** Insertion sort of {@code selected[0..n)} by {@code key[slot]}: n <= 256, no allocation. */
    private void sortSelected(int n, double[] key) {
        for (int i = 1; i < n; i++) {
            int s = selected[i];
            double v = key[s];
            int j = i - 1;
            while (j >= 0 && key[selected[j]] > v) {
                selected[j + 1] = selected[j];
                j--;
            }
            selected[j + 1] = s;
        }
    }

    public long resultTimeNs() {
        return resultTimeNs;
    }

    public long resultOffsetNs() {
        return resultOffsetNs;
    }

    public long resultDispersionNs() {
        return resultDispersionNs;
    }

    public long resultJitterNs() {
        return resultJitterNs;
    }

    public int resultSamples() {
        return resultSamples;
    }
}
