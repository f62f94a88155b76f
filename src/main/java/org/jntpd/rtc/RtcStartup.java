package org.jntpd.rtc;

import static org.jntpd.time.Units.NS_PER_S;

import java.util.Locale;

/**
 * Setting the system clock from the RTC at start ({@code -s}, chrony's {@code RTC_Linux_TimePreInit}), for when no
 * better source is at hand: the RTC reading corrected by the drift the {@code rtcfile} predicts. A pure decision; the
 * daemon carries out the step.
 *
 * <p>The clock is stepped only when it is at least 1 s off (smaller errors are slewed once the RTC has been measured
 * precisely, {@link #fineCorrectionNs}), never to a time before {@code notBeforeNs} (chrony refuses a time before the
 * drift file was last written: a flat RTC battery reads 1970 or 2000), and never backwards by more than
 * {@code maxBackwardStepNs}.
 */
public final class RtcStartup {
    private static final long MIN_STEP_NS = NS_PER_S;

    private RtcStartup() {}

    /**
     * What to do with the system clock.
     *
     * @param step      whether to step it
     * @param stepNs    the step, positive = forward (0 when not stepping)
     * @param rtcTimeNs what the drift-corrected RTC says the time is
     * @param reason    a sentence for the log
     */
    public record Decision(boolean step, long stepNs, long rtcTimeNs, String reason) {}

    /**
     * @param rtcReadingNs      the RTC's time at {@code systemNowNs}: its seconds plus the position in its second
     *                          (0.5 s when unknown, as chrony assumes; exact from a measured boundary)
     * @param systemNowNs       system clock at that instant
     * @param coefficients      from the rtcfile, or null
     * @param notBeforeNs       the earliest believable time (drift file mtime, build date); Long.MIN_VALUE = none
     * @param maxBackwardStepNs largest backward step allowed; Long.MAX_VALUE = any
     */
    public static Decision decide(long rtcReadingNs, long systemNowNs, RtcCoefficients coefficients, long notBeforeNs,
            long maxBackwardStepNs) {
        long drift = 0;
        String basis = "uncorrected RTC";
        if (coefficients != null && coefficients.valid()) {
            drift = coefficients.predictFastNs(Math.floorDiv(rtcReadingNs, NS_PER_S));
            basis = "RTC corrected by " + String.format(Locale.ROOT, "%.6f", drift / 1e9) + " s of drift";
        }
        long rtcTime = rtcReadingNs - drift;
        if (rtcTime < notBeforeNs) {
            return new Decision(false, 0, rtcTime, basis + " gives a time before the last drift file update; "
                    + "the RTC is not believed (flat battery?) and the clock is left alone");
        }
        long step = rtcTime - systemNowNs;
        if (Math.abs(step) < MIN_STEP_NS) {
            return new Decision(false, 0, rtcTime, basis + " is within 1 s of the system clock; no step");
        }
        if (step < 0 && -step > maxBackwardStepNs) {
            return new Decision(false, 0, rtcTime, basis + " is " + (-step / NS_PER_S) + " s behind the system "
                    + "clock, more than the " + (maxBackwardStepNs / NS_PER_S) + " s it may be stepped back");
        }
        return new Decision(true, step, rtcTime, "system clock set from the " + basis + " (step "
                + String.format(Locale.ROOT, "%+.6f", step / 1e9) + " s)");
    }

    /**
     * After start, once the RTC has been measured against the system clock (chrony takes eight boundaries a second
     * apart): how far the system clock must move, positive = forward, for the RTC to show the drift the rtcfile
     * predicts. With {@code measured} fast by F and the file predicting P at that RTC time, the system clock is
     * {@code P - F} fast; the correction is {@code F - P}.
     */
    public static long fineCorrectionNs(RtcCoefficients measured, RtcCoefficients file) {
        return Math.round(measured.fastSeconds() * 1e9) - file.predictFastNs(measured.refRtcSeconds());
    }
}
