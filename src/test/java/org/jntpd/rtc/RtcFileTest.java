package org.jntpd.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RtcFileTest {
    @Test
    void shouldWriteChronysFormatAndReadItBack(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("rtc");
        RtcCoefficients c = new RtcCoefficients(true, 1_700_000_000L, -0.1234564, 12.3456);
        RtcFile.write(f, c);
        assertEquals("1 1700000000 -0.123456 12.346\n", Files.readString(f), "chrony's %1d %.0f %.6f %.3f");
        RtcCoefficients back = RtcFile.read(f).coefficients();
        assertEquals(new RtcCoefficients(true, 1_700_000_000L, -0.123456, 12.346), back);
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
    }

    @Test
    void shouldReadAFileChronyWrote(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("rtc");
        Files.writeString(f, "1 1735689600 0.532156 -4.017\n");
        RtcCoefficients c = RtcFile.read(f).coefficients();
        assertTrue(c.valid());
        assertEquals(1_735_689_600L, c.refRtcSeconds());
        assertEquals(0.532156, c.fastSeconds());
        assertEquals(-4.017, c.gainPpm());
        // A day of RTC time later the RTC is 4.017 ppm * 86400 s = 347 ms less ahead.
        assertEquals(532_156_000L - 347_068_800L, c.predictFastNs(1_735_689_600L + 86_400), 1);
        Files.writeString(f, "0 0 0.000000 0.000\n");
        assertFalse(RtcFile.read(f).coefficients().valid(), "chrony's 'not measured' line");
    }

    @Test
    void shouldNameAMissingOrCorruptFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("rtc");
        RtcFile.ReadResult missing = RtcFile.read(f);
        assertNull(missing.coefficients());
        assertTrue(missing.problem().contains("does not exist yet"), missing.problem());
        for (String bad : new String[] {"", "1 2 3", "2 1700000000 0.1 1.0", "1 1700000000.5 0.1 1.0",
            "1 1700000000 NaN 1.0", "1 1700000000 0.1 50000", "one two three four"}) {
            Files.writeString(f, bad);
            RtcFile.ReadResult r = RtcFile.read(f);
            assertNull(r.coefficients(), bad);
            assertTrue(r.problem().contains("is corrupt") && r.problem().contains("VALID REF_TIME FAST_SECONDS GAIN_PPM"),
                    r.problem());
        }
    }
}
