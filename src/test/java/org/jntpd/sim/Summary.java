package org.jntpd.sim;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The per-scenario statistics over seeds that bench/simulate prints (shared/SCENARIOS.md's metrics). */
public record Summary(String id, double rmsMean, double rmsSd, double rmsMedian, double maxMean, double maxWorst,
        double syncMean, int falsetickerRuns, double packetsPerHour, int seeds) {

    public static Summary of(String id, List<Simulation.Result> runs) {
        int n = runs.size();
        double[] rms = runs.stream().mapToDouble(Simulation.Result::rmsS).toArray();
        double mean = Arrays.stream(rms).average().orElse(Double.NaN);
        double var = 0;
        for (double r : rms) {
            var += (r - mean) * (r - mean);
        }
        double sd = n > 1 ? Math.sqrt(var / (n - 1)) : 0;
        double[] sorted = rms.clone();
        Arrays.sort(sorted);
        double median = n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Summary(id, mean, sd, median,
                runs.stream().mapToDouble(Simulation.Result::maxS).average().orElse(Double.NaN),
                runs.stream().mapToDouble(Simulation.Result::maxS).max().orElse(Double.NaN),
                runs.stream().mapToDouble(Simulation.Result::syncS).average().orElse(Double.NaN),
                (int) runs.stream().filter(Simulation.Result::falsetickerSelected).count(),
                runs.stream().mapToDouble(Simulation.Result::packetsPerHour).average().orElse(Double.NaN), n);
    }

    /** The line bench/simulate prints. */
    public String line() {
        return String.format(Locale.ROOT,
                "%s rms_mean=%.3e rms_sd=%.3e rms_median=%.3e max_mean=%.3e max_worst=%.3e sync_s=%.1f falseticker_selected=%d packets_per_hour=%.1f seeds=%d",
                id, rmsMean, rmsSd, rmsMedian, maxMean, maxWorst, syncMean, falsetickerRuns, packetsPerHour, seeds);
    }
}
