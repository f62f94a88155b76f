package org.jntpd.server;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jntpd.auth.MacEngine;
import org.jntpd.nts.NtsServerCodec;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.ExtensionFieldCursor;
import org.jntpd.wire.Malformation;
import org.jntpd.wire.NtpPacket;
import org.jntpd.wire.NtpPacketValidator;

/**
 * Decides and builds the answer to one received packet (RFC 5905 server, chrony's interleaved mode), writing it into
 * a caller-owned buffer. Pure: no I/O, no clock reads, no allocation; one instance per worker, of any transport
 * ({@link ServerCore} makes them).
 *
 * <p>Order of checks: source port 0 is dropped (spoofed: nothing can be sent there); malformed bytes are counted by
 * reason and dropped; mode 7 is never answered; the client's
 * restrict flags decide ({@code ignore} drops everything; mode 6 goes to the control handler unless {@code noquery};
 * {@code noserve} refuses time, with a DENY kiss if {@code kod}); then the rate limit ({@code limited} or a global
 * {@code ratelimit}); then the reply. A reply is never longer than the request (48 bytes for a request of at least 48),
 * so the server cannot amplify.
 *
 * <p>Timestamps: receive = the kernel RX timestamp with its lowest bit set, transmit (basic mode) = written by the
 * worker just before the send with its lowest bit clear, as chrony marks them so that an interleaved request (whose
 * origin is one of our receive timestamps) is recognised without remembering every client. An interleaved reply
 * carries origin = the request's receive field and transmit = the kernel TX timestamp of our previous reply to it.
 *
 * <p>Authentication (after the rate limit, so that a flood costs no cryptography): an NTS request (RFC 8915) is opened
 * by this worker's {@link NtsServerCodec}, a request with a MAC verified by its {@link MacEngine}; a refusal is counted
 * by reason ({@link AuthFailure}) and dropped, except that a cookie or authenticator that fails gets an NTS NAK (a
 * kiss-o'-death "NTSN" echoing the Unique Identifier). An authentic request gets the header as any other (interleaved
 * mode included) and {@link #SEAL}: its header is authenticated, so the worker writes T3 and appends the
 * authenticator in one call, {@link #seal}, right away (before its next {@link #respond}: the codecs keep the
 * request's keys until then). Interleaved mode works as with plain replies: an interleaved reply's transmit time is
 * the kernel TX stamp of the previous one, known before sealing; a basic reply's T3 is read just before it is sealed,
 * and its kernel TX stamp, which includes the sealing time, is what the next interleaved reply carries (as chrony).
 */
public final class Responder {
    /** Nothing to send (the reason is counted). */
    public static final int NONE = 0;
    /** A reply was built; it needs its transmit timestamp ({@link #needsTransmitTs}). */
    public static final int REPLY = 1;
    /** The packet is a mode 6 request the control handler should answer (outside the hot loop). */
    public static final int CONTROL = 2;
    /** An authenticated reply's header is built: call {@link #seal} now, which makes it a {@link #REPLY}. */
    public static final int SEAL = 3;

    private static final int AUTH_NONE = 0;
    private static final int AUTH_NTS = 1;
    private static final int AUTH_MAC = 2;

    private final NtpPacket request = new NtpPacket();
    private final NtpPacket reply = new NtpPacket();
    private final ExtensionFieldCursor fields = new ExtensionFieldCursor();
    private final AccessControl access;
    private final RateLimiter limiter;
    private final boolean limitEveryone;
    private final InterleavedTable interleaved;
    private final ServerCounters counters;
    private final MacEngine mac; // null: no keys
    private final NtsServerCodec nts; // null: no NTS
    private int authMode;
    private int requestLength;
    private long requestRxUnixNs;

    /** Output of the last {@link #respond}: the reply length in bytes. */
    public int replyLength;
    /** Output: the worker must write T3 into the transmit field just before sending (basic mode). */
    public boolean needsTransmitTs;
    /** Output: our receive timestamp in the reply, to remember with its TX timestamp after the send; 0 = none. */
    public long interleaveKey;

    /**
     * @param limiter       this worker's rate limiter, or null when no limiting is configured anywhere
     * @param limitEveryone a {@code ratelimit} line applies the limiter to all clients (else only {@code limited} ones)
     */
    public Responder(AccessControl access, RateLimiter limiter, boolean limitEveryone, InterleavedTable interleaved,
            ServerCounters counters) {
        this(access, limiter, limitEveryone, interleaved, counters, null, null);
    }

