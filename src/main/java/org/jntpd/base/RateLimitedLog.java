package org.jntpd.base;

/**
 * Logs a repeating problem sparingly (a reference clock's device, say): a new message at once, the same message again
 * at most every {@link #REPEAT_NS} with the number of repeats in between. Not thread-safe: one thread uses each.
 */
public final class RateLimitedLog {
    public static final long REPEAT_NS = 600_000_000_000L;

    private final String prefix;
    private String lastMessage;
    private long lastLoggedNs;
    private long suppressed;

    public RateLimitedLog(String prefix) {
        this.prefix = prefix;
    }

    public void warn(String message) {
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
    public void recovered(String message) {
        if (lastMessage != null) {
            Log.notice(prefix + message);
            lastMessage = null;
            suppressed = 0;
        }
    }
}
