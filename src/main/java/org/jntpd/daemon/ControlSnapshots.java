package org.jntpd.daemon;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jntpd.config.ServerSpec;
import org.jntpd.mode6.ControlSnapshot;
import org.jntpd.mode6.ControlSnapshot.Association;
import org.jntpd.mode6.ControlSnapshot.Variable;
import org.jntpd.mode6.Values;
import org.jntpd.proto.PacketVerdict;
import org.jntpd.sync.Source;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.ControlStatus;
import org.jntpd.wire.NtpPacket;

/**
 * Builds what ntpq reads ({@link ControlSnapshot}) from the synchroniser's state, on the loop's thread at each
 * publication, from the same values and the same moment as jntpc's {@link StatusSnapshot}: ntpq and jntpc agree.
 * Association ids are given in order of first sight (1, 2, ...) and kept while the source lives.
 */
final class ControlSnapshots {
    static final String VERSION = "jntpd " + version();
    private static final String PROCESSOR = System.getProperty("os.arch", "unknown");
    private static final String SYSTEM = System.getProperty("os.name", "unknown") + "/"
            + System.getProperty("os.version", "");
    private static final int MODE_ACTIVE = 1;
    private static final int MODE_PASSIVE = 2;
    /** ntpd's host mode of a broadcast client association (internal; ntpq -p shows it as type 'b'). */
    private static final int MODE_BCLIENT = 6;

    private Map<Source, Integer> ids = new IdentityHashMap<>();
    private int nextId = 1;