    /**
     * @param mac this worker's MAC engine, or null when no keys are configured (keyed requests are dropped)
     * @param nts this worker's NTS codec, or null without NTS
     */
    public Responder(AccessControl access, RateLimiter limiter, boolean limitEveryone, InterleavedTable interleaved,
            ServerCounters counters, MacEngine mac, NtsServerCodec nts) {
        this.access = access;
        this.limiter = limiter;
        this.limitEveryone = limitEveryone;
        this.interleaved = interleaved;
        this.counters = counters;
        this.mac = mac;
        this.nts = nts;
    }

    /** This worker's rate limiter (its table is the recent-client list), or null when no limiting is configured. */
    public RateLimiter limiter() {
        return limiter;
    }

    /**
     * Handles the {@code rxLength} bytes at {@code rxOffset} of {@code rx} from client (hi, lo):port, received at
     * {@code rxUnixNs} (kernel timestamp on the served clock's timescale), writing any reply at {@code txOffset} of
     * {@code tx}.
     *
     * @param monoNs a CLOCK_MONOTONIC reading near the arrival (one per batch will do): the rate limiter measures the
     *               intervals between a client's requests on it. Never the served time: a step of that clock would make
     *               every client look too fast (a step back) or idle (a step forward).
     * @return {@link #NONE}, {@link #REPLY}, {@link #SEAL} or {@link #CONTROL}
     */
    public int respond(MemorySegment rx, long rxOffset, int rxLength, long hi, long lo, int port, long rxUnixNs,
            long monoNs, ServerState state, MemorySegment tx, long txOffset) {
        replyLength = 0;
        needsTransmitTs = false;
        interleaveKey = 0;
        authMode = AUTH_NONE;
        counters.increment(Counter.RECEIVED);
        if (port == 0) {
            // No reply can go to port 0 (the kernel refuses it), and no real client sends from it: a spoofed packet.
            counters.increment(Counter.DROPPED_PORT_ZERO);
            return NONE;
        }
        Malformation m = NtpPacketValidator.classify(rx, rxOffset, rxLength);
        if (!m.wellFormed()) {
            counters.malformed(m);
            return NONE;
        }
        if (m == Malformation.PRIVATE) {
            counters.increment(Counter.MODE7_DROPPED);
            return NONE;
        }
        int flags = access.flags(hi, lo, port);
        if ((flags & AccessControl.IGNORE) != 0) {
            counters.increment(Counter.DENIED);
            return NONE;
        }
        if (m == Malformation.CONTROL) {
            if ((flags & AccessControl.NOQUERY) != 0) {
                counters.increment(Counter.MODE6_DENIED);
                return NONE;
            }
            counters.increment(Counter.MODE6_RECEIVED);
            return CONTROL;
        }
        request.wrap(rx, rxOffset, rxLength);
        int mode = request.effectiveMode();
        int replyMode;
        if (mode == NtpPacket.MODE_CLIENT) {
            // NTPv1 peers sent from port 123 with mode 0: only a v1 client (another port) is answered, as chrony does.
            if (request.mode() == NtpPacket.MODE_RESERVED && port == 123) {
                counters.increment(Counter.DROPPED_MODE);
                return NONE;
            }
            replyMode = NtpPacket.MODE_SERVER;
        } else if (mode == NtpPacket.MODE_SYMMETRIC_ACTIVE && (flags & AccessControl.NOPEER) == 0) {
            replyMode = NtpPacket.MODE_SYMMETRIC_PASSIVE; // stateless passive answer, as chrony gives unknown peers
        } else {
            counters.increment(Counter.DROPPED_MODE); // responses and broadcasts are not for the server socket
            return NONE;
        }
        if ((flags & AccessControl.VERSION) != 0 && request.version() != NtpPacket.VERSION_4) {
            counters.increment(Counter.DROPPED_VERSION);
            return NONE;
        }
        if ((flags & AccessControl.NOSERVE) != 0) {
            counters.increment(Counter.DENIED);
            if ((flags & AccessControl.KOD) != 0 && limiter != null
                    && limiter.check(hi, lo, monoNs, true) != RateLimiter.DROP) {
                return kiss(NtpPacket.KISS_DENY, replyMode, tx, txOffset);
            }
            return NONE;
        }
        if (limiter != null && (limitEveryone || (flags & AccessControl.LIMITED) != 0)) {
            int verdict = limiter.check(hi, lo, port, rx.get(ValueLayout.JAVA_BYTE, rxOffset) & 0x3F, monoNs,
                    (flags & AccessControl.KOD) != 0);
            if (verdict != RateLimiter.ALLOW) {
                counters.increment(Counter.RATE_LIMITED);
                return verdict == RateLimiter.KOD ? kiss(NtpPacket.KISS_RATE, replyMode, tx, txOffset) : NONE;
            }
        }
        if (rxLength > NtpPacket.HEADER_LENGTH) {
            int verdict = authenticate(rx, rxOffset, rxLength, rxUnixNs, replyMode, tx, txOffset);
            if (verdict != SERVE) {
                return verdict; // a refusal (counted) or an NTS NAK
            }
        }
        return serve(replyMode, rxUnixNs, state, tx, txOffset);
    }

