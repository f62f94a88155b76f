package org.jntpd.rtc;

import static org.jntpd.time.Units.NS_PER_S;

import java.util.Arrays;

/**
 * Tracks the RTC against the (synchronised) system clock, as chrony's {@code rtc_linux.c} does: every measurement is
 * a second boundary of the RTC ({@link RtcReading}), and a straight line through the RTC's lead over the system clock
 * against the RTC's own time gives how far ahead it is now ({@code fast}) and how fast it gains ({@code gainPpm}):
 * the coefficients of the {@code rtcfile}.
 *
 * <p>Samples: at most 64; the four oldest go when full; all go when the RTC reading moves backwards (someone set it).
 * The fit is least squares, refitted once without samples further from the line than four robust standard deviations
 * (1.4826 median absolute residuals, at least 20 us), so a measurement delayed by a busy system does not bend it.
 * Measurements are spaced as chrony spaces them: 15 s while there are few samples, doubling up to 240 s.
 *
 * <p>{@code rtcautotrim}: {@link #shouldTrim} says when the RTC has drifted beyond the threshold; after the daemon
 * re-set it ({@link RtcSetter}) it calls {@link #trimmed}, and the next eight samples, taken a second apart, fix the new
 * offset while the gain measured before the trim is kept (eight seconds cannot measure a gain). Allocation-free.
 */
public final class RtcTracker {
    public static final int MAX_SAMPLES = 64;
    private static final int DISCARD_WHEN_FULL = 4;
    private static final int RELOCK_SAMPLES = 8;
    private static final double MIN_OUTLIER_NS = 20_000;

    /** Whether the tracker is measuring normally or re-learning the offset after a trim. */
    public enum Mode {
        NORMAL,
        AFTER_TRIM
    }

    private final long[] rtcSeconds = new long[MAX_SAMPLES];
    private final long[] systemNs = new long[MAX_SAMPLES];
    private final double[] residual = new double[MAX_SAMPLES];
    private final double[] sorted = new double[MAX_SAMPLES];
    private final boolean[] excluded = new boolean[MAX_SAMPLES];
    private int n;
    private Mode mode = Mode.NORMAL;

    private boolean valid;
    private long refRtcSeconds;
    private double fastNs;
    private double gainPpm;
    private double residualRmsNs;
    private double gainSigmaPpm = Double.NaN;
    private int fitted;
    private double savedGainPpm;

    /** A measured second boundary: the RTC ticked to {@code rtcSeconds} when the system clock read {@code systemNs}. */
    public void addSample(long rtcSeconds, long systemNs) {
        if (n == MAX_SAMPLES) {
            System.arraycopy(this.rtcSeconds, DISCARD_WHEN_FULL, this.rtcSeconds, 0, n - DISCARD_WHEN_FULL);
            System.arraycopy(this.systemNs, DISCARD_WHEN_FULL, this.systemNs, 0, n - DISCARD_WHEN_FULL);
            n -= DISCARD_WHEN_FULL;
        }
        if (n > 0 && this.rtcSeconds[n - 1] >= rtcSeconds) {
            n = 0; // the RTC went back: it was set by someone else, the old samples describe another clock
        }
        this.rtcSeconds[n] = rtcSeconds;
        this.systemNs[n] = systemNs;
        n++;
        if (mode == Mode.AFTER_TRIM) {
            if (n >= RELOCK_SAMPLES) {
                fit();
                gainPpm = savedGainPpm;
                mode = Mode.NORMAL;
                n = 0;
            }
            return;
        }
        fit();
    }

    /** Convenience for {@link #addSample(long, long)}. */
    public void addSample(RtcReading r) {
        addSample(r.rtcSeconds, r.systemNs);
    }

