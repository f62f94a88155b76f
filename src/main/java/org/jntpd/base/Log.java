package org.jntpd.base;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The daemon's log: one line per event on stderr (or the configured {@code logfile}), never on a packet path.
 * Under systemd (JOURNAL_STREAM set) lines carry sd-daemon priority prefixes ({@code <4>}) and no timestamp, so
 * journald shows the levels; otherwise each line starts with a UTC timestamp and the level.
 *
 * <p>Levels make a quiet normal day and a loud problem: ERROR (the daemon cannot do its job), WARN (something is
 * wrong but handled), NOTICE (state changes an operator wants: synchronised, source selected, step), INFO (routine),
 * DEBUG (diagnostics).
 */
public final class Log {
    public enum Level {
        ERROR(3), WARN(4), NOTICE(5), INFO(6), DEBUG(7);

        final int syslogPriority;

        Level(int syslogPriority) {
            this.syslogPriority = syslogPriority;
        }
    }

    private static volatile Level threshold = Level.INFO;
    private static volatile PrintStream out = System.err;
    private static volatile String logFile;
    private static final boolean JOURNAL = System.getenv("JOURNAL_STREAM") != null;

    private Log() {}

    public static void setThreshold(Level level) {
        threshold = level;
    }

    public static boolean enabled(Level level) {
        return level.ordinal() <= threshold.ordinal();
    }

    /** Sends the log to {@code file} (appending), or back to stderr when null. */
    public static synchronized void setFile(String file) throws IOException {
        PrintStream next = file == null ? System.err
                : new PrintStream(new FileOutputStream(file, true), true, StandardCharsets.UTF_8);
        PrintStream prev = out;
        out = next;
        logFile = file;
        if (prev != System.err) {
            prev.close();
        }
    }

    /** SIGHUP: reopen the log file (after logrotate moved it). */
    public static void reopen() {
        try {
            setFile(logFile);
        } catch (IOException e) {
            log(Level.ERROR, "cannot reopen log file " + logFile + ": " + e.getMessage());
        }
    }

    public static void error(String msg) {
        log(Level.ERROR, msg);
    }

    public static void warn(String msg) {
        log(Level.WARN, msg);
    }

    public static void notice(String msg) {
        log(Level.NOTICE, msg);
    }

    public static void info(String msg) {
        log(Level.INFO, msg);
    }

    public static void debug(String msg) {
        log(Level.DEBUG, msg);
    }

    public static void log(Level level, String msg) {
        if (!enabled(level)) {
            return;
        }
        String line;
        if (JOURNAL && logFile == null) {
            line = "<" + level.syslogPriority + ">" + msg;
        } else {
            line = UtcText.ofMillis(System.currentTimeMillis()) + " " + level + " " + msg;
        }
        synchronized (Log.class) {
            out.println(line);
        }
    }
}
