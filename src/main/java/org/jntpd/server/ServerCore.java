package org.jntpd.server;

import java.util.List;
import java.util.SplittableRandom;
import org.jntpd.config.Config;
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
    private static final int RATE_TABLE_LOG2 = 16;
    private static final int INTERLEAVED_TABLE_LOG2 = 16;

    private final AccessControl access;
    private final InterleavedTable interleaved;
    private final Config.RateLimit rateLimit;
    private final boolean anyLimited;
    private final SplittableRandom seeds = new SplittableRandom();
    private final ServerAuth auth;

    /**
     * @param rateLimit    the {@code ratelimit} settings ({@code Config.Serving.rateLimit()})
     * @param restrictions the {@code restrict} lines in file order
     */
    public ServerCore(Config.RateLimit rateLimit, List<RestrictRule> restrictions) {
        this(rateLimit, restrictions, ServerAuth.NONE);
    }

    /** As above, answering keyed and NTS requests with {@code auth}'s keys. */
    public ServerCore(Config.RateLimit rateLimit, List<RestrictRule> restrictions, ServerAuth auth) {
        this(rateLimit, restrictions, auth, INTERLEAVED_TABLE_LOG2);
    }

    /**
     * As above, with an interleaved table of 2^{@code interleavedLog2} replies (the server's remembers 65536 in 1.5 MiB
     * of heap; the serving warm-up's need not: its table is garbage after it, and old-generation garbage that stays
     * resident until a full collection).
     */
    public ServerCore(Config.RateLimit rateLimit, List<RestrictRule> restrictions, ServerAuth auth, int interleavedLog2) {
        this.auth = auth;
        this.interleaved = new InterleavedTable(interleavedLog2);
        this.access = AccessControl.compile(restrictions);
        this.rateLimit = rateLimit;
        this.anyLimited = rateLimit.global() || restrictions.stream().anyMatch(r -> r.flags().contains(
                RestrictFlag.LIMITED) || r.flags().contains(RestrictFlag.KOD));
    }

    /**
     * A responder for one worker thread, counting into {@code counters}: its own rate limiter (when any limiting is
     * configured), the shared access list and interleaved table. Called while setting up, not on a packet path.
     */
    public Responder newResponder(ServerCounters counters) {
        RateLimiter limiter = anyLimited ? new RateLimiter(RATE_TABLE_LOG2, rateLimit.intervalLog2(), rateLimit.burst(),
                rateLimit.leak(), seeds.nextLong()) : null;
        return new Responder(access, limiter, rateLimit.global(), interleaved, counters, auth.newMacEngine(),
                auth.newNtsCodec());
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
