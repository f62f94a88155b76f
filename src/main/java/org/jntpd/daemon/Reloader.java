package org.jntpd.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
import org.jntpd.config.ServerSpec;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.time.LeapSecondsFile;

/**
 * {@code jntpc reload} and SIGHUP: the configuration is read again from where it came from (as the daemon's user,
 * after -u) and checked as at start (the parser; the keys server lines name, against the key file read at start),
 * then applied whole or not at all. A configuration that
 * fails a check, or changes a setting only a restart can change ({@link ReloadPolicy}), is refused: the daemon keeps
 * running on the one it had, and the reason (file:line) is logged and returned. An accepted one switches the log
 * file here and hands the rest to the synchronisation loop ({@link SyncLoop#reconfigure}), which adds and removes
 * sources on its own thread without touching the others. One reload at a time.
 */
final class Reloader {
    /** How long a reload waits for the loop to apply it (a pass waits at most 250 ms). */
    static final long APPLY_TIMEOUT_MS = 1_000;

    /** What a reload came to: applied or refused, and the text for jntpc (one line or more, ending in a newline). */
    record Result(boolean applied, String text) {}

    private final Daemon.ConfigSource source;
    private final SymmetricKeys keys;
    private final SyncLoop loop;
    /** The configuration in effect (this class's lock). */
    private Config running;

    Reloader(Daemon.ConfigSource source, Config running, SymmetricKeys keys, SyncLoop loop) {
        this.source = source;
        this.running = running;
        this.keys = keys;
        this.loop = loop;
    }

    /** Reads, checks and applies the configuration; {@code trigger} ("SIGHUP", "jntpc") is named in the log. */
    synchronized Result reload(String trigger) {
        try {
            return reloadChecked(trigger);
        } catch (RuntimeException e) { // a bug: said and answered, and the daemon goes on
            Log.error("reload (" + trigger + ") failed: " + e);
            return new Result(false, "error: reload (" + trigger + ") failed: " + e + "\n");
        }
    }

    private Result reloadChecked(String trigger) {
        Config next;
        try {
            next = source.load();
        } catch (ConfigException e) {
            return refused(trigger, e.errors());
        }
        List<String> restart = ReloadPolicy.restartOnlyChanges(running, next);
        if (!restart.isEmpty()) {
            return refused(trigger, List.of(source.name() + " changes " + String.join(", ", restart)
                    + ", which only a restart applies (systemctl restart jntpd)"));
        }
        List<String> keyErrors = checkKeys(next);
        if (!keyErrors.isEmpty()) {
            return refused(trigger, keyErrors);
        }
        long nowNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        LeapSecondsFile leapFile = LeapFileLoader.readFile(next.files().leapFile(), nowNs);
        LeapSecondsFile.Leap leap = LeapFileLoader.nextLeap(leapFile, nowNs);
        List<String> changed = new ArrayList<>();
        String logFile = next.files().logFile();
        if (!Objects.equals(logFile, running.files().logFile())) {
            try {
                Log.setFile(logFile); // the last check: nothing is applied before it succeeds
            } catch (IOException e) {
                return refused(trigger, List.of(source.name() + ": cannot open log file " + logFile + ": " + e.getMessage()));
            }
            changed.add("logfile " + (logFile == null ? "(none: stderr)" : logFile));
        }
        if (!ReloadPolicy.same(running.stats(), next.stats())) {
            changed.add("statistics");
        }
        if (!Objects.equals(running.files().leapFile(), next.files().leapFile())) {
            changed.add("leapfile " + next.files().leapFile());
        }
        CompletableFuture<NtpSources.Change> done = loop.reconfigure(next, leap);
        loop.watchLeapFile(next.files().leapFile(), leapFile, Math.floorDiv(nowNs, 1_000_000_000L)); // an updated one ends the warning
        running = next;
        next.warnings().forEach(w -> Log.warn(w));
        String sources;
        try {
            NtpSources.Change c = done.get(APPLY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            sources = describe(c);
        } catch (TimeoutException e) {
            sources = "sources: handed to the synchronisation loop, which has not taken them within " + APPLY_TIMEOUT_MS
                    + " ms (it will at its next pass)";
        } catch (CancellationException e) {
            sources = "sources: replaced by a newer reload before the loop took them";
        } catch (ExecutionException e) {
            sources = "sources: the synchronisation loop failed to apply them: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sources = "sources: interrupted while the loop applied them";
        }
        StringBuilder text = new StringBuilder("reload (" + trigger + "): " + source.name() + " applied; " + sources);
        if (!changed.isEmpty()) {
            text.append("; ").append(String.join(", ", changed));
        }
        Log.notice(text.toString());
        for (String w : next.warnings()) {
            text.append("\nwarning: ").append(w);
        }
        return new Result(true, text.append('\n').toString());
    }

    /**
     * The start's check that the key file has every key a server line names, made against the keys read at start
     * (the key file is restart-only, and after -u the daemon's user may not be able to read it again).
     */
    private List<String> checkKeys(Config next) {
        List<String> errors = new ArrayList<>();
        for (ServerSpec s : next.servers()) {
            if (s.keyId() != 0 && keys.key(s.keyId()) == null) {
                errors.add(s.location() + ": " + s.kind().name().toLowerCase(Locale.ROOT) + " " + s.host() + " key "
                        + s.keyId() + ": the key file read at start has no key " + s.keyId()
                        + " (a changed key file needs a restart)");
            }
        }
        return errors;
    }

    private static String describe(NtpSources.Change c) {
        if (c.added().isEmpty() && c.removed().isEmpty()) {
            return "sources unchanged (" + c.kept() + ")";
        }
        StringBuilder b = new StringBuilder();
        if (!c.added().isEmpty()) {
            b.append("added ").append(String.join(", ", c.added())).append("; ");
        }
        if (!c.removed().isEmpty()) {
            b.append("removed ").append(String.join(", ", c.removed())).append("; ");
        }
        return b.append(c.kept()).append(" unchanged").toString();
    }

    private Result refused(String trigger, List<String> reasons) {
        String head = "reload (" + trigger + ") refused, still running on the previous configuration: ";
        for (String r : reasons) {
            Log.error(head + r);
        }
        return new Result(false, "error: " + head + String.join("\n  ", reasons) + "\n");
    }
}
