package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_MS;

import java.io.IOException;
import java.nio.file.Path;
import org.jntpd.base.Log;
import org.jntpd.sync.Synchroniser;

/** The drift file's schedule (chrony's driftfile): the synchroniser's frequency saved hourly and at the end. */
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

    /** @param file where to save; null for nowhere (then this does nothing) */
    DriftSaver(Path file, Synchroniser sync, long nowNs) {
        this.file = file;
        this.sync = sync;
        this.intervalNs = Math.max(1, Long.getLong(INTERVAL_PROP_NAME, INTERVAL_DEFAULT_MS)) * NS_PER_MS;
        this.nextWriteNs = nowNs + intervalNs;
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

    /** Saves now (at the end). */
    void save() {
        if (file == null) {
            return;
        }
        try {
            DriftFile.write(file, sync.frequencyPpm(), 0);
        } catch (IOException e) {
            Log.warn("cannot write drift file " + file + ": " + e);
        }
    }
}
