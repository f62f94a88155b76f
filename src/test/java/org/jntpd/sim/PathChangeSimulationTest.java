package org.jntpd.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A path change at the network bench's timing (bench/scenarios/PATH-bench.scn: 1 s polls, every packet 1 ms longer
 * each way from 60 s, one minute after the start): the change never moves the true offset, so the clock should move
 * after it no more than it does without one. The rise's new minimum was the smallest of the four delays that revealed
 * it, ~80 us above the new path's true one on average, and the next samples near it counted as nearly perfect: the
 * clock moved 29 us in six seconds on seed 31 (35.7 us MAX, 16.5 without that bias), as on real runs. The worst
 * |error| in the 20 s after the rise, averaged over 40 seeds, against the same seeds without the change.
 */
class PathChangeSimulationTest {
    private static final Path SCENARIOS = Path.of(System.getProperty("jntpd.projectDir", "."), "bench", "scenarios");
    private static final int SEEDS = 40;

    /** The largest |error| (s) in the 20 s after the rise at 60 s (its recognition: four samples). */
    private static double worstAfterRise(Scenario sc, long seed) {
        Simulation sim = new Simulation(sc, seed);
        sim.runUntil(60);
        double worst = 0;
        for (double t = 60.5; t <= 80; t += 0.5) {
            sim.runUntil(t);
            worst = Math.max(worst, Math.abs(sim.clock().offsetNs()) * 1e-9);
        }
        return worst;
    }

    @Test
    void shouldNotMoveTheClockAtARiseOfThePathOneMinuteIn() throws IOException {
        List<String> lines = Files.readAllLines(SCENARIOS.resolve("PATH-bench.scn"));
        Scenario changed = ScenarioParser.parse("PATH-bench.scn", lines);
        Scenario unchanged = ScenarioParser.parse("PATH-bench.scn", lines.stream()
                .map(l -> l.replaceAll(" path-step .*", "")).toList());
        double sumChanged = 0;
        double sumUnchanged = 0;
        StringBuilder runs = new StringBuilder();
        for (long seed = 1; seed <= SEEDS; seed++) {
            double c = worstAfterRise(changed, seed);
            double u = worstAfterRise(unchanged, seed);
            sumChanged += c;
            sumUnchanged += u;
            runs.append(String.format(" %d: %.1f/%.1f us", seed, c * 1e6, u * 1e6));
        }
        // Seeds 1-40: 10.9 against 10.2 us on average (13.1 before the fix: seed 31 35.8 against 10.0 us).
        String message = String.format("mean worst |error| 60-80 s %.1f us with the change, %.1f us without;"
                + " seed: with/without%s", sumChanged / SEEDS * 1e6, sumUnchanged / SEEDS * 1e6, runs);
        assertTrue(sumChanged < 1.2 * sumUnchanged, message);
    }
}
