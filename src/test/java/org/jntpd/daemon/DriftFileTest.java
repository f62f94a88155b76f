package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriftFileTest {
    @Test
    void shouldRoundTripAndReadNtpdAndChronyFormats(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("drift");
        DriftFile.write(f, -12.345678, 0.25);
        assertEquals(new DriftFile.Drift(-12.345678, 0.25), DriftFile.read(f).drift());
        Files.writeString(f, "17.5\n"); // ntpd
        assertEquals(new DriftFile.Drift(17.5, 1.0), DriftFile.read(f).drift());
        Files.writeString(f, "         -3.123456             0.040000\n"); // chrony
        assertEquals(new DriftFile.Drift(-3.123456, 0.04), DriftFile.read(f).drift());
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
    }

    @Test
    void shouldNameAMissingOrCorruptFileAndIgnoreIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("drift");
        DriftFile.ReadResult missing = DriftFile.read(f);
        assertNull(missing.drift());
        assertTrue(missing.problem().contains("does not exist"), missing.problem());
        for (String bad : new String[] {"", "garbage", "NaN", "900.0", "1.0 -2"}) {
            Files.writeString(f, bad);
            DriftFile.ReadResult r = DriftFile.read(f);
            assertNull(r.drift(), bad);
            assertTrue(r.problem().contains("is corrupt"), r.problem());
        }
    }

    @Test
    void shouldRefuseWhatIsNotASmallRegularFileWithoutWaitingOrReadingIt(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path huge = dir.resolve("huge");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse
        }
        Map<Path, String> expected = Map.of(
                fifo, "cannot read drift file " + fifo + ": is a FIFO, not a regular file; starting from 0 ppm",
                Path.of("/dev/zero"), "cannot read drift file /dev/zero: is a character device, not a regular file; starting from 0 ppm",
                dir, "cannot read drift file " + dir + ": is a directory; starting from 0 ppm",
                huge, "cannot read drift file " + huge + ": is larger than 4096 bytes (3221225472 bytes); starting from 0 ppm");
        for (Map.Entry<Path, String> e : expected.entrySet()) {
            DriftFile.ReadResult r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> DriftFile.read(e.getKey()));
            assertNull(r.drift());
            assertEquals(e.getValue(), r.problem());
        }
    }
}
