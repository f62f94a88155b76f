package org.jntpd.server;

import java.lang.foreign.MemorySegment;
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
 * <p>Order of checks: malformed bytes are counted by reason and dropped; mode 7 is never answered; the client's
 * restrict flags decide ({@code ignore} drops everything; mode 6 goes to the control handler unless {@code noquery};
 * {@code noserve} refuses time, with a DENY kiss if {@code kod}); then the rate limit ({@code limited} or a global
 * {@code ratelimit}); then the reply. A reply is never longer than the request (48 bytes for a request of at least 48),
 * so the server cannot amplify.
 *
 * <p>Timestamps: receive = the kernel RX timestamp with its lowest bit set, transmit (basic mode) = written by the
 * worker just before the send with its lowest bit clear, as chrony marks them so that an interleaved request (whose
 * origin is one of our receive timestamps) is recognised without remembering every client. An interleaved reply
 * carries origin = the request's receive field and transmit = the kernel TX timestamp of our previous reply to it.
 */
public final class Responder {
    /** Nothing to send (the reason is counted). */
    public static final int NONE = 0;
    /** A reply was built; it needs its transmit timestamp ({@link #needsTransmitTs}). */
    public static final int REPLY = 1;
    /** The packet is a mode 6 request the control handler should answer (outside the hot loop). */
    public static final int CONTROL = 2;

    private final NtpPacket request = new NtpPacket();
    private final NtpPacket reply = new NtpPacket();
    private final ExtensionFieldCursor fields = new ExtensionFieldCursor();
    private final AccessControl access;
    private final RateLimiter limiter;
    private final boolean limitEveryone;
    private final InterleavedTable interleaved;
    private final ServerCounters counters;

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
        this.access = access;
        this.limiter = limiter;
        this.limitEveryone = limitEveryone;
        this.interleaved = interleaved;
        this.counters = counters;
    }

    /**
     * Handles the {@code rxLength} bytes at {@code rxOffset} of {@code rx} from client (hi, lo):port, received at
     * {@code rxUnixNs} (kernel timestamp on the served clock's timescale), writing any reply at {@code txOffset} of
     * {@code tx}.
     *
     * @return {@link #NONE}, {@link #REPLY} or {@link #CONTROL}
     */
    public int respond(MemorySegment rx, long rxOffset, int rxLength, long hi, long lo, int port, long rxUnixNs,
            ServerState state, MemorySegment tx, long txOffset) {
        replyLength = 0;
        needsTransmitTs = false;
        interleaveKey = 0;
        counters.increment(Counter.RECEIVED);
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
                    && limiter.check(hi, lo, rxUnixNs, true) != RateLimiter.DROP) {
                return kiss(NtpPacket.KISS_DENY, replyMode, tx, txOffset);
            }
            return NONE;
        }
        if (limiter != null && (limitEveryone || (flags & AccessControl.LIMITED) != 0)) {
            int verdict = limiter.check(hi, lo, rxUnixNs, (flags & AccessControl.KOD) != 0);
            if (verdict != RateLimiter.ALLOW) {
                counters.increment(Counter.RATE_LIMITED);
                return verdict == RateLimiter.KOD ? kiss(NtpPacket.KISS_RATE, replyMode, tx, txOffset) : NONE;
            }
        }
        if (rxLength > NtpPacket.HEADER_LENGTH && carriesMac(rx, rxOffset, rxLength)) {
            counters.increment(Counter.DROPPED_AUTH); // symmetric keys and NTS are answered by the auth layer, not here
            return NONE;
        }
        return serve(replyMode, rxUnixNs, state, tx, txOffset);
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
                return REPLY;
            }
        }
        needsTransmitTs = true;
        return REPLY;
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
