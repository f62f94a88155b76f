package org.jntpd.xdp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.config.Config;
import org.jntpd.config.RestrictRule;
import org.jntpd.server.RateLimiter;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.ServerCore;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateSource;

/**
 * The raw path's one door into org.jntpd.server: per worker a {@link Responder} from the transport-free
 * {@link ServerCore} the socket path uses too (the same restrict list, rate limiter settings and interleaved table
 * rules), so both transports give the same answer to the same request. Everything the raw path needs from the server
 * package goes through here.
 */
public final class ServingLogic {
    /** {@link Responder} verdicts, re-exported so the worker names nothing of the server package. */
    public static final int NONE = Responder.NONE;
    public static final int REPLY = Responder.REPLY;
    public static final int CONTROL = Responder.CONTROL;
    /** An authenticated reply to finish at once with {@link #seal}. */
    public static final int SEAL = Responder.SEAL;

    private final Responder responder;
    private final ServerCounters counters;
    private final ServerStateSource state;

    private ServingLogic(Responder responder, ServerCounters counters, ServerStateSource state) {
        this.responder = responder;
        this.counters = counters;
        this.state = state;
    }

    /** One logic per worker from one {@link ServerCore}: shared rules and interleaved table, a limiter each. */
    public static List<ServingLogic> forWorkers(int workers, Config.RateLimit rl, List<RestrictRule> restrictions,
            ServerStateSource state) {
        return forWorkers(workers, rl, restrictions, state, ServerAuth.NONE);
    }

    /** As above, answering keyed and NTS requests with {@code auth} (a MAC engine and NTS codec per worker). */
    public static List<ServingLogic> forWorkers(int workers, Config.RateLimit rl, List<RestrictRule> restrictions,
            ServerStateSource state, ServerAuth auth) {
        return forWorkers(workers, rl, Config.ClientLog.DEFAULT, restrictions, state, auth);
    }

    /** As above, with the client tables {@code clientLog} sizes (the rate limiters' share of it divided among them). */
    public static List<ServingLogic> forWorkers(int workers, Config.RateLimit rl, Config.ClientLog clientLog,
            List<RestrictRule> restrictions, ServerStateSource state, ServerAuth auth) {
        ServerCore core = new ServerCore(rl, restrictions, auth, clientLog, workers);
        List<ServingLogic> out = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            ServerCounters counters = new ServerCounters();
            out.add(new ServingLogic(core.newResponder(counters), counters, state));
        }
        return out;
    }

    /** The state to serve this batch with (a volatile read). */
    public ServerState current() {
        return state.current();
    }

    /**
     * {@link Responder#respond}: the request at {@code rx}, the reply written at {@code tx}; {@code monoNs} is a
     * CLOCK_MONOTONIC reading of the batch (the rate limiter's time).
     */
    public int respond(MemorySegment rx, long rxOffset, int rxLength, long hi, long lo, int port, long rxUnixNs,
            long monoNs, ServerState current, MemorySegment tx, long txOffset) {
        return responder.respond(rx, rxOffset, rxLength, hi, lo, port, rxUnixNs, monoNs, current, tx, txOffset);
    }

    /** {@link Responder#seal}: T3 (when needed) and the authenticator of the reply {@link #respond} just built. */
    public int seal(MemorySegment tx, long txOffset, long txNtp64) {
        return responder.seal(tx, txOffset, txNtp64);
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

    /** Writes T3 into a basic reply (remembered for interleaved mode under {@code interleaveKey} when non-zero). */
    public long stampTransmit(MemorySegment tx, long txOffset, long txNtp64, long interleaveKey) {
        return responder.stampTransmit(tx, txOffset, txNtp64, interleaveKey);
    }

    /** The reply with {@code interleaveKey} left at {@code txUnixNs}: an interleaved reply's TX time is remembered. */
    public void transmitted(long interleaveKey, long txUnixNs) {
        responder.transmitted(interleaveKey, txUnixNs);
    }

    /**
     * This worker's rate limiter, whose table is its part of the recent-client list (mrulist reads it with
     * {@link RateLimiter#forEachClient} from the mode 6 thread); null when no limiting is configured.
     */
    public RateLimiter limiter() {
        return responder.limiter();
    }

    /** The NTP-level counters (received, replied, rate limited, malformed by reason ...). */
    public ServerCounters counters() {
        return counters;
    }
}