    /** {@link #authenticate}: go on and serve, authenticated as {@link #authMode} says (NONE: plain NTP). */
    private static final int SERVE = -1;

    /**
     * The authentication of a request longer than a header: {@link #SERVE}, {@link #NONE} (refused, counted) or
     * {@link #REPLY} (an NTS NAK built).
     */
    private int authenticate(MemorySegment rx, long rxOffset, int rxLength, long rxUnixNs, int replyMode,
            MemorySegment tx, long txOffset) {
        if (nts != null) {
            switch (nts.open(rx, rxOffset, rxLength, rxUnixNs)) {
                case NtsServerCodec.OK -> {
                    authMode = AUTH_NTS;
                    requestLength = rxLength;
                    requestRxUnixNs = rxUnixNs;
                    return SERVE;
                }
                case NtsServerCodec.NAK -> {
                    if (rxLength > tx.byteSize() - txOffset) { // the NAK (shorter than the request) might not fit
                        counters.authFailure(AuthFailure.SEAL_FAILED, false);
                        return NONE;
                    }
                    counters.authFailure(AuthFailure.ofNtsReason(nts.reason()), true);
                    kiss(NtsServerCodec.NAK_REFID, replyMode, tx, txOffset);
                    replyLength = nts.nak(tx, txOffset, NtpPacket.HEADER_LENGTH);
                    return REPLY;
                }
                case NtsServerCodec.DROP -> {
                    counters.authFailure(AuthFailure.ofNtsReason(nts.reason()), false);
                    return NONE;
                }
                default -> { } // not NTS: a MAC, other extension fields, or nothing of ours
            }
        }
        if (mac == null) {
            if (carriesMac(rx, rxOffset, rxLength)) {
                counters.authFailure(AuthFailure.MAC_NO_KEYS, false);
                return NONE;
            }
            return SERVE;
        }
        int verified = mac.verify(rx, rxOffset, rxLength);
        if (verified == MacEngine.OK) {
            authMode = AUTH_MAC;
            return SERVE;
        }
        if (verified == MacEngine.NO_MAC) {
            return SERVE;
        }
        counters.authFailure(AuthFailure.ofMacResult(verified), false);
        return NONE;
    }

    private boolean carriesMac(MemorySegment rx, long rxOffset, int rxLength) {
        fields.wrap(rx, rxOffset, rxLength);
        while (fields.next()) {
            // walk to the end: unknown extension fields are ignored, a MAC shows up after the last one
        }
        return fields.macLength() > 0;
    }

