package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_S;
import static org.jntpd.time.Units.S_PER_DAY;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.jntpd.base.Log;
import org.jntpd.base.UtcText;
import org.jntpd.sync.SourceWarnings;

/**
 * The warnings an operator needs that no other daemon gives, in one place: each is logged once at WARN when it
 * appears and listed while it holds ({@code jntpc warnings}, the status snapshot's {@code warnings}). Three kinds:
 * conditions ({@link #raise}/{@link #clear}: a source that smears a leap second or is on another timescale, from
 * {@link SourceWarnings}); events, listed for a day ({@link #event}: another program stepped the clock); and expiry
 * dates watched ({@link #watchExpiry}: the leap second file, the NTS certificate), warned of
 * {@value #EXPIRY_WARNING_DAYS} days ahead and once expired. Thread-safe: the loop raises and publishes, the
 * interference check and jntpc may come from other threads.
 */
final class OperatorWarnings implements SourceWarnings.Sink {
    static final int EXPIRY_WARNING_DAYS = 30;
    /** An event (a step by another program) stays listed this long. */
    static final long EVENT_LISTED_NS = S_PER_DAY * NS_PER_S;
    private static final long EXPIRY_CHECK_EVERY_NS = 60 * NS_PER_S;

    private record Active(String text, long untilNs) {}

    private record Expiry(String key, String what, String advice, LongSupplier expiresUnixS, boolean loggedElsewhere) {}

    private final Map<String, Active> active = new LinkedHashMap<>();
    private final List<Expiry> expiries = new CopyOnWriteArrayList<>();
    private long lastExpiryCheckNs;
    private boolean expiriesChecked;

    /** A condition holds: logged at WARN the first time, listed until {@link #clear}. */
    @Override
    public synchronized void raise(String key, String text, long nowNs) {
        Active was = active.put(key, new Active(text, Long.MAX_VALUE));
        if (was == null) {
            Log.warn(text);
        }
    }

    @Override
    public synchronized void clear(String key) {
        Active was = active.remove(key);
        if (was != null) {
            Log.info("no longer: " + was.text());
        }
    }

    /** Something happened (the caller has logged it): listed for a day from {@code nowNs}, the latest per key. */
    synchronized void event(String key, String text, long nowNs) {
        active.put(key, new Active(text, nowNs + EVENT_LISTED_NS));
    }

    /**
     * Watches an expiry date ({@code expiresUnixS} read at each check; {@link Long#MAX_VALUE}: nothing to expire now).
     * {@code loggedElsewhere}: its owner logs it already (the NTS service does, daily), so only list it.
     */
    void watchExpiry(String key, String what, String advice, LongSupplier expiresUnixS, boolean loggedElsewhere) {
        unwatchExpiry(key); // a new file replaces the one watched
        expiries.add(new Expiry(key, what, advice, expiresUnixS, loggedElsewhere));
    }

    /** Stops watching {@code key} (a reload removed the file): its warning ends; the next check looks at the rest. */
    void unwatchExpiry(String key) {
        expiries.removeIf(e -> e.key().equals(key));
        synchronized (this) {
            active.remove(key);
            expiriesChecked = false;
        }
    }

    /** The expiry dates against {@code nowNs} (Unix ns), at most once a minute. */
    void checkExpiries(long nowNs) {
        synchronized (this) {
            if (expiriesChecked && nowNs - lastExpiryCheckNs < EXPIRY_CHECK_EVERY_NS) {
                return;
            }
            expiriesChecked = true;
            lastExpiryCheckNs = nowNs;
        }
        long nowS = Math.floorDiv(nowNs, NS_PER_S);
        for (Expiry e : expiries) {
            String text = expiryText(e.what(), e.expiresUnixS().getAsLong(), nowS);
            if (text == null) {
                clear(e.key());
            } else if (e.loggedElsewhere()) {
                synchronized (this) {
                    active.put(e.key(), new Active(text + ": " + e.advice(), Long.MAX_VALUE));
                }
            } else {
                raiseQuietlyIfKnown(e.key(), text + ": " + e.advice(), nowNs);
            }
        }
    }

    /** Raises; the text changes daily ("in 10 days", "in 9 days"), so only a new key is logged. */
    private synchronized void raiseQuietlyIfKnown(String key, String text, long nowNs) {
        if (active.containsKey(key)) {
            active.put(key, new Active(text, Long.MAX_VALUE));
        } else {
            raise(key, text, nowNs);
        }
    }

    /** What holds at {@code nowNs}, oldest first (events past their day dropped). */
    synchronized List<String> list(long nowNs) {
        List<String> out = new ArrayList<>(active.size());
        for (Iterator<Active> it = active.values().iterator(); it.hasNext();) {
            Active a = it.next();
            if (a.untilNs() != Long.MAX_VALUE && nowNs - a.untilNs() > 0) {
                it.remove();
            } else {
                out.add(a.text());
            }
        }
        return out;
    }

    /**
     * "leap second file F expires on 2026-12-28T00:00:00Z, in 10.0 days" within {@value #EXPIRY_WARNING_DAYS} days of
     * {@code expiresUnixS}, "... expired on ..., 3.0 days ago" after it; null before (or for {@link Long#MAX_VALUE}).
     */
    static String expiryText(String what, long expiresUnixS, long nowUnixS) {
        if (expiresUnixS == Long.MAX_VALUE) {
            return null;
        }
        long leftS = expiresUnixS - nowUnixS;
        if (leftS >= EXPIRY_WARNING_DAYS * S_PER_DAY) {
            return null;
        }
        String when = UtcText.ofSeconds(expiresUnixS);
        // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
        return leftS > 0
                ? String.format((Locale) null, "%s expires on %s, in %.1f days", what, when, leftS / (double) S_PER_DAY)
                : String.format((Locale) null, "%s expired on %s, %.1f days ago", what, when, -leftS / (double) S_PER_DAY);
    }
}