    private void fit() {
        if (n < 2) {
            if (n == 1 && valid) { // keep the gain, move the offset to the new sample
                refRtcSeconds = rtcSeconds[0];
                fastNs = lead(0);
            }
            return;
        }
        Arrays.fill(excluded, 0, n, false);
        line();
        for (int i = 0; i < n; i++) {
            sorted[i] = Math.abs(residual[i]);
        }
        Arrays.sort(sorted, 0, n);
        double mad = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double limit = Math.max(4 * 1.4826 * mad, MIN_OUTLIER_NS);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            excluded[i] = Math.abs(residual[i]) > limit;
            if (!excluded[i]) {
                kept++;
            }
        }
        if (kept >= 2 && kept < n) {
            line();
        } else {
            Arrays.fill(excluded, 0, n, false);
        }
        valid = true;
    }

    /** Least squares through the samples not excluded; sets the coefficients and every sample's residual. */
    private void line() {
        long ref = rtcSeconds[n - 1];
        int k = 0;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            if (!excluded[i]) {
                mx += rtcSeconds[i] - ref;
                my += lead(i);
                k++;
            }
        }
        mx /= k;
        my /= k;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            if (!excluded[i]) {
                double dx = rtcSeconds[i] - ref - mx;
                sxx += dx * dx;
                sxy += dx * (lead(i) - my);
            }
        }
        double slope = sxx > 0 ? sxy / sxx : 0; // ns per RTC second
        double ss = 0;
        for (int i = 0; i < n; i++) {
            residual[i] = lead(i) - my - slope * (rtcSeconds[i] - ref - mx);
            if (!excluded[i]) {
                ss += residual[i] * residual[i];
            }
        }
        refRtcSeconds = ref;
        fastNs = my - slope * mx;
        gainPpm = slope / 1e3;
        residualRmsNs = k > 2 ? Math.sqrt(ss / (k - 2)) : 0;
        gainSigmaPpm = k > 2 && sxx > 0 ? residualRmsNs / Math.sqrt(sxx) / 1e3 : Double.NaN;
        fitted = k;
    }

    /** RTC minus system clock at sample i, ns. */
    private long lead(int i) {
        return rtcSeconds[i] * NS_PER_S - systemNs[i]; // in long: a double of 1.7e18 ns would round to 256 ns
    }

    /** The system clock was stepped by {@code stepNs} (positive = forward): samples move to the new time scale. */
    public void onSystemClockStep(long stepNs) {
        for (int i = 0; i < n; i++) {
            systemNs[i] += stepNs;
        }
        if (valid) {
            fastNs -= stepNs;
        }
    }

    /** When to measure next: 15 s with fewer than 4 samples, doubling to 240 s from 14 on; 1 s while re-learning. */
    public long measurementIntervalNs() {
        if (mode == Mode.AFTER_TRIM) {
            return NS_PER_S;
        }
        int shift = n < 4 ? 0 : n < 6 ? 1 : n < 10 ? 2 : n < 14 ? 3 : 4;
        return (15 * NS_PER_S) << shift;
    }

    /**
     * chrony's {@code rtcautotrim}: true when the RTC is more than {@code thresholdNs} off, the estimate is current,
     * and the system clock is synchronised (else it would copy the system clock's error into the RTC).
     */
    public boolean shouldTrim(long thresholdNs, boolean systemSynchronised) {
        return thresholdNs > 0 && systemSynchronised && mode == Mode.NORMAL && valid && n >= 2
                && Math.abs(fastNs) >= thresholdNs;
    }

    /**
     * The RTC was just set; {@code afterSet} is the boundary measured right after. The samples describe the old
     * setting and go; the gain is kept while the offset is re-learned.
     */
    public void trimmed(RtcReading afterSet) {
        savedGainPpm = gainPpm;
        n = 0;
        mode = Mode.AFTER_TRIM;
        refRtcSeconds = afterSet.rtcSeconds;
        fastNs = afterSet.fastNs();
    }

    /** The current estimate, in the rtcfile's terms. */
    public RtcCoefficients coefficients() {
        return new RtcCoefficients(valid, refRtcSeconds, fastNs / 1e9, gainPpm);
    }

    /** RTC minus system clock at the reference RTC time, ns. */
    public double fastNs() {
        return fastNs;
    }

    public double gainPpm() {
        return gainPpm;
    }

    /** Standard error of {@link #gainPpm()} from the last fit's residual scatter, ppm (NaN from fewer than 3 samples). */
    public double gainSigmaPpm() {
        return gainSigmaPpm;
    }

    /** Residual scatter of the last fit (measurement noise), ns. */
    public double residualRmsNs() {
        return residualRmsNs;
    }

    /** Samples the last fit used. */
    public int fittedSamples() {
        return fitted;
    }

    public int samples() {
        return n;
    }

    public Mode mode() {
        return mode;
    }

    public boolean valid() {
        return valid;
    }
}
