package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drift file survives a crash at any moment: a daemon that saves it every {@value #WRITE_INTERVAL_MS} ms (the
 * test-only {@value DriftSaver#INTERVAL_PROP_NAME}) is killed with SIGKILL at random moments, and the file is
 * always there and whole, never empty or cut short. A missing or corrupt file at start is named in the log and ignored.
 */
class DriftFileCrashTest {
    private static final int KILLS = 20;
    private static final long WRITE_INTERVAL_MS = 20;
    private static final long MAX_KILL_DELAY_MS = 800;
    /** Exactly what DriftFile.write writes ("%.6f %.6f%n"): a torn write cannot match it. */
    private static final Pattern WHOLE = Pattern.compile("-?\\d+\\.\\d{6} \\d+\\.\\d{6}\n");

    @BeforeAll
    static void needsTheShim() {
        NativeBuild.assumeGcc();
    }

    private static JntpdProcess client(int serverPort, Path driftFile) throws Exception {
        return JntpdProcess.builder().virtualClock("0.3,50")
                .javaOptions("-D" + DriftSaver.INTERVAL_PROP_NAME + "=" + WRITE_INTERVAL_MS)
                .config("server 127.0.0.1 port " + serverPort + " iburst minpoll -2 maxpoll -2", "makestep 0.1 -1",
                        "driftfile " + driftFile)
                .start();
    }

    @Test
    void shouldAlwaysLeaveAWholeDriftFileWhenKilledAtRandomMoments(@TempDir Path dir) throws Exception {
        Path driftFile = dir.resolve("drift");
        Random random = new Random(); // a new sequence each run: over many runs the kills land everywhere
        Set<String> contents = new HashSet<>();
        int rewritesSeen = 0;
        try (JntpdProcess server = JntpdProcess.start("local stratum 1")) {
            for (int kill = 0; kill < KILLS; kill++) {
                double seedPpm = Math.round(random.nextDouble(-100, 100) * 1e6) / 1e6;
                if (kill > 0) { // the first run starts without a file; the others each from a value of their own
                    Files.writeString(driftFile, String.format(Locale.ROOT, "%.6f 0.000000%n", seedPpm));
                }
                try (JntpdProcess client = client(server.port(), driftFile)) {
                    client.awaitLog(kill == 0 ? "drift file " + driftFile + " does not exist yet"
                            : String.format(Locale.ROOT, "frequency %.3f ppm from %s", seedPpm, driftFile), 10_000);
                    // Watch the file being replaced until the kill, which comes at a random moment of that.
                    long killAtNs = System.nanoTime() + random.nextLong(MAX_KILL_DELAY_MS + 1) * 1_000_000;
                    long giveUpNs = System.nanoTime() + 10_000_000_000L;
                    Object last = null;
                    while ((System.nanoTime() - killAtNs < 0 || !Files.exists(driftFile)) && System.nanoTime() - giveUpNs < 0) {
                        Object key = Files.exists(driftFile) ? Files.readAttributes(driftFile,
                                java.nio.file.attribute.BasicFileAttributes.class).fileKey() : null;
                        if (key != null && !key.equals(last)) {
                            rewritesSeen += last == null ? 0 : 1; // a rename gives the path a new inode
                            last = key;
                        }
                        Thread.sleep(2);
                    }
                    client.killHard();
                    assertTrue(Files.exists(driftFile), "after kill " + kill + ":\n" + client.log());
                    String text = Files.readString(driftFile);
                    assertTrue(WHOLE.matcher(text).matches(), "after kill " + kill + " the drift file holds '" + text + "'");
                    assertNotNull(DriftFile.read(driftFile).drift(), text);
                    contents.add(text);
                }
            }
        }
        System.out.println("DriftFileCrashTest: " + KILLS + " kills, " + rewritesSeen + " replacements of the file seen, "
                + contents.size() + " distinct contents left, last " + TestFiles.readOrExplain(driftFile).trim());
        // A rewrite in place (truncate, write) leaves a torn file only in a window of microseconds, which random kills
        // rarely hit: so the test also demands what makes it safe, a new file renamed over the old (a new inode).
        assertTrue(rewritesSeen >= KILLS / 2, "the daemon replaced the file by renaming a new one over it while the test "
                + "watched: " + rewritesSeen + " times");
    }

    @Test
    void shouldNameAndIgnoreACorruptDriftFileThenReplaceIt(@TempDir Path dir) throws Exception {
        Path driftFile = dir.resolve("drift");
        Files.writeString(driftFile, "12,5 ppm\n");
        try (JntpdProcess server = JntpdProcess.start("local stratum 1");
                JntpdProcess client = client(server.port(), driftFile)) {
            String line = client.awaitLog("drift file " + driftFile + " is corrupt", 10_000);
            assertTrue(line.contains("'12,5 ppm'") && line.contains("ignoring it and starting from 0 ppm"), line);
            assertEquals(0, client.logLines("ppm from " + driftFile).size(), client::log);
            long deadlineNs = System.nanoTime() + 10_000_000_000L;
            while (DriftFile.read(driftFile).drift() == null && System.nanoTime() - deadlineNs < 0) {
                Thread.sleep(20);
            }
            assertTrue(WHOLE.matcher(Files.readString(driftFile)).matches(), () -> "replaced by a whole file\n" + client.log());
            // Ignored, not used: the virtual clock ran with no frequency correction until the first update.
            assertEquals(50.0, client.virtualClockLog().first().freqPpm(), 1e-6);
            assertTrue(client.isAlive(), client::log);
        }
    }
}
