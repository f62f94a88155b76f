package org.jntpd.proto;

import java.util.random.RandomGenerator;
import org.jntpd.sync.ClockStepListener;
import org.jntpd.sync.PollPolicy;
import org.jntpd.sync.Sample;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceState;
import org.jntpd.sync.SystemState;
import org.jntpd.time.Dispersion;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.time.Units;
import org.jntpd.wire.NtpPacket;

/**
 * One NTP association (RFC 5905): a client of a server, or one side of a symmetric peering. A pure state machine:
 * the daemon calls {@link #poll} when the local clock reaches {@link #nextPollNs()} and sends the request it wrote
 * into the caller's {@link NtpPacket}, calls {@link #receive} with each packet from the peer's address (the same
 * flyweight over the received bytes, validated by {@link org.jntpd.wire.NtpPacketValidator}), and carries out the
 * action flags returned ({@link #SEND}, {@link #SAMPLE}, {@link #DEMOBILISE}, {@link #REPLACE}). Nothing here does
 * I/O, reads a clock or allocates per packet.
 *
 * <p>It keeps the reachability register, bursts (iburst/burst), the poll interval between minpoll and maxpoll
 * (from {@link PollPolicy}, drawn from [1, 1 + 1/16) of it and, for a client, counted from the reply; backed off while
 * unanswered and on KoD RATE), and the on-wire
 * protocol: the raw transmit value of the outstanding request and its local send time are kept apart, so a client
 * request can carry a random cookie (chrony's data minimisation) and a later kernel TX timestamp can replace the
 * send time ({@link #transmitted}). Valid replies become {@link Sample}s for the association's {@link Source}.
 *
 * <p>A broadcast client ({@link #broadcastClient}, RFC 5905 mode 5, ntpd's ephemeral association) first calibrates:
 * {@link #CALIBRATION_EXCHANGES} client requests to the broadcast server, whose least round-trip delay becomes the
 * broadcast path's delay (ntpd's volley; a fixed {@code broadcastdelay} replaces it, and ntpd's 4 ms default stands
 * in when no reply comes); then every broadcast gives the sample offset = T3 + delay / 2 - T4, since a broadcast
 * carries only its transmit time, with the scatter of the broadcasts' timing as its dispersion
 * ({@link #oneWayScatterNs}). A broadcast no later than the last one is a replay and is dropped.
 */
public final class Association implements ClockStepListener {
    /** {@link #poll}: the request written into the caller's {@link NtpPacket} is to be sent now. */
    public static final int SEND = 1;
    /** {@link #receive}: the source accepted a sample; run {@code Synchroniser.update}. */
    public static final int SAMPLE = 2;
    /** Remove this association and its source. */
    public static final int DEMOBILISE = 4;
    /** With DEMOBILISE, for a pool member: mobilise another of the pool's addresses. */
    public static final int REPLACE = 8;
    /**
     * {@link #receive}: no sample, but what selection sees of the source changed (it answered unsynchronised); run
     * {@code Synchroniser.update} so that the status says so and the source is no longer used.
     */
    public static final int RESELECT = 16;

    static final int BURST_COUNT = 8;
    static final long BURST_SPACING_NS = 2_000_000_000L;
    /**
     * Every this many unanswered polls in a row the poll interval doubles, up to maxpoll: a server gone for a day
     * costs about 90 requests (it cost 340 at the former cap of minpoll + 2), which is what chronyd sends too.
     */
    static final int MISSES_PER_BACKOFF = 4;
    /**
     * While a spike is unconfirmed, a client asks again after this fraction of the interval to its next poll, and the
     * intervals after it give the time back ({@link #CONFIRM_REPAY_DIVISOR}): the same packets, but a step of the
     * server (two spikes that agree) is taken within a fraction of a poll instead of a whole one.
     */
    static final int SPIKE_CONFIRM_DIVISOR = 8;
    /**
     * The time an early confirmation took is added back to the following intervals, at most this fraction of each
     * (a quarter: the samples just after a step, while the estimate settles, do not wait almost twice as long).
     */
    static final int CONFIRM_REPAY_DIVISOR = 4;
    /**
     * A new association's source counts as pending (its first answer awaited) until this many requests in a row went
     * unanswered, burst requests counted one by one: with iburst a dead server stops holding the others back after
     * about 4 s (chronyd: 4 s), without it after two polls (chronyd needs three samples then too).
     */
    static final int PENDING_REQUESTS = 2;
    /** A pool member or passive peer unreachable (or a pool member a falseticker) for this many polls is dropped. */
    static final int POLLS_TO_DROP = 8;
    static final int MAX_VERSION = 4;
    /** Client exchanges a broadcast client makes to measure the path's delay (ntpd's calibration volley). */
    public static final int CALIBRATION_EXCHANGES = 4;
    /**
     * The round-trip delay a broadcast path is taken to have when the calibration got no reply (a server that refuses
     * client requests): ntpd's documented default {@code broadcastdelay} of 0.004 s.
     */
    public static final long DEFAULT_BROADCAST_DELAY_NS = 4_000_000L;
    /** Memory of the broadcasts' scatter, in broadcasts. */
    static final int SCATTER_MEMORY = 8;
    private static final int INIT_REFID = NtpPacket.REFID_INIT;

