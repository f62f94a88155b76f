package org.jntpd.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.jntpd.base.AtomicFile;
import org.jntpd.base.TextFile;

/**
 * The drift file: the clock's frequency correction in ppm (positive = the clock had to be sped up), as ntpd writes it
 * (one number) or chrony (frequency and skew). jntpd writes "FREQ_PPM SKEW_PPM", which both read.
 */
public final class DriftFile {
    /** Frequencies beyond this are not a drift a clock can have; such a file is corrupt. */
    private static final double MAX_ABS_PPM = 500.0;
    /** One line of two numbers: a larger file is not a drift file (and a FIFO or device is refused unread). */
    private static final int MAX_BYTES = 4096;

    private DriftFile() {}

    /** A read drift value: frequency and its estimated error, both ppm. */
    public record Drift(double freqPpm, double skewPpm) {}

    /** What reading found: a value, or why there is none (for the log). */
    public record ReadResult(Drift drift, String problem) {}

    /** Reads {@code file}; a missing, empty or corrupt file gives a null drift and a sentence naming the problem. */
    public static ReadResult read(Path file) {
        String text;
        try {
            text = new String(TextFile.read(file, MAX_BYTES), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                return new ReadResult(null, "drift file " + file + " does not exist yet; starting from 0 ppm");
            }
            return new ReadResult(null, "cannot read drift file " + file + ": " + e.getMessage() + "; starting from 0 ppm");
        }
        String[] f = text.split("\\s+");
        try {
            double freq = Double.parseDouble(f[0]);
            double skew = f.length > 1 ? Double.parseDouble(f[1]) : 1.0;
            if (!Double.isFinite(freq) || Math.abs(freq) > MAX_ABS_PPM || !Double.isFinite(skew) || skew < 0) {
                throw new NumberFormatException();
            }
            return new ReadResult(new Drift(freq, skew), null);
        } catch (NumberFormatException e) {
            return new ReadResult(null, "drift file " + file + " is corrupt ('" + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
                    + "'; expected a frequency in ppm); ignoring it and starting from 0 ppm");
        }
    }

    /** Writes the drift atomically (temporary file, fsync, rename). */
    public static void write(Path file, double freqPpm, double skewPpm) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        AtomicFile.write(file, String.format(Locale.ROOT, "%.6f %.6f%n", freqPpm, skewPpm));
    }
}
