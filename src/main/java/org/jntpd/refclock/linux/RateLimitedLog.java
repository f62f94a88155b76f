package org.jntpd.refclock.linux;

import org.jntpd.daemon.Log;

/**
 * Logs a runner's device problems sparingly: a new message at once, the same message again at most every
 * {@link #REPEAT_NS} with the number of repeats in between. One runner thread uses it.
 */
final class RateLimitedLog {
    static final long REPEAT_NS = 600_000_000_000L;

    private final String prefix;
    private String lastMessage;
    private long lastLoggedNs;
    private long suppressed;

    RateLimitedLog(String prefix) {
        this.prefix = prefix;
    }

    void warn(String message) {
        long nowNs = System.nanoTime();
        if (message.equals(lastMessage) && nowNs - lastLoggedNs < REPEAT_NS) {
            suppressed++;
            return;
        }
        String repeats = message.equals(lastMessage) && suppressed > 0 ? " (" + suppressed + " times since last logged)" : "";
        Log.warn(prefix + message + repeats);
        lastMessage = message;
        lastLoggedNs = nowNs;
        suppressed = 0;
    }

    /** The trouble is over: the next problem logs at once. */
    void recovered(String message) {
        if (lastMessage != null) {
            Log.notice(prefix + message);
            lastMessage = null;
            suppressed = 0;
        }
    }
}
