package org.jntpd.server;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jntpd.wire.Malformation;

/**
 * One worker's counters: written only by that worker with opaque stores (no fence, no lock, no false sharing with
 * other workers' arrays), read by anyone with opaque loads. Totals are sums over workers.
 */
public final class ServerCounters {
    /** What is counted. Drop reasons mirror the packet classifier's; each request lands in exactly one outcome. */
    public enum Counter {
        RECEIVED, REPLIED, INTERLEAVED, KOD_SENT, RATE_LIMITED, DENIED, DROPPED_MALFORMED, DROPPED_MODE,
        DROPPED_VERSION, DROPPED_AUTH, DROPPED_TRUNCATED, MODE6_RECEIVED, MODE6_DENIED, MODE7_DROPPED, SEND_ERRORS,
        RECEIVE_ERRORS, TX_TIMESTAMPS, BATCHES,
        /** Replies authenticated with NTS, and NTS NAKs (kiss-o'-death NTSN: the cookie or authenticator failed). */
        NTS_REPLIED, NTS_NAK,
        /** Replies signed with the request's symmetric key. */
        MAC_REPLIED
    }

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int PAD = 8; // one cache line of padding on each side

    private static final Malformation[] MALFORMATIONS = Malformation.values();
    private static final int COUNTERS = Counter.values().length;
    private static final int AUTH_FAILURES = PAD + COUNTERS + MALFORMATIONS.length;

    /**
     * The receive-to-transmit latency histogram: bucket {@code b} counts replies whose time from the kernel's receive
     * stamp to the worker's transmit reading was at most 2^({@value #LATENCY_MIN_LOG2} + b) ns (the first bucket also
     * takes everything shorter, the last everything longer: +Inf). Log2 buckets from 1 us (2^10 ns) to 1 s (2^30).
     */
    public static final int LATENCY_MIN_LOG2 = 10;
    public static final int LATENCY_BUCKETS = 22; // 2^10 ... 2^30 ns, then +Inf

    /** Where the latency buckets start (after the auth failures), then their sum in ns; add PAD. */
    private static final int LATENCY = COUNTERS + MALFORMATIONS.length + AuthFailure.values().length;
    private final long[] values = new long[LATENCY + LATENCY_BUCKETS + 1 + 2 * PAD];

    /** Adds {@code n} (owner thread only). */
    public void add(Counter c, long n) {
        int i = PAD + c.ordinal();
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + n);
    }

    public void increment(Counter c) {
        add(c, 1);
    }

    /** Counts a refused packet by its reason (owner thread only); also counts it in {@link Counter#DROPPED_MALFORMED}. */
    public void malformed(Malformation reason) {
        increment(Counter.DROPPED_MALFORMED);
        int i = PAD + COUNTERS + reason.ordinal();
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + 1);
    }

    /** A recent count of packets refused for {@code reason} (any thread). */
    public long malformedCount(Malformation reason) {
        return (long) LONGS.getOpaque(values, PAD + COUNTERS + reason.ordinal());
    }

    /**
     * Counts one reply's receive-to-transmit latency (owner thread only; a few instructions, no allocation): the
     * bucket by the position of the highest bit, and the sum. A negative latency (a clock step between) counts as 0.
     */
    public void latency(long ns) {
        long v = Math.max(0, ns);
        int log2 = 64 - Long.numberOfLeadingZeros(Math.max(1, v) - 1); // the smallest k with max(1, v) <= 2^k
        int b = Math.min(LATENCY_BUCKETS - 1, Math.max(0, log2 - LATENCY_MIN_LOG2));
        int i = PAD + LATENCY + b;
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + 1);
        int sum = PAD + LATENCY + LATENCY_BUCKETS;
        LONGS.setOpaque(values, sum, (long) LONGS.getOpaque(values, sum) + v);
    }

    /** Replies counted in latency bucket {@code b} alone (not cumulative; any thread). */
    public long latencyBucket(int b) {
        return (long) LONGS.getOpaque(values, PAD + LATENCY + b);
    }

    /** The sum of the latencies counted, ns (any thread). */
    public long latencySumNs() {
        return (long) LONGS.getOpaque(values, PAD + LATENCY + LATENCY_BUCKETS);
    }

    /**
     * Counts an authenticated request refused for {@code reason} (owner thread only); also counts it in
     * {@link Counter#DROPPED_AUTH} unless it was answered with an NTS NAK ({@link Counter#NTS_NAK}).
     */
    public void authFailure(AuthFailure reason, boolean answeredWithNak) {
        increment(answeredWithNak ? Counter.NTS_NAK : Counter.DROPPED_AUTH);
        int i = AUTH_FAILURES + reason.ordinal();
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + 1);
    }

    /** A recent count of authenticated requests refused for {@code reason} (any thread). */
    public long authFailureCount(AuthFailure reason) {
        return (long) LONGS.getOpaque(values, AUTH_FAILURES + reason.ordinal());
    }

    /** A recent value (any thread). */
    public long get(Counter c) {
        return (long) LONGS.getOpaque(values, PAD + c.ordinal());
    }
}
