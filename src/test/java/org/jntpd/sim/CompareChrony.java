package org.jntpd.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * bench/compare-chrony {@code [--seeds N] [--jobs J] [ID...]}: runs the scenarios of bench/chrony-4.8.tsv and prints
 * a Markdown table of our results beside chrony 4.8's (shared/SCENARIOS.md), with a verdict per row: better mean
 * RMS (median for T3-j10ms, whose mean is dominated by chrony's rare 10 ppm frequency misses) and a worst MAX no
 * worse than chrony's.
 */
public final class CompareChrony {
    private CompareChrony() {}

    private record Chrony(String id, double rmsMean, double rmsSd, double rmsMedian, double maxMean, double maxWorst,
            double packetsPerHour) {}

    public static void main(String[] args) throws Exception {
        int seeds = 100;
        int jobs = 1;
        Path dir = Path.of(System.getProperty("jntpd.scenarios", "bench/scenarios"));
        Path table = Path.of(System.getProperty("jntpd.chrony", "bench/chrony-4.8.tsv"));
        List<String> only = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                default -> only.add(args[i]);
            }
        }
        List<Chrony> rows = new ArrayList<>();
        for (String line : Files.readAllLines(table)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (only.isEmpty() || only.contains(f[0])) {
                rows.add(new Chrony(f[0], Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                        Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                        f.length > 6 ? Double.parseDouble(f[6]) : Double.NaN));
            }
        }
        System.out.println("| scenario | RMS mean +- SD: jntpd | chrony | median: jntpd | chrony | mean MAX: jntpd | chrony "
                + "| worst MAX: jntpd | chrony | packets/h: jntpd | chrony | verdict |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs));
        int better = 0;
        try {
            for (Chrony c : rows) {
                Scenario sc = ScenarioParser.parse(SimulateMain.resolve(dir, c.id()));
                Summary s = SimulateMain.run(sc, seeds, pool, null);
                boolean byMedian = c.id().equals("T3-j10ms");
                boolean rmsBetter = byMedian ? s.rmsMedian() < c.rmsMedian() : s.rmsMean() < c.rmsMean();
                boolean maxOk = s.maxWorst() <= c.maxWorst();
                if (rmsBetter && maxOk) {
                    better++;
                }
                System.out.printf(Locale.ROOT, "| %s | %s +- %s | %s +- %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f | %s |%n",
                        c.id(), t(s.rmsMean()), t(s.rmsSd()), t(c.rmsMean()), t(c.rmsSd()), t(s.rmsMedian()),
                        t(c.rmsMedian()), t(s.maxMean()), t(c.maxMean()), t(s.maxWorst()), t(c.maxWorst()),
                        s.packetsPerHour(), c.packetsPerHour(),
                        (rmsBetter ? "better " + (byMedian ? "median" : "RMS") + String.format(Locale.ROOT, " (x%.2f)",
                                byMedian ? c.rmsMedian() / s.rmsMedian() : c.rmsMean() / s.rmsMean()) : "WORSE RMS")
                                + (maxOk ? "" : ", WORSE worst MAX"));
                System.out.flush();
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf(Locale.ROOT, "%n%d of %d rows better than chrony 4.8 (%d seeds each)%n", better, rows.size(), seeds);
    }

    /** Seconds in us or ms with three significant digits. */
    private static String t(double s) {
        return s < 1e-3 ? String.format(Locale.ROOT, "%.3g us", s * 1e6) : String.format(Locale.ROOT, "%.3g ms", s * 1e3);
    }
}
