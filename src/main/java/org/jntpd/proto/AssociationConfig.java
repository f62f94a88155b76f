package org.jntpd.proto;

import org.jntpd.sync.PollPolicy;
import org.jntpd.wire.NtpPacket;

/**
 * Settings of one association (a {@code server}, {@code pool} or {@code peer} line and its options).
 *
 * @param mode         client (server/pool lines), symmetric active (peer lines), symmetric passive (mobilised by a peer)
 *                     or broadcast client (mobilised by a broadcast server's packet)
 * @param minPollLog2  shortest poll interval, log2 s (default 6 = 64 s)
 * @param maxPollLog2  longest poll interval, log2 s (default 10 = 1024 s)
 * @param iburst       while unreachable, each poll sends a burst of 8 requests 2 s apart (fast start)
 * @param burst        while reachable, each poll sends a burst of 8 requests 2 s apart
 * @param pool         a pool member: replaced when unreachable, persistently a falseticker, or refused (KoD DENY)
 * @param localRefId   this host's refid as its servers would see it (IPv4 address), 0 = unknown; a server that
 *                     reports it as its own refid synchronises to us (a loop)
 * @param pollCost     accuracy the poll policy may give up per doubling of the interval ({@link PollPolicy})
 * @param xleave       client: ask for interleaved replies (chrony's {@code xleave}), whose transmit timestamps are the
 *                     server's kernel TX stamps of its previous reply
 * @param version      the NTP version of the requests (1-4; {@code version N}: some old servers answer only v3)
 * @param maxDelayNs   replies whose round-trip delay exceeds this give no sample (they still count as answers);
 *                     0 = no limit ({@code maxdelay S})
 * @param biasNs       added to every offset measured from this server ({@code bias S}, NTPsec): corrects a known
 *                     asymmetry of the path (positive = the server is taken to be that much further ahead)
 */
public record AssociationConfig(Mode mode, int minPollLog2, int maxPollLog2, boolean iburst, boolean burst, boolean pool,
        int localRefId, double pollCost, boolean xleave, int version, long maxDelayNs, long biasNs) {

    /** The kinds of association. */
    public enum Mode {
        CLIENT(NtpPacket.MODE_CLIENT),
        SYMMETRIC_ACTIVE(NtpPacket.MODE_SYMMETRIC_ACTIVE),
        SYMMETRIC_PASSIVE(NtpPacket.MODE_SYMMETRIC_PASSIVE),
        /**
         * Mobilised by a broadcast (mode 5) server: it sends only the client requests (mode 3) of the calibration
         * exchange, then listens.
         */
        BROADCAST_CLIENT(NtpPacket.MODE_CLIENT);

        /** The mode field of the packets this association sends. */
        public final int wireMode;

        Mode(int wireMode) {
            this.wireMode = wireMode;
        }
    }

    public static final int DEFAULT_MIN_POLL = 6;
    public static final int DEFAULT_MAX_POLL = 10;
    /** chrony's lower limit (1/64 s), for LAN and test setups; ntpd's is 0. */
    public static final int MIN_POLL_LIMIT = -6;
    public static final int MAX_POLL_LIMIT = 17;

    public AssociationConfig {
        if (minPollLog2 < MIN_POLL_LIMIT || maxPollLog2 > MAX_POLL_LIMIT || minPollLog2 > maxPollLog2) {
            throw new IllegalArgumentException("poll range must satisfy " + MIN_POLL_LIMIT + " <= minpoll <= maxpoll <= "
                    + MAX_POLL_LIMIT + ", got minpoll " + minPollLog2 + " maxpoll " + maxPollLog2);
        }
        if (version < 1 || version > 4) {
            throw new IllegalArgumentException("version must be 1..4, got " + version);
        }
        if (maxDelayNs < 0) {
            throw new IllegalArgumentException("maxdelay must be >= 0 (0 = no limit), got " + maxDelayNs + " ns");
        }
        if (!(pollCost >= 0)) {
            throw new IllegalArgumentException("poll cost must be a non-negative fraction, got " + pollCost);
        }
    }

    /** A {@code server} line with no options. */
    public static AssociationConfig server() {
        return new AssociationConfig(Mode.CLIENT, DEFAULT_MIN_POLL, DEFAULT_MAX_POLL, false, false, false, 0,
                PollPolicy.DEFAULT_COST, false, 4, 0, 0);
    }

    /** A {@code peer} line with no options. */
    public static AssociationConfig peer() {
        return server().withMode(Mode.SYMMETRIC_ACTIVE);
    }

    public AssociationConfig withMode(Mode m) {
        return new AssociationConfig(m, minPollLog2, maxPollLog2, iburst, burst, pool, localRefId, pollCost, xleave,
                version, maxDelayNs, biasNs);
    }

    public AssociationConfig withPoll(int minLog2, int maxLog2) {
        return new AssociationConfig(mode, minLog2, maxLog2, iburst, burst, pool, localRefId, pollCost, xleave,
                version, maxDelayNs, biasNs);
    }

    public AssociationConfig withIburst(boolean v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, v, burst, pool, localRefId, pollCost, xleave,
                version, maxDelayNs, biasNs);
    }

    public AssociationConfig withBurst(boolean v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, iburst, v, pool, localRefId, pollCost, xleave,
                version, maxDelayNs, biasNs);
    }

    public AssociationConfig withPool(boolean v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, iburst, burst, v, localRefId, pollCost, xleave,
                version, maxDelayNs, biasNs);
    }

    public AssociationConfig withLocalRefId(int v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, iburst, burst, pool, v, pollCost, xleave,
                version, maxDelayNs, biasNs);
    }

    public AssociationConfig withXleave(boolean v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, iburst, burst, pool, localRefId, pollCost, v,
                version, maxDelayNs, biasNs);
    }

    public AssociationConfig withPollCost(double v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, iburst, burst, pool, localRefId, v, xleave,
                version, maxDelayNs, biasNs);
    }

    public AssociationConfig withVersion(int v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, iburst, burst, pool, localRefId, pollCost, xleave,
                v, maxDelayNs, biasNs);
    }

    public AssociationConfig withMaxDelayNs(long v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, iburst, burst, pool, localRefId, pollCost, xleave,
                version, v, biasNs);
    }

    public AssociationConfig withBiasNs(long v) {
        return new AssociationConfig(mode, minPollLog2, maxPollLog2, iburst, burst, pool, localRefId, pollCost, xleave,
                version, maxDelayNs, v);
    }
}
