package org.jntpd.daemon;

import java.util.List;
import java.util.Locale;
import org.jntpd.base.Log;
import org.jntpd.io.UdpSocket;
import org.jntpd.proto.Association;
import org.jntpd.proto.AssociationConfig;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateSource;
import org.jntpd.sync.SystemState;
import org.jntpd.time.NtpShort;
import org.jntpd.proto.PacketVerdict;
import org.jntpd.sync.Source;
import org.jntpd.sync.Synchroniser;
import org.jntpd.wire.ControlStatus;
import org.jntpd.wire.NtpPacket;

/**
 * The client's exchanges with its servers and peers (the daemon's half of chrony's ntp_core; the protocol itself is
 * {@link Association}): polls each association when it is due and sends the request it wrote, gives kernel TX
 * timestamps and replies to the associations they belong to, and carries out the actions returned: demobilise, or
 * take a new sample (its peerstats line, then the synchroniser's update and its publication).
 */
final class NtpClient implements ClientSockets.Handler {
    private final NtpSources sources;
    private final ClientSockets sockets;
    private final Synchroniser sync;
    private final StatsFiles stats;
    private final SyncLoop.Listener listener;
    private final StatePublisher publisher;
    /** What the server serves, which symmetric packets carry too; null: the synchroniser's state. */
    private ServerStateSource served;

    NtpClient(NtpSources sources, ClientSockets sockets, Synchroniser sync, StatsFiles stats, SyncLoop.Listener listener,
            StatePublisher publisher) {
        this.sources = sources;
        this.sockets = sockets;
        this.sync = sync;
        this.stats = stats;
        this.listener = listener;
        this.publisher = publisher;
    }

    void serveFrom(ServerStateSource served) {
        this.served = served;
    }

    /** Polls the associations due at {@code nowNs}; returns when the next one is due (Long.MAX_VALUE: none). */
    long pollDue(long nowNs) {
        List<Peer> peers = sources.peers();
        boolean polled = false;
        for (int i = 0; i < peers.size(); i++) {
            Peer p = peers.get(i);
            // Also off schedule when a poll could send nothing and now can (NTS-KE done): as chronyd, not a poll later.
            if (!p.offline && (nowNs - p.assoc.nextPollNs() >= 0 || p.auth != null && p.auth.sendNow(nowNs))) {
                poll(p, nowNs);
                polled = true;
            }
        }
        if (polled) {
            publisher.refresh(); // reach shifted: jntpc must not show it as it was at the last answer
        }
        long next = Long.MAX_VALUE;
        for (int i = 0; i < peers.size(); i++) {
            Peer p = peers.get(i);
            if (p.offline) {
                continue; // not polled until jntpc online
            }
            next = Math.min(next, p.assoc.nextPollNs());
            if (p.auth != null) {
                next = Math.min(next, p.auth.recheckNs(nowNs));
            }
        }
        return next;
    }

    private void poll(Peer p, long nowNs) {
        NtpPacket request = sockets.request();
        boolean calibrated = p.assoc.calibrated();
        int flags = p.assoc.poll(nowNs, request, systemState(p));
        if (!calibrated && p.assoc.calibrated()) {
            Log.info(p.source.name() + ": broadcast path delay " + String.format(Locale.ROOT, "%.1f", p.assoc
                    .broadcastDelayNs() / 1e3) + " us round trip" + (p.assoc.sent() > 0 && p.assoc.broadcastDelayNs()
                    == Association.DEFAULT_BROADCAST_DELAY_NS ? " (no calibration reply: ntpd's default)" : " (measured)")
                    + "; taking its broadcasts");
        }
        if ((flags & Association.DEMOBILISE) != 0) {
            sources.demobilise(p, (flags & Association.REPLACE) != 0);
            return;
        }
        if ((flags & Association.SEND) == 0) {
            return;
        }
        long xmtNtp64 = request.transmitTs();
        int length = NtpPacket.HEADER_LENGTH;
        if (p.auth != null) {
            length = p.auth.request(sockets.requestData(), sockets.requestCapacity(), nowNs);
            java.net.InetSocketAddress to = p.auth.target();
            if (to != null && !to.equals(p.target)) {
                p.retarget(to);
            }
            if (length <= 0) {
                return; // nothing to authenticate it with yet (NTS-KE under way): the poll goes unanswered
            }
        }
        int rc = sockets.send(p.socket, p.target, length);
        if (rc < 0) {
            Log.debug("send to " + p.target + " failed: errno " + -rc);
            return;
        }
        // T1 is the clock read just before the send, not the pass's time, until (unless) the kernel's TX stamp comes.
        p.assoc.transmitted(xmtNtp64, sockets.sendNs());
        p.txId = sockets.txId();
        p.txXmtNtp64 = xmtNtp64;
    }

    @Override
    public void transmitted(UdpSocket socket, int txId, long txNs) {
        List<Peer> peers = sources.peers();
        for (int i = 0; i < peers.size(); i++) {
            Peer p = peers.get(i);
            if (p.socket == socket && p.txId == txId) {
                p.assoc.transmitted(p.txXmtNtp64, txNs);
            }
        }
    }

