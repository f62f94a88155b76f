package org.jntpd.xdp;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.jntpd.config.Config;
import org.jntpd.config.RestrictFlag;
import org.jntpd.config.RestrictRule;
import org.jntpd.server.AccessControl;
import org.jntpd.server.InterleavedTable;
import org.jntpd.server.RateLimiter;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerState;

/**
 * The raw path's one door into org.jntpd.server: the same {@link Responder}, {@link RateLimiter},
 * {@link AccessControl} and {@link InterleavedTable} the socket path serves with, built the way the socket server
 * builds them (one responder, limiter and counter set per worker; the restrict list and the interleaved table
 * shared), so both transports give the same answer to the same request. Everything the raw path needs from the
 * server package goes through here.
 */
public final class ServingLogic {
    /** {@link Responder} verdicts, re-exported so the worker names nothing of the server package. */
    public static final int NONE = Responder.NONE;
    public static final int REPLY = Responder.REPLY;
    public static final int CONTROL = Responder.CONTROL;

    private static final int RATE_TABLE_LOG2 = 16;
    private static final int INTERLEAVED_TABLE_LOG2 = 16;

    private final Responder responder;
    private final ServerCounters counters;
    private final InterleavedTable interleaved;
    private final Supplier<ServerState> state;

    private ServingLogic(Responder responder, ServerCounters counters, InterleavedTable interleaved,
            Supplier<ServerState> state) {
        this.responder = responder;
        this.counters = counters;
        this.interleaved = interleaved;
        this.state = state;
    }

    /** One logic per worker, as the socket server makes them (see {@code Server}): shared rules and table. */
    public static List<ServingLogic> forWorkers(int workers, Config.RateLimit rl, List<RestrictRule> restrictions,
            Supplier<ServerState> state) {
        AccessControl access = AccessControl.compile(restrictions);
        InterleavedTable interleaved = new InterleavedTable(INTERLEAVED_TABLE_LOG2);
        boolean anyLimited = rl.global() || restrictions.stream()
                .anyMatch(r -> r.flags().contains(RestrictFlag.LIMITED) || r.flags().contains(RestrictFlag.KOD));
        SplittableRandom seeds = new SplittableRandom();
        List<ServingLogic> out = new java.util.ArrayList<>();
        for (int w = 0; w < workers; w++) {
            RateLimiter limiter = anyLimited
                    ? new RateLimiter(RATE_TABLE_LOG2, rl.intervalLog2(), rl.burst(), rl.leak(), seeds.nextLong())
                    : null;
            ServerCounters counters = new ServerCounters();
            out.add(new ServingLogic(new Responder(access, limiter, rl.global(), interleaved, counters), counters,
                    interleaved, state));
        }
        return out;
    }

    /** The state to serve this batch with (a volatile read). */
    public ServerState current() {
        return state.get();
    }

    /** {@link Responder#respond}: the request at {@code rx}, the reply written at {@code tx}. */
    public int respond(MemorySegment rx, long rxOffset, int rxLength, long hi, long lo, int port, long rxUnixNs,
            ServerState current, MemorySegment tx, long txOffset) {
        return responder.respond(rx, rxOffset, rxLength, hi, lo, port, rxUnixNs, current, tx, txOffset);
    }

    public int replyLength() {
        return responder.replyLength;
    }

    public boolean needsTransmitTs() {
        return responder.needsTransmitTs;
    }

    public long interleaveKey() {
        return responder.interleaveKey;
    }

    /** Writes T3 into a basic reply; returns the value written. */
    public long stampTransmit(MemorySegment tx, long txOffset, long txNtp64) {
        return responder.stampTransmit(tx, txOffset, txNtp64);
    }

    /** Remembers when the reply whose receive timestamp was {@code key} left, for the client's next request. */
    public void rememberTransmit(long key, long txNtp64) {
        interleaved.put(key, txNtp64 & ~1L);
    }

    /** The NTP-level counters (received, replied, rate limited, malformed by reason ...). */
    public ServerCounters counters() {
        return counters;
    }
}