    private final AssociationConfig cfg;
    private final Source source;
    private final RandomGenerator random;
    private final Sample sample = new Sample();

    private int reach;
    private int pollLog2;
    private int minPollLog2;
    private int peerPollLog2;
    private long nextPollNs;
    private int burstRemaining;
    /** Time a spike's early confirmation took from the interval after it, ns: added to the next interval. */
    private long confirmBorrowedNs;
    /** {@link #burstNow} was called: the next poll starts a burst. */
    private boolean burstRequested;
    private boolean answeredSincePoll = true;
    private boolean answeredSinceRequest = true;
    private int unansweredRequests;
    private int missedPolls;
    private int unreachablePolls;
    private int falsetickerPolls;
    private boolean demobilised;
    private String demobiliseReason;

    private boolean awaiting;
    private long xmtNtp64;
    private long xmtLocalNs;
    /** The local time {@link #poll} wrote the outstanding request at: where its {@link #nextPollNs} was counted from. */
    private long requestNs;
    private long lastRxTransmitNtp64;
    /**
     * Client interleaved mode (chrony's xleave): the previous exchange, whose server TX time an interleaved reply
     * delivers. {@code prevServerRxNtp64} is the server's receive timestamp of our previous request (sent back as our
     * origin), {@code prevRxLocalNs} our receive time of its reply (sent as our receive field, which an interleaved
     * reply echoes as its origin), {@code prevTxLocalNs} our send time of that request. 0 = none.
     */
    private long prevServerRxNtp64;
    private long prevRxLocalNs;
    private long prevTxLocalNs;
    private long sentReceiveNtp64;
    /** Symmetric modes: the peer's last transmit timestamp (our next origin) and our receive time of it. */
    private long peerXmtNtp64;
    private long peerRxLocalNs;

    /** Broadcast client: calibration requests still to send; whether the path's delay is known, and that delay. */
    private int calibrationLeft;
    private boolean calibrated;
    private long broadcastDelayNs;
    /** The least round-trip delay of the calibration replies so far; Long.MAX_VALUE = none yet. */
    private long calibrationMinDelayNs = Long.MAX_VALUE;
    /** The transmit timestamp of the last broadcast taken (replays and reordered packets are older). */
    private long lastBroadcastNtp64;
    /**
     * Broadcast client: the apparent one-way delay (T4 - T3, ns) of the last broadcast taken, whether there was one,
     * and the mean and mean square of the change from one to the next ({@link #oneWayScatterNs}), ns and ns^2.
     */
    private long lastOneWayNs;
    private boolean oneWaySeen;
    private double oneWayChangeMeanNs;
    private double oneWayChangeSquareNs2;
    private int oneWayChanges;

    private PacketVerdict lastVerdict;
    private long lastOffsetNs;
    private long lastDelayNs;
    private boolean lastInterleaved;
    private long sent;
    private long received;

    /** An association that polls first at {@code nowNs} (client or symmetric active). */
    public Association(AssociationConfig cfg, Source source, RandomGenerator random, long nowNs) {
        this.cfg = cfg;
        this.source = source;
        this.random = random;
        this.minPollLog2 = cfg.minPollLog2();
        this.pollLog2 = cfg.minPollLog2();
        this.peerPollLog2 = cfg.maxPollLog2();
        this.nextPollNs = nowNs;
        source.setPending(true);
    }

    /**
     * The server side of symmetric peering: a passive association mobilised by a symmetric-active packet from an
     * unknown peer (after the daemon's access and authentication checks). It answers at once and then polls.
     */
    public static Association passive(AssociationConfig cfg, Source source, RandomGenerator random, NtpPacket first,
            long rxNs) {
        Association a = new Association(cfg.withMode(AssociationConfig.Mode.SYMMETRIC_PASSIVE), source, random, rxNs);
        a.peerXmtNtp64 = first.transmitTs();
        a.peerRxLocalNs = rxNs;
        a.peerPollLog2 = first.pollLog2();
        return a;
    }

