package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_S;
import static org.jntpd.time.Units.S_PER_DAY;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import org.jntpd.base.Log;
import org.jntpd.base.TextFile;
import org.jntpd.base.UtcText;
import org.jntpd.sync.LeapSeconds;
import org.jntpd.time.LeapSecondsFile;

/** The {@code leapfile} at start and reload: the next leap second it announces is scheduled, and its expiry is said. */
final class LeapFileLoader {
    /** The IERS file is about 10 KiB: a bound, so that /dev/zero or a FIFO given as leapfile cannot stop the start. */
    private static final int MAX_LEAP_FILE_BYTES = 256 * 1024;

    private LeapFileLoader() {}

    /**
     * Reads {@code leapFile} (null: none) into {@code leapSeconds}; a file that cannot be used is logged, not fatal.
     * Returns the file (its expiry and TAI - UTC for the operator's warnings), or null (none, or unusable).
     */
    static LeapSecondsFile load(String leapFile, LeapSeconds leapSeconds, long nowUnixNs) {
        LeapSecondsFile f = readFile(leapFile, nowUnixNs);
        schedule(nextLeap(f, nowUnixNs), leapFile, leapSeconds);
        return f;
    }

    /**
     * Reads {@code leapFile} (null: none) and says its expiry: the next leap second it announces, or null (none, or a
     * file that cannot be used, logged). Any thread: a reload reads it before the loop schedules it.
     */
    static LeapSecondsFile.Leap read(String leapFile, long nowUnixNs) {
        return nextLeap(readFile(leapFile, nowUnixNs), nowUnixNs);
    }

    /** The next leap second {@code f} (null: none) announces, from a day before {@code nowUnixNs} on; or null. */
    static LeapSecondsFile.Leap nextLeap(LeapSecondsFile f, long nowUnixNs) {
        return f == null ? null : f.nextLeapAfter(Math.floorDiv(nowUnixNs, NS_PER_S) - S_PER_DAY);
    }

    /** The file parsed and its expiry said, or null (none, or a file that cannot be used, logged). */
    static LeapSecondsFile readFile(String leapFile, long nowUnixNs) {
        if (leapFile == null) {
            return null;
        }
        try {
            LeapSecondsFile f = LeapSecondsFile.parse(new String(TextFile.read(Path.of(leapFile), MAX_LEAP_FILE_BYTES),
                    StandardCharsets.US_ASCII));
            long nowS = Math.floorDiv(nowUnixNs, NS_PER_S);
            if (f.expiredAt(nowS)) {
                Log.warn("leap second file " + leapFile + " expired on " + UtcText.ofSeconds(f.expiresUnixS())
                        + "; leap seconds now come from the servers' votes only (update it, e.g. from tzdata)");
            } else {
                Log.info("leap second file " + leapFile + ": TAI-UTC " + f.taiOffsetAt(nowS) + " s, valid until "
                        + UtcText.ofSeconds(f.expiresUnixS()));
            }
            return f;
        } catch (IOException | LeapSecondsFile.FormatException e) {
            Log.warn("cannot use leap second file " + leapFile + ": " + e.getMessage());
            return null;
        }
    }

    /** Schedules {@code leap} (null: nothing) read from {@code leapFile} (on the loop's thread once it runs). */
    static void schedule(LeapSecondsFile.Leap leap, String leapFile, LeapSeconds leapSeconds) {
        if (leap != null) {
            leapSeconds.add(leap.endOfDayUnixS(), leap.direction());
            Log.notice("leap second " + (leap.direction() > 0 ? "insertion" : "deletion") + " scheduled at the end of "
                    + LocalDate.ofEpochDay(leap.endOfDayUnixS() / S_PER_DAY - 1) + " (from " + leapFile + ")");
        }
    }
}
