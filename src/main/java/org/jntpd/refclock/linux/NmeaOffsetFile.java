package org.jntpd.refclock.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.jntpd.base.AtomicFile;
import org.jntpd.base.TextFile;

/**
 * The NMEA offset file ({@code refclock nmea ... time2 auto [offsetfile PATH]}): the sentence delay learnt against
 * the PPS, saved so the next start times its sentences right before the PPS locks again. One line,
 * "TIME2_S SPREAD_S SAMPLES" ("0.143021 0.000412 64"), written atomically as the drift file is.
 */
public final class NmeaOffsetFile {
    /** One short line: anything larger is not this file (and a FIFO or device is refused unread). */
    private static final int MAX_BYTES = 256;
    /** A sentence delay is a fraction of a second, either sign. */
    private static final double MAX_ABS_S = 1.0;

    private NmeaOffsetFile() {}

    /** A saved delay: time2 and its spread in ns, and how many sentences gave it. */
    public record Saved(long time2Ns, long spreadNs, int samples) {}

    /** What reading found: a value, or why there is none (for the log). */
    public record ReadResult(Saved saved, String problem) {}

    /** The line written for a learnt delay. */
    public static String format(long time2Ns, long spreadNs, int samples) {
        return String.format(Locale.ROOT, "%.6f %.6f %d%n", time2Ns / 1e9, spreadNs / 1e9, samples);
    }

    /** Reads the text of a file; a text that is not one line of a delay, a spread and a count gives the reason. */
    public static ReadResult parse(String text, Path file) {
        String t = text.trim();
        String[] f = t.split("\\s+");
        try {
            if (f.length != 3) {
                throw new NumberFormatException();
            }
            double time2 = Double.parseDouble(f[0]);
            double spread = Double.parseDouble(f[1]);
            int samples = Integer.parseInt(f[2]);
            if (!Double.isFinite(time2) || Math.abs(time2) >= MAX_ABS_S || !Double.isFinite(spread) || spread < 0
                    || spread >= MAX_ABS_S || samples < 1) {
                throw new NumberFormatException();
            }
            return new ReadResult(new Saved(Math.round(time2 * 1e9), Math.round(spread * 1e9), samples), null);
        } catch (NumberFormatException e) {
            return new ReadResult(null, "NMEA offset file " + file + " is corrupt ('"
                    + (t.length() > 40 ? t.substring(0, 40) + "..." : t) + "'; expected TIME2_S SPREAD_S SAMPLES with "
                    + "|TIME2| < 1 s); ignoring it");
        }
    }

    /** Reads {@code file}; a missing, unreadable or corrupt file gives a null value and the reason. */
    public static ReadResult read(Path file) {
        try {
            return parse(new String(TextFile.read(file, MAX_BYTES), StandardCharsets.US_ASCII), file);
        } catch (IOException e) {
            if (e.getCause() instanceof NoSuchFileException || e instanceof NoSuchFileException) {
                return new ReadResult(null, "NMEA offset file " + file + " does not exist yet");
            }
            return new ReadResult(null, "cannot read NMEA offset file " + file + ": " + e.getMessage());
        }
    }

    /** Writes the delay atomically (temporary file, fsync, rename). */
    public static void write(Path file, long time2Ns, long spreadNs, int samples) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        AtomicFile.write(file, format(time2Ns, spreadNs, samples));
    }
}