    /**
     * A broadcast client association mobilised by {@code first}, a broadcast (mode 5) packet from a server with no
     * association yet (after the daemon's access and authentication checks), received at {@code rxNs}; hand that
     * packet to {@link #receive} next. {@code fixedDelayNs} > 0 is {@code broadcastdelay}: the path's round-trip
     * delay, and no calibration; 0 calibrates first: {@link #poll} is due at once and sends client requests.
     */
    public static Association broadcastClient(AssociationConfig cfg, Source source, RandomGenerator random,
            long fixedDelayNs, NtpPacket first, long rxNs) {
        Association a = new Association(cfg.withMode(AssociationConfig.Mode.BROADCAST_CLIENT), source, random, rxNs);
        a.peerPollLog2 = Math.clamp(first.pollLog2(), 0, AssociationConfig.MAX_POLL_LIMIT);
        a.pollLog2 = a.peerPollLog2;
        if (fixedDelayNs > 0) {
            a.calibrated = true;
            a.broadcastDelayNs = fixedDelayNs;
            a.nextPollNs = rxNs + a.broadcastIntervalNs();
        } else {
            a.calibrationLeft = CALIBRATION_EXCHANGES;
        }
        return a;
    }

    /** Broadcast client: whether the path's delay is known (calibrated, or fixed by broadcastdelay). */
    public boolean calibrated() {
        return calibrated;
    }

    /** Broadcast client: the round-trip delay the broadcasts are corrected by (half of it each), 0 until calibrated. */
    public long broadcastDelayNs() {
        return broadcastDelayNs;
    }

    public AssociationConfig config() {
        return cfg;
    }

    public Source source() {
        return source;
    }

    /** Whether a burst is under way or asked for (iburst, burst, {@link #burstNow}): jntpc activity. */
    public boolean inBurst() {
        return !demobilised && (burstRemaining > 0 || burstRequested);
    }

    /** jntpc burst (chronyc's): a burst of requests now, then the usual polls. */
    public void burstNow(long nowNs) {
        if (!demobilised) {
            burstRequested = true;
            nextPollNs = nowNs;
        }
    }

    /** Local time (ns) at which {@link #poll} is due; Long.MAX_VALUE once demobilised. */
    public long nextPollNs() {
        return demobilised ? Long.MAX_VALUE : nextPollNs;
    }

    /**
     * Time to poll: writes the 48-byte header of the request into {@code request} (every field) and returns
     * {@link #SEND}, or returns {@link #DEMOBILISE} (with {@link #REPLACE} for a pool member) and writes nothing when
     * the association should go. {@code sys} supplies this host's state for symmetric packets. The request's send
     * time is taken as {@code nowNs} until {@link #transmitted} gives a closer one.
     */
    public int poll(long nowNs, NtpPacket request, SystemState sys) {
        if (demobilised) {
            return 0;
        }
        if (cfg.mode() == AssociationConfig.Mode.BROADCAST_CLIENT) {
            return pollBroadcast(nowNs, request, sys);
        }
        if (burstRemaining == 0) {
            int drop = startPoll();
            if (drop != 0) {
                return drop;
            }
            boolean reachable = reach != 0;
            if (burstRequested || (reachable ? cfg.burst() : cfg.iburst())) {
                burstRemaining = BURST_COUNT;
            }
            burstRequested = false;
        }
        if (burstRemaining > 0) {
            burstRemaining--;
        }
        if (!answeredSinceRequest && ++unansweredRequests >= PENDING_REQUESTS) {
            source.setPending(false);
        }
        answeredSinceRequest = false;
        fillRequest(nowNs, request, sys);
        requestNs = nowNs;
        // Burst packets 2 s apart, or closer when even minpoll is shorter (chrony: "2 seconds or less").
        long minPollNs = Units.log2ToNs(minPollLog2);
        nextPollNs = burstRemaining > 0 ? nowNs + Math.min(BURST_SPACING_NS, minPollNs) : nowNs + randomisedIntervalNs();
        if (burstRemaining == 0 && confirmBorrowedNs > 0) {
            // A spike's confirmation came early: the intervals after it give the time back.
            long repayNs = Math.min(confirmBorrowedNs, (nextPollNs - nowNs) / CONFIRM_REPAY_DIVISOR);
            nextPollNs += repayNs;
            confirmBorrowedNs -= repayNs;
        }
        sent++;
        return SEND;
    }