    private int serve(int replyMode, long rxUnixNs, ServerState state, MemorySegment tx, long txOffset) {
        reply.wrap(tx, txOffset, NtpPacket.HEADER_LENGTH);
        reply.replyTo(request, replyMode);
        reply.leap(state.leap())
                .stratum(state.stratum())
                .precisionLog2(state.precisionLog2())
                .rootDelay(state.rootDelayShort())
                .rootDispersion(state.rootDispersionShortAt(rxUnixNs))
                .refId(state.refId())
                .referenceTs(state.refTimeNtp64());
        long rxNtp64 = NtpTimestamp.fromUnixNs(rxUnixNs) | 1L;
        reply.receiveTs(rxNtp64);
        counters.increment(Counter.REPLIED);
        replyLength = NtpPacket.HEADER_LENGTH;
        // chrony's rule: a v4 request whose origin has the low bit set names one of our receive timestamps.
        long origin = request.originTs();
        boolean wantsInterleaved = request.version() == NtpPacket.VERSION_4 && (origin & 1L) != 0
                && request.receiveTs() != request.transmitTs();
        if (wantsInterleaved) {
            interleaveKey = rxNtp64;
            long previousTx = interleaved.txFor(origin);
            if (previousTx != 0) {
                interleaved.remove(origin); // a replayed request gets no second interleaved answer
                reply.originTs(request.receiveTs()).transmitTs(previousTx);
                counters.increment(Counter.INTERLEAVED);
                return authMode == AUTH_NONE ? REPLY : SEAL;
            }
        }
        needsTransmitTs = true;
        return authMode == AUTH_NONE ? REPLY : SEAL;
    }

    /** A kiss-o'-death: LI 3, stratum 0, the code as refid; all timestamps the request's transmit (as ntpd does). */
    private int kiss(int code, int replyMode, MemorySegment tx, long txOffset) {
        reply.wrap(tx, txOffset, NtpPacket.HEADER_LENGTH);
        reply.clearHeader();
        reply.replyTo(request, replyMode);
        long xmt = request.transmitTs();
        reply.leap(NtpPacket.LEAP_UNSYNCHRONIZED).stratum(NtpPacket.STRATUM_UNSPECIFIED).refId(code)
                .receiveTs(xmt).transmitTs(xmt);
        counters.increment(Counter.KOD_SENT);
        replyLength = NtpPacket.HEADER_LENGTH;
        return REPLY;
    }

    /**
     * Finishes the authenticated reply {@link #respond} just built at {@code txOffset} (it said {@link #SEAL}): writes
     * T3 = {@code txNtp64} when the reply needs one (as {@link #stampTransmit}), then appends the NTS fields or the MAC.
     * Returns {@link #REPLY} with {@link #replyLength} set (never more than the request's length), or {@link #NONE}
     * (counted) when it could not be sealed. Call it before the next {@link #respond}.
     */
    public int seal(MemorySegment tx, long txOffset, long txNtp64) {
        if (needsTransmitTs) {
            stampTransmit(tx, txOffset, txNtp64, interleaveKey);
            needsTransmitTs = false;
        }
        int length;
        if (authMode == AUTH_NTS) {
            // Padded to the request's length, or to the buffer when it is shorter (then with fewer cookies).
            int room = (int) Math.min(requestLength, tx.byteSize() - txOffset);
            length = nts.seal(tx, txOffset, NtpPacket.HEADER_LENGTH, room, requestRxUnixNs);
        } else if (authMode == AUTH_MAC) {
            length = mac.signLikeRequest(tx, txOffset, NtpPacket.HEADER_LENGTH);
        } else {
            length = -1;
        }
        if (length < 0) {
            counters.authFailure(AuthFailure.SEAL_FAILED, false);
            replyLength = 0;
            return NONE;
        }
        counters.increment(authMode == AUTH_NTS ? Counter.NTS_REPLIED : Counter.MAC_REPLIED);
        authMode = AUTH_NONE;
        replyLength = length;
        return REPLY;
    }

    /**
     * Writes the transmit timestamp of a basic-mode reply built earlier at {@code txOffset} (lowest bit clear, so it is
     * never mistaken for one of our receive timestamps) and returns the value written. A reply with an
     * {@code interleaveKey} (non-zero) is remembered with it until {@link #transmitted} brings the kernel's better one.
     */
    public long stampTransmit(MemorySegment tx, long txOffset, long txNtp64, long interleaveKey) {
        long value = txNtp64 & ~1L;
        reply.wrap(tx, txOffset, NtpPacket.HEADER_LENGTH).transmitTs(value);
        if (interleaveKey != 0) {
            interleaved.put(interleaveKey, value);
        }
        return value;
    }

    /**
     * The reply with {@code interleaveKey} left at {@code txUnixNs} (the kernel's TX timestamp, on the served clock's
     * timescale): the next interleaved reply to that client carries it as its transmit timestamp.
     */
    public void transmitted(long interleaveKey, long txUnixNs) {
        interleaved.put(interleaveKey, NtpTimestamp.fromUnixNs(txUnixNs) & ~1L);
    }
}
