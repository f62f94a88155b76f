package org.jntpd.server;

import java.util.List;
import java.util.SplittableRandom;
import org.jntpd.config.Config;
import org.jntpd.config.Location;
import org.jntpd.config.RestrictFlag;
import org.jntpd.config.RestrictRule;

/**
 * The serving logic every transport shares, built once from the configuration: one {@link AccessControl} and one
 * {@link InterleavedTable} for all workers, and per worker a {@link Responder} with a {@link RateLimiter} of its own
 * (the kernel hands one client's requests to one worker) and that worker's {@link ServerCounters}. Transport-free: a
 * worker gives its responder a request segment, the client address as two longs ({@link ClientAddress}), the port and
 * the RX timestamp, gets the reply written into a segment it owns, writes T3 ({@link Responder#stampTransmit}), sends,
 * and reports the kernel's TX timestamp ({@link Responder#transmitted}); an authenticated reply
 * ({@link Responder#SEAL}) is finished at once with {@link Responder#seal}, which writes T3 itself. Each responder
 * gets its own MAC engine and NTS codec from the {@link ServerAuth}. The socket transport is
 * {@code server.linux.ServerWorker}; any other (a raw ring) calls the same methods.
 */
public final class ServerCore {
    private final AccessControl access;
    private final InterleavedTable interleaved;
    private final Config.RateLimit rateLimit;
    private final boolean anyLimited;
    private final int rateEntriesLog2;
    private final Config.ClientLog clientLog;
    private final int workers;
    private final SplittableRandom seeds = new SplittableRandom();
    private final ServerAuth auth;

    /**
     * @param rateLimit    the {@code ratelimit} settings ({@code Config.Serving.rateLimit()})
     * @param restrictions the {@code restrict} lines in file order
     */
    public ServerCore(Config.RateLimit rateLimit, List<RestrictRule> restrictions) {
        this(rateLimit, restrictions, ServerAuth.NONE);
    }

    /** As above, answering keyed and NTS requests with {@code auth}'s keys, with the default client log, one worker. */
    public ServerCore(Config.RateLimit rateLimit, List<RestrictRule> restrictions, ServerAuth auth) {
        this(rateLimit, restrictions, auth, Config.ClientLog.DEFAULT, 1);
    }

    /**
     * As above, remembering as many clients as {@code clientLog} says: that many replies in the interleaved table all
     * workers share, and, when anything is rate limited, that many clients in the rate limiters, {@code workers} of
     * them sharing the count (the kernel spreads clients over the workers' sockets, so each sees its share).
     *
     * @throws IllegalArgumentException when the tables would take more than half the heap's cap (naming the line)
     */
    public ServerCore(Config.RateLimit rateLimit, List<RestrictRule> restrictions, ServerAuth auth,
            Config.ClientLog clientLog, int workers) {
        this.auth = auth;
        this.access = AccessControl.compile(restrictions);
        this.rateLimit = rateLimit;
        this.anyLimited = rateLimit.global() || restrictions.stream().anyMatch(r -> r.flags().contains(
                RestrictFlag.LIMITED) || r.flags().contains(RestrictFlag.KOD));
        this.rateEntriesLog2 = clientLog.rateEntriesLog2PerWorker(workers);
        this.clientLog = clientLog;
        this.workers = workers;
        checkFits(clientLog, tableBytes(clientLog, anyLimited, workers), Runtime.getRuntime().maxMemory());
        this.interleaved = new InterleavedTable(clientLog.entriesLog2());
    }

    /**
     * Refuses tables of more than half the heap's cap (bin/jntpd's is 64 MiB), naming the line: an OutOfMemoryError
     * at start would name nothing.
     */
    static void checkFits(Config.ClientLog clientLog, long tableBytes, long heapCapBytes) {
        if (tableBytes > heapCapBytes / 2) {
            throw new IllegalArgumentException(clientLog.location() + ": clientloglimit " + clientLog.limitBytes()
                    + " needs " + (tableBytes >> 20) + " MiB of tables, more than half the heap's cap of "
                    + (heapCapBytes >> 20) + " MiB: lower it, or raise the cap (JNTPD_JAVA_OPTS=-Xmx...)");
        }
    }

    /** What the tables of a server with {@code workers} take: the interleaved table, and the rate limiters if any. */
    public static long tableBytes(Config.ClientLog clientLog, boolean limited, int workers) {
        long interleaved = (long) Config.ClientLog.INTERLEAVED_ENTRY_BYTES << clientLog.entriesLog2();
        long rate = limited ? (long) Math.max(1, workers) * Config.ClientLog.RATE_ENTRY_BYTES
                << clientLog.rateEntriesLog2PerWorker(workers) : 0;
        return interleaved + rate;
    }

    /**
     * A responder for one worker thread, counting into {@code counters}: its own rate limiter (when any limiting is
     * configured), the shared access list and interleaved table. Called while setting up, not on a packet path.
     */
    public Responder newResponder(ServerCounters counters) {
        RateLimiter limiter = anyLimited ? new RateLimiter(rateEntriesLog2, rateLimit.intervalLog2(), rateLimit.burst(),
                rateLimit.leak(), seeds.nextLong()) : null;
        return new Responder(access, limiter, rateLimit.global(), interleaved, counters, auth.newMacEngine(),
                auth.newNtsCodec());
    }

    /** The tables' sizes, for the log: "clientloglimit 524288 (built-in): 4096 interleaved replies (96 KiB) ...". */
    public String describe() {
        String from = clientLog.location() == Location.BUILT_IN ? "default"
                : clientLog.location().toString();
        return "clientloglimit " + clientLog.limitBytes() + " (" + from + "): " + (1 << clientLog.entriesLog2())
                + " interleaved replies (" + ((long) Config.ClientLog.INTERLEAVED_ENTRY_BYTES << clientLog.entriesLog2()
                >> 10) + " KiB), " + (anyLimited ? workers + " rate limiter(s) of " + (1 << rateEntriesLog2)
                + " clients (" + ((long) Config.ClientLog.RATE_ENTRY_BYTES << rateEntriesLog2 >> 10) + " KiB each)"
                : "no rate limiter");
    }

    /** The compiled restrict list every responder shares (immutable: any thread may look up). */
    public AccessControl access() {
        return access;
    }

    /** The interleaved-mode table all responders share. */
    public InterleavedTable interleaved() {
        return interleaved;
    }
}