    /**
     * A broadcast client's timer: a calibration request while some are left (2 s apart, as a burst), then the end of
     * the calibration, then once per broadcast interval (a little longer) the reachability bookkeeping: no packet.
     */
    private int pollBroadcast(long nowNs, NtpPacket request, SystemState sys) {
        if (calibrationLeft > 0) {
            calibrationLeft--;
            answeredSinceRequest = false;
            fillRequest(nowNs, request, sys);
            requestNs = nowNs;
            nextPollNs = nowNs + Math.min(BURST_SPACING_NS, Units.log2ToNs(minPollLog2));
            sent++;
            return SEND;
        }
        if (!calibrated) {
            calibrated = true;
            awaiting = false;
            broadcastDelayNs = calibrationMinDelayNs != Long.MAX_VALUE ? calibrationMinDelayNs : DEFAULT_BROADCAST_DELAY_NS;
            source.setPending(false);
        }
        int drop = startPoll();
        pollLog2 = peerPollLog2;
        nextPollNs = nowNs + broadcastIntervalNs();
        return drop;
    }

    /** The server's broadcast interval and 1/16 more: a broadcast a little late still counts for its interval. */
    private long broadcastIntervalNs() {
        long base = Units.log2ToNs(peerPollLog2);
        return base + base / 16;
    }

    /** Bookkeeping at the start of each regular poll; returns DEMOBILISE(|REPLACE) when the association is to go. */
    private int startPoll() {
        if (answeredSincePoll) {
            missedPolls = 0;
        } else if (++missedPolls % MISSES_PER_BACKOFF == 0) {
            pollLog2 = Math.max(pollLog2, Math.min(pollLog2 + 1, cfg.maxPollLog2()));
        }
        answeredSincePoll = false;
        reach = (reach << 1) & 0xFF;
        if (reach == 0) {
            source.setReachable(false);
            unreachablePolls++;
        }
        falsetickerPolls = source.state() == SourceState.FALSETICKER ? falsetickerPolls + 1 : 0;
        boolean ephemeral = cfg.mode() == AssociationConfig.Mode.SYMMETRIC_PASSIVE
                || cfg.mode() == AssociationConfig.Mode.BROADCAST_CLIENT;
        if ((cfg.pool() || ephemeral) && unreachablePolls >= POLLS_TO_DROP) {
            return demobilise((source.everReachable() ? "unreachable for " : "no answer to ") + unreachablePolls + " polls");
        }
        if (cfg.pool() && falsetickerPolls >= POLLS_TO_DROP) {
            return demobilise("a falseticker for " + falsetickerPolls + " polls");
        }
        return 0;
    }

    private int demobilise(String reason) {
        demobiliseReason = reason;
        demobilised = true;
        awaiting = false;
        source.setReachable(false);
        return DEMOBILISE | (cfg.pool() ? REPLACE : 0);
    }

    private long randomisedIntervalNs() {
        int poll = pollLog2;
        if (cfg.mode() != AssociationConfig.Mode.CLIENT && reach != 0) {
            poll = Math.max(minPollLog2, Math.min(poll, peerPollLog2)); // symmetric: the shorter of both
        }
        long base = Units.log2ToNs(poll); // chrony allows down to 1/64 s
        // ntpd's law, [1, 1 + 1/16) of the interval: many clients started together do not stay in step, and never
        // shorter than the interval, so no more requests than chronyd (which waits [1, 1.02) of it).
        return base + (long) (random.nextDouble() * base / 16);
    }

    private void fillRequest(long nowNs, NtpPacket p, SystemState sys) {
        long transmit;
        if (cfg.mode().wireMode == NtpPacket.MODE_CLIENT) {
            // Client data minimisation: nothing but version, mode, poll and an unpredictable transmit cookie.
            long cookie;
            do {
                cookie = random.nextLong();
            } while (cookie == 0);
            long origin = 0;
            long receive = 0;
            if (cfg.xleave() && prevServerRxNtp64 != 0 && prevRxLocalNs != 0) {
                // Interleaved request: origin names the server's receive timestamp of our last exchange, receive
                // carries our receive time of its reply (an interleaved answer echoes it as origin).
                origin = prevServerRxNtp64;
                receive = NtpTimestamp.fromUnixNs(prevRxLocalNs);
                if (receive == cookie) {
                    cookie ^= 1; // the server tells interleaved requests by receive != transmit
                }
            }
            sentReceiveNtp64 = receive;
            transmit = cookie;
            p.leapVersionMode(0, cfg.version(), NtpPacket.MODE_CLIENT).stratum(0).pollLog2(pollLog2).precisionLog2(0)
                    .rootDelay(0).rootDispersion(0).refId(0).referenceTs(0).originTs(origin).receiveTs(receive);
        } else {
            // RFC 5905 7.3: stratum 16 (unsynchronised) goes on the wire as 0.
            boolean synced = sys.synced() && sys.stratum() < NtpPacket.STRATUM_UNSYNCHRONIZED;
            long receive = peerRxLocalNs == 0 ? 0 : NtpTimestamp.fromUnixNs(peerRxLocalNs);
            transmit = NtpTimestamp.fromUnixNs(nowNs);
            p.leapVersionMode(synced ? sys.leapIndicator() : NtpPacket.LEAP_UNSYNCHRONIZED, cfg.version(),
                    cfg.mode().wireMode)
                    .stratum(synced ? sys.stratum() : NtpPacket.STRATUM_UNSPECIFIED).pollLog2(pollLog2)
                    .precisionLog2(sys.precisionLog2())
                    .rootDelay(synced ? sys.rootDelayShort() : 0).rootDispersion(synced ? sys.rootDispersionShort(nowNs) : 0)
                    .refId(synced ? sys.refId() : INIT_REFID).referenceTs(sys.referenceNtp64()).originTs(peerXmtNtp64)
                    .receiveTs(receive);
        }
        p.transmitTs(transmit);
        xmtNtp64 = transmit;
        xmtLocalNs = nowNs;
        awaiting = true;
    }

