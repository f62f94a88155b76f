package org.jntpd.daemon;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * How one source's packets are authenticated on the client side ({@code server ... key N} or {@code server ... nts}):
 * what is appended to each request after the header the association wrote, and whether a reply is authentic and
 * answers that request. A reply that is not never reaches the association: it is counted here, with why, and the
 * source's reach stays as it was. Runs on the loop's thread and allocates nothing per packet; the counters are read
 * by jntpc's thread ({@link #status}), hence volatile (one writer).
 */
abstract class ClientAuth {
    final String name;
    volatile long requests;
    volatile long authenticated;
    volatile long refused;
    /** Why the last reply was refused (a constant: nothing allocated per packet), or null. */
    volatile String lastRefusal;

    ClientAuth(String name) {
        this.name = name;
    }

    /**
     * Appends the authentication to the request whose header is at 0 of {@code tx} ({@code capacity} bytes); returns
     * the request's length, or 0 when nothing can be sent now (no NTS keys or cookies yet).
     */
    abstract int request(MemorySegment tx, int capacity, long nowNs);

    /** Whether the reply of {@code length} bytes at {@code rx[offset]} is authentic and answers our last request. */
    abstract boolean check(MemorySegment rx, long offset, int length, long nowNs);

    /** Where the source's NTP requests go when authentication decides it (NTS-KE names the server); null = unchanged. */
    InetSocketAddress target() {
        return null;
    }

    /**
     * Whether the association should poll now, off its schedule: its last poll could send nothing and now can (NTS:
     * the key exchange it waited for has ended). Loop thread.
     */
    boolean sendNow(long nowNs) {
        return false;
    }

    /** When the loop should look at {@link #sendNow} again at the latest (Long.MAX_VALUE: no need). */
    long recheckNs(long nowNs) {
        return Long.MAX_VALUE;
    }

    /** One line for jntpc authdata. */
    abstract void status(StringBuilder b);

    /**
     * jntpc authdata's fields of this source (docs/CONTROL.md, chronyc's authdata columns), on jntpc's thread: the
     * fields of {@link #noAuthentication} with this source's values.
     */
    void fields(java.util.Map<String, Object> m) {
        noAuthentication(m);
        m.put("requests", requests);
        m.put("authenticated", authenticated);
        m.put("refused", refused);
        m.put("last_refusal", lastRefusal);
    }

    /** The fields of a source without authentication: every one there, null but its mode ("none"). */
    static void noAuthentication(java.util.Map<String, Object> m) {
        m.put("authentication", "none");
        for (String f : java.util.List.of("key_id", "type", "type_id", "key_length_bits", "last_ke_ago_s", "ke_attempts",
                "nak", "cookies", "cookie_length_bytes", "requests", "authenticated", "refused", "last_refusal",
                "ke_exchanges", "ke_failed", "naks", "last_ke_error", "certificate_dates_unverified",
                "dropped_at_reverification")) {
            m.put(f, null);
        }
    }

    /** The daemon is stopping (on the loop's thread): keep what should outlive it. */
    void save() {}

    final boolean refuse(String why) {
        refused++;
        lastRefusal = why;
        return false;
    }

    final boolean accept() {
        authenticated++;
        return true;
    }

    final void counters(StringBuilder b) {
        b.append(", requests ").append(requests).append(", authenticated ").append(authenticated).append(", refused ")
                .append(refused);
        String why = lastRefusal;
        if (why != null) {
            b.append(" (last: ").append(why).append(')');
        }
    }
}
