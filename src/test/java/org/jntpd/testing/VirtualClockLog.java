package org.jntpd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The virtual-clock shim's log (JNTPD_VIRTUAL_CLOCK_LOG, native/vclock/README.md): one line per second of true time,
 * {@code TRUE_UNIX_S VIRTUAL_MINUS_TRUE_S FREQ_PPM}, the exact error of the daemon's clock against the truth its
 * servers serve. FREQ_PPM is the clock's remaining rate error from its frequency settings (0 once the daemon has
 * found the oscillator's error), not the correction the daemon applies.
 *
 * @param text the file as read (for assertion messages)
 */
public record VirtualClockLog(List<Line> lines, String text) {
    /** One line: true time and V - T in seconds, the rate error in ppm. */
    public record Line(double trueUnixS, double offsetS, double freqPpm) {}

    /** Reads {@code file}; a missing file gives no lines. A last line still being written is left out. */
    public static VirtualClockLog read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return new VirtualClockLog(List.of(), "(" + file + " does not exist)");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
        List<Line> lines = new ArrayList<>();
        String[] rows = text.split("\n", -1);
        for (int i = 0; i < rows.length - 1; i++) { // the last is empty or still being written
            String[] f = rows[i].trim().split("\\s+");
            if (f.length == 3) {
                lines.add(new Line(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])));
            }
        }
        return new VirtualClockLog(List.copyOf(lines), text);
    }

    /** The lines at or after true time {@code unixS}. */
    public List<Line> from(double unixS) {
        return lines.stream().filter(l -> l.trueUnixS() >= unixS).toList();
    }

    public Line first() {
        return lines.getFirst();
    }

    public Line last() {
        return lines.getLast();
    }

    /**
     * Pairs of consecutive lines whose V - T changed by more than {@code minChangeS}: steps, when the threshold is
     * above what the fastest slew (83.3 ms/s) and the oscillator can do between two lines.
     */
    public List<Line[]> jumps(double minChangeS) {
        List<Line[]> jumps = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (Math.abs(lines.get(i).offsetS() - lines.get(i - 1).offsetS()) > minChangeS) {
                jumps.add(new Line[] {lines.get(i - 1), lines.get(i)});
            }
        }
        return jumps;
    }

    @Override
    public String toString() {
        return text;
    }
}
