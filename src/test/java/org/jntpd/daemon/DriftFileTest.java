package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
