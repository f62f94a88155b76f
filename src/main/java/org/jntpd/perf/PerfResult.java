package org.jntpd.perf;

import java.util.List;

/**
 * The outcome of a {@code jntpc perf} run.
 *
 * @param steps             the measured steps in order (no warm-up)
 * @param maxSustainedStep  the step with the highest reply rate among those losing at most the loss limit
 *                          (--loss-limit, 0.1% unless told), or null when none did
 * @param peakStep          the step with the highest reply rate whatever its loss, or null
 * @param clientDrops       datagrams the kernel dropped at the generator's sockets (-1: unknown)
 * @param serverDrops       datagrams the kernel dropped at sockets bound to the server's port (-1: unknown)
 * @param unmatched         replies naming a request no longer or never known
 * @param duplicates        second replies to one request
 * @param malformed         datagrams that were no server reply to this run
 * @param generatorLimited  the generator fell behind its schedule: rates above the last step were not offered
 * @param stoppedOnLoss     the ramp ended early because a step lost more than --stop-loss
 * @param ntsNotAuthentic   NTS: replies whose authenticator failed the check (counted as lost)
 */
public record PerfResult(List<StepStats> steps, StepStats maxSustainedStep, StepStats peakStep, long clientDrops,
        long serverDrops, long unmatched, long duplicates, long malformed, boolean generatorLimited,
        boolean stoppedOnLoss, long ntsNotAuthentic) {

    /** Highest reply rate at <= 0.1% loss, replies/s (0 when no step qualified). */
    public double maxSustainedRate() {
        return maxSustainedStep == null ? 0 : maxSustainedStep.replyRate();
    }

    static PerfResult of(List<StepStats> steps, long clientDrops, long serverDrops, LoadGenerator g,
            double lossLimitPercent) {
        StepStats sustained = null;
        StepStats peak = null;
        for (StepStats s : steps) {
            if (s.truncated()) {
                continue;
            }
            if (s.lossPercent() <= lossLimitPercent
                    && (sustained == null || s.replyRate() > sustained.replyRate())) {
                sustained = s;
            }
            if (peak == null || s.replyRate() > peak.replyRate()) {
                peak = s;
            }
        }
        return new PerfResult(List.copyOf(steps), sustained, peak, clientDrops, serverDrops, g.unmatched(),
                g.duplicates(), g.malformed(), g.generatorLimited(), g.stoppedOnLoss(), g.ntsNotAuthentic());
    }
}
