package org.jntpd.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * bench/simulate: {@code [--seeds N] [--jobs J] [--runs] [--trace SEED:EVERY_S] FILE_OR_ID...}. Runs every scenario
 * with seeds 1..N on J threads and prints one summary line per scenario; {@code --runs} also prints each seed's
 * result, {@code --trace} the course of one seed.
 */
public final class SimulateMain {
    private SimulateMain() {}

    public static void main(String[] args) throws Exception {
        int seeds = -1;
        int jobs = 1;
        boolean runs = false;
        long traceSeed = -1;
        double traceEvery = 1000;
        Path dir = Path.of(System.getProperty("jntpd.scenarios", "bench/scenarios"));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--runs" -> runs = true;
                case "--trace" -> {
                    String[] p = args[++i].split(":");
                    traceSeed = Long.parseLong(p[0]);
                    traceEvery = p.length > 1 ? Double.parseDouble(p[1]) : 1000;
                }
                case "--all" -> {
                    try (var files = Files.list(dir)) {
                        files.filter(f -> f.toString().endsWith(".scn")).map(Path::toString).sorted().forEach(names::add);
                    }
                }
                default -> names.add(args[i]);
            }
        }
        if (names.isEmpty()) {
            System.err.println("usage: bench/simulate [--seeds N] [--jobs J] [--runs] [--trace SEED[:EVERY_S]] [--all] FILE_OR_ID...");
            System.exit(2);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs));
        try {
            for (String name : names) {
                Scenario sc = ScenarioParser.parse(resolve(dir, name));
                if (traceSeed >= 0) {
                    Simulation.Result r = new Simulation(sc, traceSeed).trace(System.out, traceEvery).run();
                    System.out.println(runLine(sc.id(), traceSeed, r));
                    continue;
                }
                Summary summary = run(sc, seeds > 0 ? seeds : sc.seeds(), pool,
                        runs ? (seed, r) -> System.out.println(runLine(sc.id(), seed, r)) : null);
                System.out.println(summary.line());
                System.out.flush();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs seeds 1..{@code seeds} of {@code sc} on {@code pool}; {@code perRun} (may be null) sees each result in order. */
    static Summary run(Scenario sc, int seeds, ExecutorService pool, BiConsumer<Long, Simulation.Result> perRun)
            throws InterruptedException, ExecutionException {
        List<Future<Simulation.Result>> futures = new ArrayList<>();
        for (long s = 1; s <= seeds; s++) {
            long seed = s;
            futures.add(pool.submit(() -> new Simulation(sc, seed).run()));
        }
        List<Simulation.Result> results = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            Simulation.Result r = futures.get(i).get();
            results.add(r);
            if (perRun != null) {
                perRun.accept(i + 1L, r);
            }
        }
        return Summary.of(sc.id(), results);
    }

    /** The scenario file for a path or an ID under {@code dir}. */
    static Path resolve(Path dir, String name) {
        Path file = Files.exists(Path.of(name)) ? Path.of(name) : dir.resolve(name + ".scn");
        if (!Files.exists(file)) {
            System.err.println("bench/simulate: no scenario file " + name + " (nor " + file + ")");
            System.exit(2);
        }
        return file;
    }

    private static String runLine(String id, long seed, Simulation.Result r) {
        return String.format(Locale.ROOT,
                "  %s seed=%d rms=%.3e max=%.3e max_at_s=%.0f sync_s=%.0f falseticker=%b freq_rms=%.2e freq_max=%.2e steps=%d no_majority=%d samples=%d packets_per_hour=%.1f status: %s",
                id, seed, r.rmsS(), r.maxS(), r.maxAtS(), r.syncS(), r.falsetickerSelected(), r.freqRms(), r.freqMax(), r.steps(),
                r.noMajority(), r.samples(), r.packetsPerHour(), r.status());
    }
}