    /**
     * A packet to a broadcast address or group we listen on: a broadcast (mode 5) from a server with a broadcast
     * association goes to it; from a server without one, it mobilises one if {@link NtpSources#mobiliseBroadcast}
     * lets it (restrict, auth). Anything else sent to a broadcast address is no business of a client.
     */
    @Override
    public void broadcastReceived(long addrHi, long addrLo, int port, int scopeId, NtpPacket packet, long rxNs,
            long nowNs) {
        if (packet.mode() != NtpPacket.MODE_BROADCAST) {
            return;
        }
        Peer p = sources.find(addrHi, addrLo, port);
        if (p == null) {
            p = sources.mobiliseBroadcast(addrHi, addrLo, port, scopeId, packet, rxNs);
            if (p == null) {
                return; // refused, and said why (once per server)
            }
            publisher.sourcesChanged(sources.configuredLines());
        } else if (p.assoc.config().mode() != AssociationConfig.Mode.BROADCAST_CLIENT) {
            return; // a server we poll also broadcasts: its replies are what we use
        }
        deliver(p, packet, rxNs, nowNs);
    }

    @Override
    public void received(long addrHi, long addrLo, int port, NtpPacket packet, long rxNs, long nowNs) {
        Peer p = sources.find(addrHi, addrLo, port);
        if (p == null || packet.mode() == NtpPacket.MODE_BROADCAST) {
            return; // not from a server we asked; a broadcast counts only sent to a broadcast address or group
        }
        deliver(p, packet, rxNs, nowNs);
    }

    /** A packet from {@code p}'s server: its authentication, then its association, then what the verdict asks for. */
    private void deliver(Peer p, NtpPacket packet, long rxNs, long nowNs) {
        if (p.auth != null && !p.auth.check(packet.segment(), packet.offset(), packet.length(), nowNs)) {
            return; // refused and counted there: the association never sees it, its reach does not move
        }
        int flags = p.assoc.receive(packet, rxNs);
        if ((flags & Association.DEMOBILISE) != 0) {
            sources.demobilise(p, (flags & Association.REPLACE) != 0);
            return;
        }
        if ((flags & Association.SAMPLE) != 0) {
            if (stats.active()) {
                stats.peer(nowNs, p.address.getAddress().getHostAddress(), peerStatus(p, p.assoc.reach()),
                        p.assoc.lastOffsetNs() * 1e-9, p.assoc.lastDelayNs() * 1e-9,
                        p.source.distanceNs(nowNs) * 1e-9, p.source.jitterNs() * 1e-9);
            }
            if (Log.enabled(Log.Level.DEBUG)) {
                // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
                Log.debug(String.format((Locale) null, "%s: sample accepted, estimate %+.9f s, jitter %.9f s",
                        p.source.name(), p.source.offsetNs(nowNs) * 1e-9, p.source.jitterNs() * 1e-9));
            }
            listener.sample(p.source.name(), nowNs);
            sources.sampled(p, nowNs);
            publisher.update();
        } else if ((flags & Association.RESELECT) != 0) {
            Log.info(p.source.name() + ": answers unsynchronised (leap " + packet.leap() + ", stratum " + packet.stratum()
                    + "); not selectable");
            publisher.update();
        } else if (p.assoc.lastVerdict() != PacketVerdict.ACCEPTED && Log.enabled(Log.Level.DEBUG)) {
            Log.debug(p.source.name() + ": packet not used: " + p.assoc.lastVerdict());
        }
    }

    /**
     * The system variables {@code p}'s next packet carries: a symmetric peer is told what the server serves (a local
     * stratum included), a client's request carries none of them.
     */
    private SystemState systemState(Peer p) {
        SystemState sys = sync.state();
        ServerStateSource s = served;
        if (s == null || p.assoc.config().mode() == AssociationConfig.Mode.CLIENT) {
            return sys;
        }
        ServerState st = s.current();
        return new SystemState(st.synchronised(), st.leap(), st.stratum(), st.refId(), st.refTimeUnixNs(),
                NtpShort.toNs(st.rootDelayShort()), st.rootDispBaseNs(), st.precisionLog2(), sys.status());
    }

    /** ntpd's peer status word: configured, reachable, and the selection's verdict. */
    private static int peerStatus(Peer p, int reach) {
        Source s = p.source;
        int bits = (p.spec.kind() == org.jntpd.config.ServerSpec.Kind.BROADCAST ? ControlStatus.PEER_BROADCAST
                : ControlStatus.PEER_CONFIGURED) | (reach != 0 ? ControlStatus.PEER_REACHABLE : 0);
        int select = switch (s.state()) {
            case SYSTEM_PEER -> ControlStatus.SELECT_SYSTEM_PEER;
            case COMBINED -> ControlStatus.SELECT_CANDIDATE;
            case NOT_COMBINED, CANDIDATE -> ControlStatus.SELECT_BACKUP;
            case OUTLIER -> ControlStatus.SELECT_OUTLIER;
            case FALSETICKER -> ControlStatus.SELECT_FALSETICK;
            case UNSELECTABLE -> ControlStatus.SELECT_REJECT;
        };
        return ControlStatus.peer(bits, select, 0, 0);
    }
}
