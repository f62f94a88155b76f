package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the drift file reader ({@link DriftFile#read}): any content gives either a drift (finite, within 500 ppm, a
 * skew that is finite and not negative) or a bounded sentence saying why not, never an exception; and a drift read,
 * written with {@link DriftFile#write} and read again is the same value to the 6 decimals written, and is written the
 * same way a second time. Seeds: the formats of jntpd, ntpd and chronyd. The content is parsed with
 * {@link DriftFile#parse} (what {@code read} does with the file's bytes), so that a run writes no file unless a value
 * is accepted.
 */
class DriftFileFuzzTest {
    private static Path dir;
    private static Path file;
    private static Path written;

    @BeforeAll
    static void folder() throws IOException {
        Path shm = Path.of("/dev/shm"); // no disk writes per run where a memory file system is at hand
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "jntpd-drift-fuzz")
                : Files.createTempDirectory("jntpd-drift-fuzz");
        file = dir.resolve("drift");
        written = dir.resolve("written");
    }

    @AfterAll
    static void removeFolder() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(written);
        Files.deleteIfExists(dir);
    }

    @FuzzTest
    void driftFile(byte[] data) throws IOException {
        // The content through DriftFile.parse (what read() does after reading the file): no file written and read per
        // run. Beyond the size bound through the file, to see read() refuse it; every value accepted goes through a
        // file below (write, then read).
        DriftFile.ReadResult r;
        if (data.length > DriftFile.MAX_BYTES) {
            Files.write(file, data);
            r = DriftFile.read(file);
        } else {
            r = DriftFile.parse(data, file);
        }
        if (r.drift() == null) {
            assertNotNull(r.problem(), "no drift: a reason");
            assertTrue(r.problem().length() <= 200 + file.toString().length(), "a bounded message: " + r.problem().length());
            return;
        }
        assertNull(r.problem());
        double freq = r.drift().freqPpm();
        double skew = r.drift().skewPpm();
        assertTrue(Double.isFinite(freq) && Math.abs(freq) <= 500.0, "frequency " + freq);
        assertTrue(Double.isFinite(skew) && skew >= 0, "skew " + skew);

        DriftFile.write(written, freq, skew);
        String text = Files.readString(written, StandardCharsets.US_ASCII);
        DriftFile.Drift again = read(written);
        assertEquals(freq, again.freqPpm(), 5e-7 + Math.ulp(freq), "frequency written and read back");
        assertEquals(skew, again.skewPpm(), 5e-7 + Math.ulp(skew), "skew written and read back");
        DriftFile.write(written, again.freqPpm(), again.skewPpm());
        assertEquals(text, Files.readString(written, StandardCharsets.US_ASCII), "written the same way twice");
    }

    private static DriftFile.Drift read(Path f) {
        DriftFile.ReadResult r = DriftFile.read(f);
        assertNotNull(r.drift(), () -> "what DriftFile.write wrote does not read back: " + r.problem());
        return r.drift();
    }
}