    /**
     * A closer send time for the request whose transmit field was {@code xmtNtp64} than the one {@link #poll}
     * recorded: the clock read just before the send, then the kernel's TX timestamp when one comes. Ignored unless
     * that request is still outstanding.
     */
    public void transmitted(long xmtNtp64, long txNs) {
        if (awaiting && xmtNtp64 == this.xmtNtp64) {
            xmtLocalNs = txNs;
        }
    }

    /**
     * A packet from this association's peer, its header in {@code p} (read in place, not kept), received at local
     * time {@code rxNs}. Returns {@link #SAMPLE} when the source accepted a new sample, {@link #RESELECT} when it
     * answered unsynchronised (the first time), DEMOBILISE(|REPLACE) on KoD DENY/RSTR, else 0; {@link #lastVerdict()}
     * says why.
     */
    public int receive(NtpPacket p, long rxNs) {
        if (demobilised) {
            return verdict(PacketVerdict.DEMOBILISED, 0);
        }
        received++;
        // Each header field read once, in place (NTPv1's mode 0 reads as a client request, as the server takes it).
        int mode = p.effectiveMode();
        int version = p.version();
        long transmitNtp64 = p.transmitTs();
        long originNtp64 = p.originTs();
        long receiveNtp64 = p.receiveTs();
        int stratum = p.stratum();
        int refId = p.refId();
        int leap = p.leap();
        int peerPoll = p.pollLog2();
        boolean broadcast = cfg.mode() == AssociationConfig.Mode.BROADCAST_CLIENT;
        // A broadcast client's calibration replies are a client's.
        boolean client = cfg.mode() == AssociationConfig.Mode.CLIENT || broadcast && mode == NtpPacket.MODE_SERVER;
        boolean modeOk = client ? mode == NtpPacket.MODE_SERVER
                : broadcast ? mode == NtpPacket.MODE_BROADCAST
                : mode == NtpPacket.MODE_SYMMETRIC_ACTIVE || mode == NtpPacket.MODE_SYMMETRIC_PASSIVE;
        if (!modeOk || version < 1 || version > MAX_VERSION) {
            return verdict(PacketVerdict.INVALID_MODE, 0);
        }
        if (transmitNtp64 == 0) {
            return verdict(PacketVerdict.INVALID_TIMESTAMPS, 0);
        }
        if (broadcast && !client) {
            return receiveBroadcast(p, rxNs, transmitNtp64, stratum, refId, leap, peerPoll);
        }
        boolean interleavedReply = false;
        if (client) {
            interleavedReply = cfg.xleave() && sentReceiveNtp64 != 0 && originNtp64 == sentReceiveNtp64;
            if (!awaiting || originNtp64 != xmtNtp64 && !interleavedReply) {
                return verdict(transmitNtp64 == lastRxTransmitNtp64 ? PacketVerdict.DUPLICATE : PacketVerdict.BOGUS, 0);
            }
            lastRxTransmitNtp64 = transmitNtp64;
        } else {
            if (transmitNtp64 == peerXmtNtp64) {
                return verdict(PacketVerdict.DUPLICATE, 0);
            }
            boolean originOk = awaiting && originNtp64 == xmtNtp64;
            // Whatever else, the peer's transmitNtp64 time is the originNtp64 of our next packet (resynchronises the exchange).
            peerXmtNtp64 = transmitNtp64;
            peerRxLocalNs = rxNs;
            peerPollLog2 = peerPoll;
            if (!originOk) {
                return verdict(PacketVerdict.BOGUS, 0);
            }
        }
        awaiting = false;
        if (client && !broadcast && burstRemaining == 0 && rxNs > requestNs) {
            // The interval counts from the reply, as chronyd (4.3) counts it: a long round trip lengthens the interval
            // rather than adding requests (at 1 s polls through 10 ms + Exp(2 ms) each way, chronyd sent 2% fewer).
            nextPollNs += rxNs - requestNs;
        }
        // What this exchange leaves for the next interleaved one, and the previous exchange it completes.
        long t1 = xmtLocalNs;
        long t2Ntp64 = receiveNtp64;
        long t4 = rxNs;
        if (interleavedReply) {
            t1 = prevTxLocalNs;
            t2Ntp64 = prevServerRxNtp64;
            t4 = prevRxLocalNs;
        }
        boolean kiss = stratum == 0 && isKiss(refId);
        if (client && cfg.xleave() && !kiss) {
            prevServerRxNtp64 = receiveNtp64;
            prevRxLocalNs = rxNs;
            prevTxLocalNs = xmtLocalNs;
        }
        if (kiss && (refId == NtpPacket.KISS_DENY || refId == NtpPacket.KISS_RSTR)) {
            return verdict(PacketVerdict.KOD_DENY, demobilise("refused by the server (kiss-o'-death "
                    + (refId == NtpPacket.KISS_DENY ? "DENY" : "RSTR") + ")"));
        }
        if (reach == 0 && pollLog2 > minPollLog2) {
            // Back after an outage: the estimate aged, measure at minpoll until it is good again, from now on (the
            // next poll was scheduled a long interval ahead when this request went out).
            pollLog2 = minPollLog2;
            nextPollNs = Math.min(nextPollNs, rxNs + randomisedIntervalNs());
        }
        reach |= 1;
        answeredSincePoll = true;
        answeredSinceRequest = true;
        unansweredRequests = 0;
        unreachablePolls = 0;
        source.setReachable(true);
        if (kiss && refId == NtpPacket.KISS_RATE) {
            backOff(peerPoll, rxNs);
            return verdict(PacketVerdict.KOD_RATE, 0);
        }
        if (leap == 3 || stratum == 0 || stratum >= 16) {
            return verdict(PacketVerdict.UNSYNCHRONISED, source.answeredUnsynchronised(leap, stratum) ? RESELECT : 0);
        }
        if (cfg.localRefId() != 0 && refId == cfg.localRefId() && stratum > 1) {
            return verdict(PacketVerdict.LOOP, 0);
        }
        if (t2Ntp64 == 0 || t1 == 0 || t4 == 0) {
            return verdict(PacketVerdict.INVALID_TIMESTAMPS, 0);
        }
        long t2 = NtpTimestamp.toUnixNs(t2Ntp64, t1);
        long t3 = NtpTimestamp.toUnixNs(transmitNtp64, t1);
        long offsetNs = Math.floorDiv((t2 - t1) + (t3 - t4), 2) + cfg.biasNs();
        long delayNs = (t4 - t1) - (t3 - t2);
        long precisionNs = precisionNs(p.precisionLog2());
        if (delayNs < -precisionNs - 1000) {
            return verdict(PacketVerdict.INVALID_TIMESTAMPS, 0);
        }
        delayNs = Math.max(0, delayNs);
        if (broadcast) {
            calibrationMinDelayNs = Math.min(calibrationMinDelayNs, delayNs); // the least queued exchange
        }
        long dispersionNs = precisionNs + Dispersion.grownNs(t4 - t1);
        if (beyondDistance(p, delayNs, dispersionNs)) {
            return verdict(PacketVerdict.DISTANCE_EXCEEDED, 0);
        }
        if (cfg.maxDelayNs() > 0 && delayNs > cfg.maxDelayNs()) {
            return verdict(PacketVerdict.MAX_DELAY_EXCEEDED, 0);
        }
        lastInterleaved = interleavedReply;
        if (!accumulate(p, t4, offsetNs, delayNs, dispersionNs, stratum, refId, leap)) {
            // A spike or a change (a step, a frequency the filter did not expect): ask again at minpoll rather than
            // one long interval later, so that a change is confirmed in minutes, not hours; and stay there until
            // the run is resolved (PollPolicy: a suspect source), so a lost answer does not put it an interval off.
            if (!broadcast && burstRemaining == 0 && pollLog2 > minPollLog2) {
                nextPollNs = Math.min(nextPollNs, rxNs + Units.log2ToNs(minPollLog2));
                pollLog2 = PollPolicy.advise(source, pollLog2, minPollLog2, cfg.maxPollLog2(), cfg.pollCost());
            }
            confirmSoon(client && !broadcast, rxNs);
            return verdict(PacketVerdict.SPIKE, 0);
        }
        if (source.spikePending()) {
            confirmSoon(client && !broadcast, rxNs); // a sample too noisy to tell: the spike still waits for one
        }
        if (!broadcast && burstRemaining == 0) {
            int advised = PollPolicy.advise(source, pollLog2, minPollLog2, cfg.maxPollLog2(), cfg.pollCost());
            if (advised < pollLog2) {
                // Shorter from now on: the next poll was scheduled at the longer interval when this request went out.
                pollLog2 = advised;
                nextPollNs = Math.min(nextPollNs, rxNs + randomisedIntervalNs());
            }
            pollLog2 = advised;
        }
        return verdict(PacketVerdict.ACCEPTED, SAMPLE);
    }

