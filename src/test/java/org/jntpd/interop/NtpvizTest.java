package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jntpd.testing.ChronyServer;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.Ntpsec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NTPsec's ntpviz reads the statistics files the real daemon wrote (a client of chronyd -x polling every second) and
 * draws its plots: it exits cleanly, writes the local-offset and per-peer plots, and its summary's minimum and maximum
 * offsets are the ones in our files (so it read our columns as ntpd's: MJD, seconds, then the fields in ntpd's order).
 */
class NtpvizTest {
    private static final int LINES = 15;

    @Test
    void shouldDrawPlotsFromOurLoopstatsAndPeerstats(@TempDir Path dir) throws Exception {
        assumeTrue(ChronyServer.program().isPresent(), "chronyd is not installed (package chrony)");
        assumeTrue(ExternalProgram.find("gnuplot").isPresent(), "ntpviz needs gnuplot (package gnuplot-nox)");
        Path stats = dir.resolve("stats");
        Ntpsec.root(); // fetched before the daemon runs: skipped (with the reason) when it cannot be had
        try (ChronyServer chronyd = ChronyServer.start(dir, 1);
                JntpdProcess jntpd = JntpdProcess.start("server 127.0.0.1 port " + chronyd.port()
                        + " minpoll 0 maxpoll 0 iburst", "statsdir " + stats + "/", "statistics loopstats peerstats",
                        "filegen loopstats file loopstats type day link enable",
                        "filegen peerstats file peerstats type day link enable")) {
            long deadlineNs = System.nanoTime() + 60_000_000_000L;
            while (lines(stats.resolve("loopstats")).size() < LINES && System.nanoTime() - deadlineNs < 0) {
                Thread.sleep(500);
            }
            jntpd.terminate(10_000);
            assertTrue(lines(stats.resolve("loopstats")).size() >= LINES, "loopstats lines within 60 s:\n" + jntpd.log());
        }
        Path out = dir.resolve("out");
        ExternalProgram.Result r = Ntpsec.ntpviz(stats, out);
        assertEquals(0, r.exitCode(), r.toString());
        assertFalse(r.output().contains("Traceback") || r.output().contains("ERROR"), r.output());
        for (String png : List.of("local-offset.png", "local-jitter.png", "peer-offset-127.0.0.1.png")) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(out.resolve(png)), 4);
            assertEquals("\u0089PNG", new String(head, java.nio.charset.StandardCharsets.ISO_8859_1), png);
        }
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        // ntpviz's offsets in us: the least and the greatest of our third field (s).
        assertMinMax(summary, "Local Clock Time Offset", column(stats.resolve("loopstats"), 2));
        assertMinMax(summary, "Local Clock Frequency Offset", column(stats.resolve("loopstats"), 3));
        assertMinMax(summary, "Server Offset 127.0.0.1", column(stats.resolve("peerstats"), 4));
    }

    /**
     * The summary row {@code name}: Name,Min,1%,5%,50%,95%,99%,Max,,90% Range,98% Range,StdDev,,Mean,Units,... in the
     * unit ntpviz picked for the data's size; ours (s or ppm) scaled to it.
     */
    private static void assertMinMax(List<String> summary, String name, double[] ours) {
        String row = summary.stream().filter(l -> l.startsWith(name + ",")).findFirst().orElse(null);
        assertNotNull(row, "no row " + name + " in ntpviz's summary:\n" + String.join("\n", summary));
        String[] f = row.split(",");
        double scale = switch (f[14].trim()) {
            case "s", "ppm" -> 1;
            case "ms", "ppb" -> 1e3;
            case "\u00b5s" -> 1e6;
            case "ns" -> 1e9;
            default -> throw new AssertionError("unit " + f[14] + " in " + row);
        };
        double min = Arrays.stream(ours).min().orElseThrow() * scale;
        double max = Arrays.stream(ours).max().orElseThrow() * scale;
        double tolerance = 0.002 + 1e-4 * Math.max(Math.abs(min), Math.abs(max)); // ntpviz rounds to 3-4 digits
        assertEquals(min, Double.parseDouble(f[1].trim()), tolerance, name + " min: " + row);
        assertEquals(max, Double.parseDouble(f[7].trim()), tolerance, name + " max: " + row);
    }

    private static double[] column(Path file, int index) throws IOException {
        return lines(file).stream().mapToDouble(l -> Double.parseDouble(l.trim().split("\\s+")[index])).toArray();
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
    }
}