    private static String version() {
        String v = ControlSnapshots.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    ControlSnapshot build(Synchroniser sync, SystemState s, NtpSources ntp, RefclockSources refclocks, long nowNs) {
        Map<Source, Integer> current = new IdentityHashMap<>();
        List<Association> associations = new ArrayList<>();
        for (Peer p : ntp.peers()) {
            int id = idOf(p.source, current);
            int status = peerStatus(p.source, p.assoc.reach());
            if (p.spec.kind() == ServerSpec.Kind.BROADCAST) { // heard, not configured: ntpd's bcst bit instead
                status = status & ~(ControlStatus.PEER_CONFIGURED << 8) | ControlStatus.PEER_BROADCAST << 8;
            }
            associations.add(new Association(id, status, ntpVariables(p, nowNs)));
        }
        int index = 0;
        for (RefclockSources.RefSource r : refclocks.sources()) {
            int id = idOf(r.source, current);
            int reach = r.source.reachable() ? 0377 : 0;
            associations.add(new Association(id, peerStatus(r.source, reach),
                    refclockVariables(r, index++, reach, nowNs), clockVariables(r)));
        }
        ids = current;
        Source peer = sync.systemPeer();
        Integer peerId = peer == null ? null : current.get(peer);
        Peer ntpPeer = null;
        for (Peer p : ntp.peers()) {
            if (p.source == peer) {
                ntpPeer = p;
            }
        }
        int source = peer == null ? ControlStatus.SOURCE_UNSPECIFIED
                : ntpPeer != null ? ControlStatus.SOURCE_NTP
                : peer.name().startsWith("PPS") ? ControlStatus.SOURCE_PPS : ControlStatus.SOURCE_OTHER;
        int systemStatus = ControlStatus.system(s.leapIndicator(), source, 0, 0);
        // as jntpc shows it: grown since the last update (not since 1970 before the first one)
        long rootDispNs = s.referenceTimeNs() == 0 ? s.rootDispersionNs() : s.rootDispersionNs(nowNs);
        List<Variable> v = new ArrayList<>();
        v.add(Variable.of("version", Values.quoted(VERSION)));
        v.add(Variable.of("processor", Values.quoted(PROCESSOR)));
        v.add(Variable.of("system", Values.quoted(SYSTEM)));
        v.add(Variable.of("leap", Integer.toString(s.leapIndicator())));
        v.add(Variable.of("stratum", Integer.toString(s.stratum())));
        v.add(Variable.of("precision", Integer.toString(s.precisionLog2())));
        v.add(Variable.of("rootdelay", Values.ms(s.rootDelayNs())));
        v.add(Variable.of("rootdisp", Values.ms(rootDispNs)));
        v.add(Variable.unlisted("rootdist", Values.ms(s.rootDelayNs() / 2.0 + rootDispNs)));
        v.add(Variable.of("refid", NtpPacket.refIdText(s.refId(), s.stratum())));
        v.add(Variable.of("reftime", Values.timestamp(s.referenceNtp64())));
        v.add(new Variable("clock", null, true)); // the time of the answer
        v.add(Variable.of("peer", Integer.toString(peerId == null ? 0 : peerId)));
        v.add(Variable.of("tc", Integer.toString(ntpPeer == null ? 0 : ntpPeer.assoc.pollLog2())));
        v.add(Variable.of("mintc", Integer.toString(ntpPeer == null ? 0 : ntpPeer.assoc.minPollLog2())));
        v.add(Variable.of("offset", Values.ms(sync.lastOffsetS() * 1e9)));
        v.add(Variable.of("frequency", Values.ppm(sync.frequencyPpm())));
        v.add(Variable.of("sys_jitter", Values.ms(sync.lastOffsetSigmaS() * 1e9)));
        v.add(Variable.of("clk_jitter", Values.ms(peer == null ? 0 : peer.jitterNs())));
        v.add(Variable.of("clk_wander", Values.ppm(peer == null ? 0 : peer.wanderPerSqrtS() * 1e6)));
        if (ntpPeer != null) {
            v.add(Variable.unlisted("peeradr", address(ntpPeer.address)));
            v.add(Variable.unlisted("peermode", Integer.toString(hostMode(ntpPeer))));
        }
        v.add(Variable.unlisted("authdelay", Values.ms(0)));
        return new ControlSnapshot(systemStatus, v, associations);
    }

    private int idOf(Source source, Map<Source, Integer> current) {
        Integer id = ids.get(source);
        if (id == null) {
            id = nextId;
            nextId = nextId == 0xFFFF ? 1 : nextId + 1;
        }
        current.put(source, id);
        return id;
    }

    private static int peerStatus(Source source, int reach) {
        int selection = switch (source.state()) {
            case SYSTEM_PEER -> ControlStatus.SELECT_SYSTEM_PEER;
            case COMBINED -> ControlStatus.SELECT_CANDIDATE;
            case NOT_COMBINED -> ControlStatus.SELECT_BACKUP;
            case OUTLIER -> ControlStatus.SELECT_OUTLIER;
            case FALSETICKER -> ControlStatus.SELECT_FALSETICK;
            case CANDIDATE, UNSELECTABLE -> ControlStatus.SELECT_REJECT;
        };
        int bits = ControlStatus.PEER_CONFIGURED | (reach != 0 ? ControlStatus.PEER_REACHABLE : 0);
        return ControlStatus.peer(bits, selection, 0, 0);
    }

    private static int hostMode(Peer p) {
        return switch (p.spec.kind()) {
            case PEER -> MODE_ACTIVE;
            case BROADCAST -> MODE_BCLIENT;
            default -> NtpPacket.MODE_CLIENT;
        };
    }

    private static List<Variable> ntpVariables(Peer p, long nowNs) {
        Source src = p.source;
        boolean measured = src.samples() > 0;
        List<Variable> v = new ArrayList<>();
        v.add(Variable.of("srcadr", p.address.getAddress().getHostAddress()));
        v.add(Variable.of("srcport", Integer.toString(p.address.getPort())));
        v.add(Variable.of("srchost", Values.quoted(p.spec.host())));
        InetSocketAddress local = localAddress(p);
        if (local != null) {
            v.add(Variable.of("dstadr", local.getAddress().getHostAddress()));
            v.add(Variable.of("dstport", Integer.toString(local.getPort())));
        }
        v.add(Variable.of("leap", Integer.toString(measured ? src.leap() : NtpPacket.LEAP_UNSYNCHRONIZED)));
        v.add(Variable.of("stratum", Integer.toString(src.stratum())));
        v.add(Variable.of("rootdelay", Values.ms(src.rootDelayNs())));
        v.add(Variable.of("rootdisp", Values.ms(src.rootDispersionNs())));
        v.add(Variable.of("refid", NtpPacket.refIdText(src.refId(), src.stratum())));
        if (measured) {
            v.add(Variable.of("rec", Values.timestamp(NtpTimestamp.fromUnixNs(src.lastSampleNs()))));
        }
        v.add(Variable.of("reach", Values.hex(p.assoc.reach())));
        v.add(Variable.of("hmode", Integer.toString(hostMode(p))));
        v.add(Variable.of("pmode", Integer.toString(hostMode(p) == MODE_ACTIVE ? MODE_PASSIVE
                : hostMode(p) == MODE_BCLIENT ? NtpPacket.MODE_BROADCAST : NtpPacket.MODE_SERVER)));
        v.add(Variable.of("hpoll", Integer.toString(p.assoc.pollLog2())));
        v.add(Variable.of("ppoll", Integer.toString(p.assoc.pollLog2())));
        v.add(Variable.of("flash", Values.hex(flash(p.assoc.lastVerdict()))));
        v.add(Variable.of("offset", Values.ms(measured ? src.offsetNs(nowNs) : 0)));
        v.add(Variable.of("delay", Values.ms(measured ? p.assoc.lastDelayNs() : 0)));
        v.add(Variable.of("jitter", Values.ms(measured ? src.jitterNs() : 0)));
        return v;
    }

    /** ntpd's flash bits (the packet tests the last packet failed) for the association's last verdict. */
    static int flash(PacketVerdict verdict) {
        if (verdict == null) {
            return 0;
        }
        return switch (verdict) {
            case ACCEPTED, SPIKE, KOD_RATE, CALIBRATING -> 0;
            case DUPLICATE -> 0x0001; // pkt_dup
            case BOGUS -> 0x0002; // pkt_bogus
            case INVALID_TIMESTAMPS -> 0x0004; // pkt_unsync
            case KOD_DENY -> 0x0008; // pkt_denied
            case UNSYNCHRONISED -> 0x0020; // pkt_stratum
            case INVALID_MODE -> 0x0040; // pkt_header
            case DISTANCE_EXCEEDED, MAX_DELAY_EXCEEDED -> 0x0400; // peer_dist
            case LOOP -> 0x0800; // peer_loop
            case DEMOBILISED -> 0x1000; // peer_unreach
        };
    }

    private static List<Variable> refclockVariables(RefclockSources.RefSource r, int index, int reach, long nowNs) {
        Source src = r.source;
        boolean measured = src.samples() > 0;
        int poll = r.runner.settings().pollLog2();
        List<Variable> v = new ArrayList<>();
        v.add(Variable.of("srcadr", "127.127.0." + index)); // ntpq shows srchost for 127.127.x.y
        v.add(Variable.of("srcport", "123"));
        v.add(Variable.of("srchost", Values.quoted(src.name()))); // "NAME(device)": ntpq's type 'l'
        v.add(Variable.of("leap", Integer.toString(measured ? src.leap() : NtpPacket.LEAP_UNSYNCHRONIZED)));
        v.add(Variable.of("stratum", "0"));
        v.add(Variable.of("refid", NtpPacket.refIdText(src.refId(), 0)));
        if (measured) {
            v.add(Variable.of("rec", Values.timestamp(NtpTimestamp.fromUnixNs(src.lastSampleNs()))));
        }
        v.add(Variable.of("reach", Values.hex(reach)));
        v.add(Variable.of("hmode", Integer.toString(NtpPacket.MODE_CLIENT)));
        v.add(Variable.of("hpoll", Integer.toString(poll)));
        v.add(Variable.of("ppoll", Integer.toString(poll)));
        v.add(Variable.of("offset", Values.ms(measured ? src.offsetNs(nowNs) : 0)));
        v.add(Variable.of("delay", Values.ms(0)));
        v.add(Variable.of("jitter", Values.ms(measured ? src.jitterNs() : 0)));
        return v;
    }

    /**
     * A reference clock's clock variables under NTPsec's names ({@code ntpq -c cv}, ntp_control.c ctl_putclock): the
     * driver's name, the last timecode (none kept: empty), polls (samples read and polls that found none), noreply
     * (polls without a sample), badformat (messages that did not parse), baddata (samples refused), the fudge times in
     * ms ({@code time1}, {@code time2}: the one in force, learnt with NMEA {@code time2 auto}), the stratum and refid,
     * flags (0: jntpd keeps none), the device.
     */
    private static List<Variable> clockVariables(RefclockSources.RefSource r) {
        var settings = r.runner.settings();
        var c = r.runner.counters();
        List<Variable> v = new ArrayList<>();
        v.add(Variable.of("name", Values.quoted(settings.driver().toUpperCase(java.util.Locale.ROOT))));
        v.add(Variable.of("timecode", Values.quoted("")));
        v.add(Variable.of("poll", Long.toString(c.samples() + c.emptyPolls())));
        v.add(Variable.of("noreply", Long.toString(c.emptyPolls())));
        v.add(Variable.of("badformat", Long.toString(c.badMessages())));
        v.add(Variable.of("baddata", Long.toString(c.refused())));
        v.add(Variable.of("fudgetime1", String.format(java.util.Locale.ROOT, "%.3f", settings.offsetNs() / 1e6)));
        v.add(Variable.of("fudgetime2", String.format(java.util.Locale.ROOT, "%.3f", r.runner.time2Ns() / 1e6)));
        v.add(Variable.of("stratum", Integer.toString(Math.max(0, settings.stratum()))));
        v.add(Variable.of("refid", settings.refId()));
        v.add(Variable.of("flags", "0"));
        v.add(Variable.of("device", Values.quoted(r.runner.device())));
        return v;
    }

    /** The address {@code p}'s requests leave from; null when its socket closed meanwhile (jntpc and ntpq). */
    static InetSocketAddress localAddress(Peer p) {
        try {
            return p.socket.localAddress();
        } catch (RuntimeException e) {
            return null; // closed meanwhile: shown without it
        }
    }

    private static String address(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