    /** A client with a spike unconfirmed asks again early ({@link #SPIKE_CONFIRM_DIVISOR}) */
    private void confirmSoon(boolean client, long rxNs) {
        if (client && burstRemaining == 0 && nextPollNs - rxNs > 0) {
            long confirmNs = rxNs + (nextPollNs - rxNs) / SPIKE_CONFIRM_DIVISOR;
            confirmBorrowedNs += nextPollNs - confirmNs;
            nextPollNs = confirmNs;
        }
    }

    /**
     * A broadcast (mode 5) packet: reach, then (once calibrated) a sample whose offset is the server's transmit time
     * plus half the path's round-trip delay, minus our receive time.
     */
    private int receiveBroadcast(NtpPacket p, long rxNs, long transmitNtp64, int stratum, int refId, int leap,
            int peerPoll) {
        if (lastBroadcastNtp64 != 0 && transmitNtp64 - lastBroadcastNtp64 <= 0) {
            // The same packet again, or an older one: a replay (CVE-2015-7973) or a reordering; never a new sample.
            return verdict(PacketVerdict.DUPLICATE, 0);
        }
        lastBroadcastNtp64 = transmitNtp64;
        peerPollLog2 = Math.clamp(peerPoll, 0, AssociationConfig.MAX_POLL_LIMIT);
        reach |= 1;
        answeredSincePoll = true;
        unreachablePolls = 0;
        source.setReachable(true);
        if (!calibrated) {
            return verdict(PacketVerdict.CALIBRATING, 0);
        }
        if (leap == 3 || stratum == 0 || stratum >= 16) {
            // A kiss code has no meaning in a broadcast: it is one more packet without time.
            return verdict(PacketVerdict.UNSYNCHRONISED, source.answeredUnsynchronised(leap, stratum) ? RESELECT : 0);
        }
        if (cfg.localRefId() != 0 && refId == cfg.localRefId() && stratum > 1) {
            return verdict(PacketVerdict.LOOP, 0);
        }
        long t3 = NtpTimestamp.toUnixNs(transmitNtp64, rxNs);
        long offsetNs = t3 + broadcastDelayNs / 2 - rxNs + cfg.biasNs();
        long dispersionNs = precisionNs(p.precisionLog2()) + Dispersion.grownNs(broadcastDelayNs)
                + oneWayScatterNs(rxNs - t3);
        if (beyondDistance(p, broadcastDelayNs, dispersionNs)) {
            return verdict(PacketVerdict.DISTANCE_EXCEEDED, 0);
        }
        lastInterleaved = false;
        if (!accumulate(p, rxNs, offsetNs, broadcastDelayNs, dispersionNs, stratum, refId, leap)) {
            return verdict(PacketVerdict.SPIKE, 0);
        }
        return verdict(PacketVerdict.ACCEPTED, SAMPLE);
    }

