package org.jntpd.refclock.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The saved NMEA delay: written atomically, read back exactly, a corrupt file refused with its reason. */
class NmeaOffsetFileTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadBackWhatItWrote() throws Exception {
        Path f = dir.resolve("state/nmea0.offset"); // the directory is made
        NmeaOffsetFile.write(f, 143_021_000L, 412_000L, 64);
        assertEquals("0.143021 0.000412 64\n", Files.readString(f));
        NmeaOffsetFile.ReadResult r = NmeaOffsetFile.read(f);
        assertNull(r.problem());
        assertEquals(new NmeaOffsetFile.Saved(143_021_000L, 412_000L, 64), r.saved());
        NmeaOffsetFile.write(f, -600_000_000L, 1_000L, 16); // replaced, no temporary left behind
        assertEquals(new NmeaOffsetFile.Saved(-600_000_000L, 1_000L, 16), NmeaOffsetFile.read(f).saved());
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void shouldRefuseACorruptOrMissingFileAndSayWhy() throws Exception {
        Path f = dir.resolve("nmea0.offset");
        assertEquals("NMEA offset file " + f + " does not exist yet", NmeaOffsetFile.read(f).problem());
        for (String text : new String[] {"", "0.143", "0.143 0.001 64 9", "abc 0.001 64", "1.5 0.001 64",
                "NaN 0.001 64", "0.143 -0.001 64", "0.143 0.001 0", "0.143 0.001 6.4"}) {
            Files.writeString(f, text);
            NmeaOffsetFile.ReadResult r = NmeaOffsetFile.read(f);
            assertNull(r.saved(), text);
            assertEquals("NMEA offset file " + f + " is corrupt ('" + text + "'; expected TIME2_S SPREAD_S SAMPLES with "
                    + "|TIME2| < 1 s); ignoring it", r.problem());
        }
        Files.writeString(f, "x".repeat(300));
        assertTrue(NmeaOffsetFile.read(f).problem().startsWith("cannot read NMEA offset file " + f), 
                NmeaOffsetFile.read(f).problem());
    }
}
