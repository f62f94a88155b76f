package org.jntpd.daemon;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jntpd.base.LoopRunner;
import org.jntpd.base.RateLimitedLog;

/**
 * systemd's watchdog ({@code WatchdogSec=}, sd_notify's {@code WATCHDOG=1}): fed only while every loop that matters (the
 * synchronisation loop and each serving worker) has completed a pass since the last feed. A loop that hangs in a call
 * that never returns, or whose passes keep failing, stops the feeding; systemd then kills and restarts the daemon. The
 * loops' heartbeats are {@link LoopRunner#passes()}; each of them passes at least every 250 ms while idle.
 */
final class Watchdog {
    private final long intervalNs;
    private final Consumer<String> notify;
    private final List<LoopRunner> watched = new ArrayList<>();
    private long[] lastPasses = new long[0];
    private final RateLimitedLog log = new RateLimitedLog("systemd watchdog: ");

    /**
     * @param intervalNs systemd's interval ({@link #intervalNs(Map, long)}); the daemon checks twice per interval
     * @param notify     sends one sd_notify message
     */
    Watchdog(long intervalNs, Consumer<String> notify) {
        this.intervalNs = intervalNs;
        this.notify = notify;
    }

    /**
     * The watchdog interval systemd asks for in {@code env} (WATCHDOG_USEC, for this process when WATCHDOG_PID is set),
     * ns; 0 when there is none.
     */
    static long intervalNs(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        String forPid = env.get("WATCHDOG_PID");
        if (usec == null || (forPid != null && !forPid.equals(Long.toString(pid)))) {
            return 0;
        }
        try {
            long us = Long.parseLong(usec.trim());
            return us > 0 ? us * 1_000L : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** How often {@link #check()} should run: half the interval, as sd_watchdog_enabled(3) advises. */
    long checkEveryNs() {
        return intervalNs / 2;
    }

    boolean enabled() {
        return intervalNs > 0;
    }

    /** Adds a loop whose progress the feeding requires (setup, before the checks run; one thread). */
    synchronized void watch(LoopRunner runner) {
        watched.add(runner);
        long[] next = new long[watched.size()];
        System.arraycopy(lastPasses, 0, next, 0, lastPasses.length);
        next[next.length - 1] = -1; // not yet seen: its first pass counts as progress
        lastPasses = next;
    }

    /** Feeds the watchdog when every watched loop made progress since the last check; returns whether it did. */
    synchronized boolean check() {
        List<String> stalled = new ArrayList<>();
        for (int i = 0; i < watched.size(); i++) {
            LoopRunner r = watched.get(i);
            long passes = r.passes();
            if (passes == lastPasses[i] || r.state() == LoopRunner.State.DEAD) {
                stalled.add(r.agent().roleName());
            }
            lastPasses[i] = passes;
        }
        if (!stalled.isEmpty()) {
            log.warn("not fed: no progress of " + String.join(", ", stalled) + " since the last check");
            return false;
        }
        log.recovered("fed again: every loop makes progress");
        notify.accept("WATCHDOG=1");
        return true;
    }
}
