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
 * (one number) or chrony (frequency and skew). jntpd writes "FREQ_PPM SKEW_PPM", which both read (ntpd reads the
 * first number). The skew is the estimate's quality (its standard error, ppm): an estimate replaces the one on disk
 * only when it is better ({@link #better}), so a run of a few seconds, or a daemon killed before it measured much,
 * cannot walk a good value away.
 */
public final class DriftFile {
    /** Frequencies beyond this are not a drift a clock can have; such a file is corrupt. */
    private static final double MAX_ABS_PPM = 500.0;
    /** One line of two numbers: a larger file is not a drift file (and a FIFO or device is refused unread). */
    static final int MAX_BYTES = 4096;
    /**
     * How fast a saved frequency goes stale, ppm per day: a crystal's temperature and ageing move its frequency by
     * about this much a day, so an old value is worth less than its skew says and a decent new one replaces it.
     */
    static final double STALE_PPM_PER_DAY = 0.1;
    /** The skew of a value whose quality the file does not say (ntpd's one number; jntpd before it wrote its skew). */
    static final double UNKNOWN_SKEW_PPM = 1.0;

    private DriftFile() {}

    /** A read drift value: frequency and its estimated error, both ppm. */
    public record Drift(double freqPpm, double skewPpm) {}

    /** What reading found: a value, or why there is none (for the log). */
    public record ReadResult(Drift drift, String problem) {}

    /** Reads {@code file}; a missing, empty or corrupt file gives a null drift and a sentence naming the problem. */
    public static ReadResult read(Path file) {
        byte[] bytes;
        try {
            bytes = TextFile.read(file, MAX_BYTES);
        } catch (IOException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                return new ReadResult(null, "drift file " + file + " does not exist yet; starting from 0 ppm");
            }
            return new ReadResult(null, "cannot read drift file " + file + ": " + e.getMessage() + "; starting from 0 ppm");
        }
        return parse(bytes, file);
    }

    /** The drift in a drift file's bytes ({@link #read} without the file; {@code file} names it in the problem). */
    static ReadResult parse(byte[] bytes, Path file) {
        String text = new String(bytes, StandardCharsets.US_ASCII).trim();
        // the first two words between whitespace (what split("\\s+") gave, without a regular expression)
        int end0 = wordEnd(text, 0);
        int start1 = end0;
        while (start1 < text.length() && isSpace(text.charAt(start1))) {
            start1++;
        }
        try {
            double freq = Double.parseDouble(text.substring(0, end0));
            double skew = start1 < text.length() ? Double.parseDouble(text.substring(start1, wordEnd(text, start1)))
                    : UNKNOWN_SKEW_PPM;
            if (!Double.isFinite(freq) || Math.abs(freq) > MAX_ABS_PPM || !Double.isFinite(skew) || skew < 0) {
                throw new NumberFormatException();
            }
            return new ReadResult(new Drift(freq, skew), null);
        } catch (NumberFormatException e) {
            return new ReadResult(null, "drift file " + file + " is corrupt ('" + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
                    + "'; expected a frequency in ppm); ignoring it and starting from 0 ppm");
        }
    }

    private static int wordEnd(String text, int from) {
        int i = from;
        while (i < text.length() && !isSpace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** {@code \\s}: space, tab, LF, VT, FF, CR. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /**
     * Whether an estimate with {@code skewPpm} should replace what is on disk: when there is no usable value there, or
     * when its skew is below the saved one's grown by {@link #STALE_PPM_PER_DAY} since the file was written
     * ({@code fileAgeNs}). A skew of 0 on disk was written by a jntpd that did not yet save its skew: unknown, taken
     * as {@link #UNKNOWN_SKEW_PPM}. No estimate (NaN: nothing was measured) replaces anything.
     */
    public static boolean better(double skewPpm, Drift onDisk, long fileAgeNs) {
        if (!(skewPpm >= 0)) {
            return false;
        }
        if (onDisk == null) {
            return true;
        }
        double savedSkew = onDisk.skewPpm() > 0 ? onDisk.skewPpm() : UNKNOWN_SKEW_PPM;
        double ageDays = Math.max(0, fileAgeNs) / 86_400e9;
        return skewPpm < savedSkew + STALE_PPM_PER_DAY * ageDays;
    }

    /** Writes the drift atomically (temporary file, fsync, rename). */
    public static void write(Path file, double freqPpm, double skewPpm) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        // No locale: Locale.ROOT's digits without the CLDR data a locale makes Formatter load (mode6.Values).
        AtomicFile.write(file, String.format((Locale) null, "%.6f %.6f%n", freqPpm, skewPpm));
    }
}
