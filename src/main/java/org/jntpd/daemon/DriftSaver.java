package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_MS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jntpd.base.Log;
import org.jntpd.base.RateLimitedLog;
import org.jntpd.sync.Synchroniser;

/**
 * The drift file's schedule (chrony's driftfile): the synchroniser's frequency offered hourly and at the end, and
 * written only when its estimate is better than the one saved ({@link DriftFile#better}: a few seconds' estimate, or
 * one from a daemon about to be killed, never walks a good value away). A file that cannot be written (a full disk)
 * is said once at WARN, then at most every ten minutes, and once when writing works again.
 */
final class DriftSaver {
    /**
     * For tests only: the drift file is saved every this many ms instead of hourly (the crash-safety test kills the
     * daemon while it writes). Not a configuration option.
     */
    public static final String INTERVAL_PROP_NAME = "jntpd.driftIntervalMs";
    private static final long INTERVAL_DEFAULT_MS = 3_600_000L;

    private final Path file;
    private final Synchroniser sync;
    private final long intervalNs;
    private long nextWriteNs;
    /** What is on disk (null: nothing usable) and when it was written (wall clock, ms: the file's age survives restarts). */
    private DriftFile.Drift saved;
    private long savedAtMs;
    private final RateLimitedLog failures;
    private boolean failing;

    /** @param file where to save; null for nowhere (then this does nothing) */
    DriftSaver(Path file, Synchroniser sync, long nowNs) {
        this.file = file;
        this.sync = sync;
        this.intervalNs = Math.max(1, Long.getLong(INTERVAL_PROP_NAME, INTERVAL_DEFAULT_MS)) * NS_PER_MS;
        this.nextWriteNs = nowNs + intervalNs;
        this.failures = new RateLimitedLog("drift file " + file + ": ");
        if (file != null) {
            saved = DriftFile.read(file).drift();
            try {
                savedAtMs = saved == null ? 0 : Files.getLastModifiedTime(file).toMillis();
            } catch (IOException e) {
                savedAtMs = System.currentTimeMillis(); // just read: as good as new
            }
        }
    }

    /** Saves if a save is due at {@code nowNs}; returns when the next one is (Long.MAX_VALUE: never). */
    long runTimer(long nowNs) {
        if (file == null) {
            return Long.MAX_VALUE;
        }
        if (nowNs - nextWriteNs >= 0) {
            nextWriteNs = nowNs + intervalNs;
            save();
        }
        return nextWriteNs;
    }

    /** Saves now (at the end), if the estimate is better than the saved one. */
    void save() {
        if (file == null) {
            return;
        }
        double freqPpm = sync.frequencyPpm();
        double skewPpm = sync.frequencySigmaPpm();
        long nowMs = System.currentTimeMillis();
        if (!Double.isFinite(freqPpm)
                || !DriftFile.better(skewPpm, saved, Math.max(0, nowMs - savedAtMs) * NS_PER_MS)) {
            // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
            Log.debug(String.format((Locale) null, "drift file %s kept (%s); the estimate now: %.3f ppm, skew %.3f ppm",
                    file, saved == null ? "nothing measured yet" : String.format((Locale) null, "%.3f ppm, skew %.3f ppm",
                            saved.freqPpm(), saved.skewPpm()), freqPpm, skewPpm));
            return;
        }
        try {
            DriftFile.write(file, freqPpm, skewPpm);
        } catch (IOException e) {
            // One message whatever the exception says (its temporary file's name differs each time): once, then rarely.
            failures.warn("cannot write drift file (" + reason(e) + "); the saved frequency stays as it was");
            failing = true;
            return;
        }
        saved = new DriftFile.Drift(freqPpm, skewPpm);
        savedAtMs = nowMs;
        if (failing) {
            failing = false;
            failures.recovered("written again");
        }
    }

    /** The system's reason (strerror) without the path, which names a temporary file. */
    private static String reason(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            m = fs.getReason();
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