    /**
     * The scatter of the broadcasts' timing, as a dispersion, ns: a broadcast carries its transmit time alone, so one
     * that left late (its server's CPU taken away between the clock reading and the send: 100-700 us on a busy VM) or
     * queued on the way reads that much low, and no delay shows it; but the apparent one-way delay T4 - T3 moves by it
     * from one broadcast to the next. Without this a broadcast counted as precise as the server's clock reading, and
     * the filter took each late one for a step of the server (errors of 1 ms from lateness within +-700 us:
     * BroadcastAssociationTest). The changes' variance, not their mean square: clocks drifting apart change every
     * interval's one-way delay alike (with a single change, its square: the first broadcasts are not taken as
     * precise). A sample's error is uniform within +-dispersion to the filter, so sqrt(3) times the lateness's standard
     * deviation (the changes' over sqrt(2)).
     */
    private long oneWayScatterNs(long oneWayNs) {
        if (oneWaySeen) {
            double changeNs = oneWayNs - lastOneWayNs;
            oneWayChanges = Math.min(oneWayChanges + 1, SCATTER_MEMORY);
            oneWayChangeMeanNs += (changeNs - oneWayChangeMeanNs) / oneWayChanges;
            oneWayChangeSquareNs2 += (changeNs * changeNs - oneWayChangeSquareNs2) / oneWayChanges;
        }
        lastOneWayNs = oneWayNs;
        oneWaySeen = true;
        double varianceNs2 = oneWayChanges < 2 ? oneWayChangeSquareNs2
                : Math.max(0, oneWayChangeSquareNs2 - oneWayChangeMeanNs * oneWayChangeMeanNs);
        return Math.round(Math.sqrt(1.5 * varianceNs2));
    }

