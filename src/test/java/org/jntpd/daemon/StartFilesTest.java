package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.time.LeapFiles;
import org.jntpd.time.NtpTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files the daemon reads at start (drift, leap seconds), when they are not what they should be: the real daemon
 * (-x) starts, serves, and says what is wrong with each; before, a FIFO hung the start with no log line, /dev/zero or
 * a 3 GB file ran out of memory, and a crafted leap second not on a UTC midnight ended it with a stack trace.
 */
class StartFilesTest {
    @TempDir
    Path dir;

    private static void mkfifo(Path p) throws Exception {
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).start().waitFor());
    }

    private static String startAndStop(String... lines) throws IOException {
        try (JntpdProcess jntpd = JntpdProcess.builder().config(lines).start()) {
            String log = jntpd.log();
            assertEquals(0, jntpd.terminate(10_000), log);
            assertFalse(log.contains("Exception"), log);
            return log;
        }
    }

    @Test
    void shouldStartWithACraftedLeapFileAndAFifoAsDriftFile() throws Exception {
        long day = Math.floorDiv(System.currentTimeMillis() / 1000, 86_400) + 30;
        String crafted = LeapFiles.withEntry(day * 86_400 + 1, 38, (day + 30) * 86_400);
        Path leap = dir.resolve("leap-seconds.list");
        Files.writeString(leap, crafted);
        Path drift = dir.resolve("drift");
        mkfifo(drift);
        int line = crafted.substring(0, crafted.indexOf("# crafted")).split("\n").length;
        String log = startAndStop("leapfile " + leap, "driftfile " + drift);
        assertTrue(log.contains("cannot use leap second file " + leap + ": line " + line + ": date "
                + (day * 86_400 + 1 + NtpTimestamp.UNIX_EPOCH_NTP_S) + " is not a UTC midnight"), log);
        assertTrue(log.contains("cannot read drift file " + drift + ": is a FIFO, not a regular file"), log);
    }

    @Test
    void shouldStartWithDevZeroAsLeapFileAndAHugeDriftFile() throws Exception {
        Path drift = dir.resolve("drift");
        try (RandomAccessFile f = new RandomAccessFile(drift.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: 3 GiB that take no disk
        }
        String log = startAndStop("leapfile /dev/zero", "driftfile " + drift);
        assertTrue(log.contains("cannot use leap second file /dev/zero: is a character device, not a regular file"), log);
        assertTrue(log.contains("cannot read drift file " + drift + ": is larger than 4096 bytes (3221225472 bytes)"), log);
    }

    @Test
    void shouldStartWithAFifoAsLeapFile() throws Exception {
        Path leap = dir.resolve("leap-seconds.list");
        mkfifo(leap);
        String log = startAndStop("leapfile " + leap);
        assertTrue(log.contains("cannot use leap second file " + leap + ": is a FIFO, not a regular file"), log);
    }
}
