package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsFilesTest {
    private static final long T = 1_795_000_000_000_000_000L; // Unix ns
    private static final long S = 1_000_000_000L;

    @Test
    void shouldTryAgainAfterAFailedWriteInsteadOfStayingOff(@TempDir Path dir) throws Exception {
        // statsdir under a regular file: nothing can be written there until the file is replaced by a folder.
        Path blocker = dir.resolve("stats");
        Files.writeString(blocker, "in the way");
        Path statsDir = blocker.resolve("d");
        AtomicLong mono = new AtomicLong(1_000 * S);
        Path log = dir.resolve("log");
        Log.setFile(log.toString());
        try (StatsFiles stats = new StatsFiles(new Config.Stats(statsDir.toString(), Set.of("loopstats"),
                List.of(new Config.Filegen("loopstats", "loopstats", "none", false, true, null))), mono::get, 60 * S)) {
            stats.loop(T, 1e-6, 2.5, 1e-7, 0.01, 6); // fails: tried again 60 s later, not before
            mono.addAndGet(16 * S);
            stats.loop(T + 16 * S, 1e-6, 2.5, 1e-7, 0.01, 6);
            Files.delete(blocker);
            Files.createDirectories(statsDir); // the disk has room again
            mono.addAndGet(16 * S);
            stats.loop(T + 32 * S, 1e-6, 2.5, 1e-7, 0.01, 6); // 32 s after the failure: still waiting
            mono.addAndGet(32 * S);
            stats.loop(T + 64 * S, 2e-6, 2.5, 1e-7, 0.01, 6); // 64 s after: written
            mono.addAndGet(16 * S);
            stats.loop(T + 80 * S, 3e-6, 2.5, 1e-7, 0.01, 6);
        } finally {
            Log.setFile(null);
        }
        List<String> lines = Files.readAllLines(statsDir.resolve("loopstats"));
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains(" 0.000002000 2.500000 "), lines.get(0));
        String text = Files.readString(log);
        assertEquals(1, text.lines().filter(l -> l.contains("WARN statistics loopstats: cannot write")).count(),
                "said once, not for every line:\n" + text);
        assertTrue(text.contains("NOTICE statistics loopstats: writing in " + statsDir + " again (3 line(s) lost)"), text);
        assertFalse(text.contains("ERROR"), text);
    }
}
