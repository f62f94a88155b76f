package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.UdpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ENOSPC on every file the daemon writes: the daemon runs in a mount namespace of its own where its state folder is a
 * small tmpfs filled up before it starts (a real full disk, not a simulated one). Drift and statistics files: it keeps
 * serving correct time, says so once per file (not once per line or save), and writes again once there is room. The
 * pid file, which the start itself needs: it exits non-zero naming the reason.
 */
class DiskFullTest {
    /** Mounts a 64 KiB tmpfs at $1, makes $1/stats, fills the rest, then runs the daemon (exec keeps the PID). */
    private static final String FULL_DISK = "mount -t tmpfs -o size=64k tmpfs \"$1\" && mkdir \"$1/stats\" && "
            + "(dd if=/dev/zero of=\"$1/fill\" bs=4k 2>/dev/null; true) && shift && exec \"$@\"";

    private static List<String> fullDiskPrefix(Path state) {
        return List.of("unshare", "-m", "--propagation", "private", "sh", "-c", FULL_DISK, "sh", state.toString());
    }

    private static boolean available() {
        return ExternalProgram.isRoot() && ExternalProgram.find("unshare").isPresent();
    }

    @Test
    void shouldKeepServingOnAFullDiskAndWriteDriftAndStatisticsAgainOnceThereIsRoom(@TempDir Path dir) throws Exception {
        assumeTrue(available(), "needs root and unshare for a mount namespace with a full tmpfs");
        Path state = Files.createDirectory(dir.resolve("state"));
        try (JntpdProcess upstream = JntpdProcess.start("local stratum 1");
                UdpClient client = new UdpClient("127.0.0.1");
                JntpdProcess jntpd = JntpdProcess.builder().dir(Files.createDirectory(dir.resolve("run")))
                        .commandPrefix(fullDiskPrefix(state).toArray(String[]::new))
                        .javaOptions("-Djntpd.driftIntervalMs=500", "-Djntpd.statsRetryMs=1000")
                        .config("server 127.0.0.1 port " + upstream.port() + " iburst minpoll -2 maxpoll -2",
                                "driftfile " + state.resolve("drift"), "statsdir " + state.resolve("stats"),
                                "statistics loopstats", "filegen loopstats file loopstats type none")
                        .start()) {
            // The daemon sees its own tmpfs; the test reaches it through the daemon's root.
            Path seen = Path.of("/proc", Long.toString(jntpd.pid()), "root").resolve(state.toString().substring(1));
            jntpd.awaitLog("cannot write", 20_000);
            Thread.sleep(3_000); // several drift saves and loopstats lines on the full disk
            for (int i = 0; i < 5; i++) {
                UdpClient.Exchange e = client.query(jntpd.address(), 4, 1_000);
                assertNotNull(e, () -> "not serving on a full disk\n" + jntpd.log());
                assertEquals(0, e.reply().leap(), "synchronised");
                assertTrue(Math.abs(e.offsetNs()) <= e.delayNs() / 2 + 1_000_000, "offset " + e.offsetNs() + " ns");
            }
            String full = jntpd.log();
            assertEquals(1, full.lines().filter(l -> l.contains("WARN statistics loopstats: cannot write")).count(), full);
            assertTrue(full.lines().filter(l -> l.contains("drift file") && l.contains("WARN")).count() == 1, full);
            assertTrue(full.contains("No space left on device"), full);

            Files.delete(seen.resolve("fill")); // room again
            jntpd.awaitLog("NOTICE statistics loopstats: writing in", 20_000);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!Files.exists(seen.resolve("drift")) && System.nanoTime() - deadline < 0) {
                Thread.sleep(100);
            }
            assertTrue(Files.readString(seen.resolve("drift")).matches("-?\\d+\\.\\d{6} \\d+\\.\\d{6}\\n"),
                    () -> "drift written again\n" + jntpd.log());
            assertTrue(Files.readString(seen.resolve("stats/loopstats")).lines().count() > 0);
            try (var files = Files.list(seen)) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
            }
            assertTrue(jntpd.isAlive());
        }
    }

    @Test
    void shouldRefuseToStartWhenThePidFileCannotBeWritten(@TempDir Path dir) throws Exception {
        assumeTrue(available(), "needs root and unshare for a mount namespace with a full tmpfs");
        Path state = Files.createDirectory(dir.resolve("state"));
        ExternalProgram.Result r = JntpdProcess.builder().dir(Files.createDirectory(dir.resolve("run")))
                .commandPrefix(fullDiskPrefix(state).toArray(String[]::new))
                .config("local stratum 3", "pidfile " + state.resolve("jntpd.pid")).run(Duration.ofSeconds(60));
        assertNotEquals(0, r.exitCode(), r::toString);
        assertTrue(!r.timedOut() && r.output().contains("No space left on device"), r::toString);
    }
}
