package org.jntpd.rtc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.jntpd.base.AtomicFile;

/**
 * The {@code rtcfile}, in chrony's format so that a file chrony wrote is read and a file jntpd writes is one chrony
 * reads: one line {@code VALID REF_TIME FAST_SECONDS GAIN_PPM}, written as {@code "%1d %.0f %.6f %.3f\n"}, for example
 * {@code 1 1700000000 -0.123456 12.345}. Written atomically (temporary file, fsync, rename).
 */
public final class RtcFile {
    /** An RTC drifting beyond this is broken, and so is a file that says it does. */
    private static final double MAX_ABS_GAIN_PPM = 10_000;

    private RtcFile() {}

    /** A read file: coefficients, or why there are none (for the log). */
    public record ReadResult(RtcCoefficients coefficients, String problem) {}

    /** Reads {@code file}; a missing, unreadable or corrupt file gives null coefficients and a sentence saying why. */
    public static ReadResult read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return new ReadResult(null, "rtcfile " + file + " does not exist yet; the RTC's drift is unknown");
        } catch (IOException e) {
            return new ReadResult(null, "cannot read rtcfile " + file + ": " + e.getMessage());
        }
        String[] f = text.split("\\s+");
        try {
            if (f.length < 4) {
                throw new NumberFormatException();
            }
            int valid = Integer.parseInt(f[0]);
            double ref = Double.parseDouble(f[1]);
            double fast = Double.parseDouble(f[2]);
            double gain = Double.parseDouble(f[3]);
            if ((valid != 0 && valid != 1) || !Double.isFinite(ref) || ref != Math.rint(ref) || !Double.isFinite(fast)
                    || !Double.isFinite(gain) || Math.abs(gain) > MAX_ABS_GAIN_PPM) {
                throw new NumberFormatException();
            }
            return new ReadResult(new RtcCoefficients(valid == 1, (long) ref, fast, gain), null);
        } catch (NumberFormatException e) {
            return new ReadResult(null, "rtcfile " + file + " is corrupt ('"
                    + (text.length() > 60 ? text.substring(0, 60) + "..." : text)
                    + "'; expected VALID REF_TIME FAST_SECONDS GAIN_PPM as chrony writes it); ignoring it");
        }
    }

    /** Writes the coefficients atomically in chrony's format. */
    public static void write(Path file, RtcCoefficients c) throws IOException {
        AtomicFile.write(file, format(c));
    }

    /** chrony's line for {@code c}. */
    public static String format(RtcCoefficients c) {
        return String.format(Locale.ROOT, "%1d %.0f %.6f %.3f\n", c.valid() ? 1 : 0, (double) c.refRtcSeconds(),
                c.fastSeconds(), c.gainPpm());
    }
}