    /** Whether a sample of this delay and dispersion from {@code p}'s server is beyond the source's maximum distance. */
    private boolean beyondDistance(NtpPacket p, long delayNs, long dispersionNs) {
        long rootDelayNs = NtpShort.toNs(p.rootDelay());
        return (rootDelayNs + delayNs) / 2 + NtpShort.toNs(p.rootDispersion()) + dispersionNs > source.maxDistanceNs();
    }

    /** Records the measurement and offers it to the source as a sample; whether the source took it. */
    private boolean accumulate(NtpPacket p, long t4, long offsetNs, long delayNs, long dispersionNs, int stratum,
            int refId, int leap) {
        lastOffsetNs = offsetNs;
        lastDelayNs = delayNs;
        sample.set(t4, offsetNs, delayNs, dispersionNs, NtpShort.toNs(p.rootDelay()), NtpShort.toNs(p.rootDispersion()),
                stratum, refId, leap, p.precisionLog2());
        return source.accumulate(sample);
    }

    private static long precisionNs(int precisionLog2) {
        return (long) Math.ceil(Math.scalb(1e9, Math.max(-40, Math.min(10, precisionLog2))));
    }

    private static boolean isKiss(int refId) {
        // Four printable ASCII characters, as RFC 5905 kiss codes are.
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = (refId >>> shift) & 0xFF;
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /** KoD RATE: at least one step more, at least the server's poll, and never below that again. */
    private void backOff(int serverPollLog2, long rxNs) {
        int raised = Math.max(pollLog2 + 1, serverPollLog2);
        minPollLog2 = Math.min(cfg.maxPollLog2(), Math.max(minPollLog2, raised));
        pollLog2 = Math.max(pollLog2, minPollLog2);
        burstRemaining = 0;
        nextPollNs = Math.max(nextPollNs, rxNs + randomisedIntervalNs());
    }

    private int verdict(PacketVerdict v, int flags) {
        lastVerdict = v;
        return flags;
    }

    @Override
    public void onClockStep(long nowNs, long stepNs) {
        xmtLocalNs += stepNs;
        requestNs += stepNs;
        // An interleaved exchange spanning a step would mix timescales: start the pairing afresh.
        prevServerRxNtp64 = 0;
        prevRxLocalNs = 0;
        prevTxLocalNs = 0;
        if (peerRxLocalNs != 0) {
            peerRxLocalNs += stepNs;
        }
        lastOneWayNs += stepNs; // T4 - T3 on the stepped clock
        nextPollNs += stepNs;
    }

    /** Offset (source minus local, ns) of the last measurement, before filtering (for statistics files). */
    public long lastOffsetNs() {
        return lastOffsetNs;
    }

    /** Round-trip delay (ns) of the last measurement. */
    public long lastDelayNs() {
        return lastDelayNs;
    }

    /** Whether the last measurement came from an interleaved reply. */
    public boolean lastInterleaved() {
        return lastInterleaved;
    }

    /**
     * Keeps the previous exchange's local timestamps consistent with the clock as it runs now, so an interleaved
     * sample (which completes that exchange one poll later) is not skewed by the slews made in between.
     */
    @Override
    public void onFrequencyChange(long nowNs, double dFreq) {
        if (prevTxLocalNs != 0) {
            prevTxLocalNs += Math.round((prevTxLocalNs - nowNs) * dFreq);
        }
        if (prevRxLocalNs != 0) {
            prevRxLocalNs += Math.round((prevRxLocalNs - nowNs) * dFreq);
        }
    }

    /** Why the last packet was (not) used. */
    public PacketVerdict lastVerdict() {
        return lastVerdict;
    }

    /** The reachability register: bit 0 = the last poll was answered. */
    public int reach() {
        return reach;
    }

    /** Current poll interval, log2 s. */
    public int pollLog2() {
        return pollLog2;
    }

    /** Lower poll bound now in force (minpoll, raised by KoD RATE). */
    public int minPollLog2() {
        return minPollLog2;
    }

    public boolean demobilised() {
        return demobilised;
    }

    /** Why the association demobilised ("unreachable for 8 polls", "a falseticker for 8 polls", ...), else null. */
    public String demobiliseReason() {
        return demobiliseReason;
    }

    public long sent() {
        return sent;
    }

    public long received() {
        return received;
    }
}
