package org.jntpd.daemon;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jntpd.config.ServerSpec;
import org.jntpd.control.DaemonStatus;
import org.jntpd.proto.Association;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceState;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.wire.NtpPacket;

/**
 * What jntpc shows (chronyc's tracking, sources, sourcestats, selectdata, ntpdata, activity), as of one update or
 * poll: built on the loop's thread, read by any. Ages are taken at {@code nowNs} and stamped with the monotonic clock's
 * reading, so the control server can age them further at the moment it answers.
 */
final class StatusSnapshot {
    private StatusSnapshot() {}

    /** The synchroniser's state {@code s}, every source and the operator's {@code warnings}, at {@code nowNs}. */
    static DaemonStatus of(Synchroniser sync, SystemState s, NtpSources ntp, RefclockSources refclocks,
            List<String> warnings, long nowNs) {
        long monoNs = System.nanoTime();
        Source peer = sync.systemPeer();
        DaemonStatus.Tracking t = new DaemonStatus.Tracking(s.synced(), s.stratum(),
                NtpPacket.refIdText(s.refId(), s.stratum()), hex(s.refId()), peer == null ? null : peer.name(),
                s.referenceTimeNs(), s.referenceTimeNs() == 0 ? -1 : nowNs - s.referenceTimeNs(), sync.lastOffsetS(),
                sync.lastOffsetSigmaS(), sync.frequencyPpm(), sync.frequencySigmaPpm(), s.rootDelayNs(),
                s.rootDispersionNs(nowNs), s.leapIndicator(), s.precisionLog2(), message(sync, ntp), sync.slewRate(),
                sync.slewLeftNs(nowNs),
                sync.residualFrequencyPpm(), sync.updateIntervalNs());
        List<DaemonStatus.SourceLine> lines = new ArrayList<>();
        int online = 0;
        int offline = 0;
        int burst = 0;
        for (Peer p : ntp.peers()) {
            lines.add(line(p.spec.kind() == ServerSpec.Kind.PEER ? '=' : '^', p.source, p.assoc.pollLog2(),
                    p.assoc.reach(), !p.offline, ntpData(p), nowNs));
            if (p.offline) {
                offline++;
            } else if (p.assoc.inBurst()) {
                burst++; // chronyc counts a source in a burst apart from the online ones
            } else {
                online++;
            }
        }
        for (RefclockSources.RefSource r : refclocks.sources()) {
            lines.add(line('#', r.source, r.runner.settings().pollLog2(), r.source.reachable() ? 0377 : 0, true, null,
                    nowNs));
        }
        return new DaemonStatus(monoNs, t, List.copyOf(lines),
                new DaemonStatus.Activity(online, offline, burst, ntp.unresolved()), warnings);
    }

    /** The synchroniser's status, and the NTS certificates' trust while and after a bootstrap without trusted time. */
    private static String message(Synchroniser sync, NtpSources ntp) {
        String trust = ntp.ntsTrust();
        return trust == null ? sync.statusMessage() : sync.statusMessage() + "; NTS: " + trust;
    }

    private static DaemonStatus.SourceLine line(char kind, Source src, int pollLog2, int reach, boolean online,
            DaemonStatus.NtpData ntp, long nowNs) {
        char state = switch (src.state()) {
            case SYSTEM_PEER -> '*';
            case COMBINED -> '+';
            case CANDIDATE, NOT_COMBINED -> '-';
            case FALSETICKER -> 'x';
            case OUTLIER -> '~';
            case UNSELECTABLE -> '?';
        };
        boolean measured = src.samples() > 0;
        Source.Unusable why = src.state() == SourceState.UNSELECTABLE ? src.unusable(nowNs, src.maxDistanceNs()) : null;
        return new DaemonStatus.SourceLine(kind, state, src.state().name().toLowerCase(Locale.ROOT), src.name(),
                src.stratum(), pollLog2, reach, measured ? nowNs - src.lastSampleNs() : -1,
                measured ? src.offsetNs(nowNs) * 1e-9 : 0, measured ? src.offsetSigmaNs(nowNs) * 1e-9 : 0,
                measured ? src.jitterNs() * 1e-9 : 0, src.samples(), src.spikes(), src.residualSamples(),
                src.residualRuns(), src.residualSpanNs(),
                measured ? src.frequencyPpm() : 0, measured ? src.frequencySigmaPpm(nowNs) : 0,
                measured ? src.wanderPerSqrtS() * 1e6 : 0, measured ? src.asymmetry() : 0,
                measured ? src.distanceNs(nowNs) : 0, src.config().prefer(), src.config().noselect(), online,
                why == null ? null : why.text, ntp);
    }

    private static DaemonStatus.NtpData ntpData(Peer p) {
        Association a = p.assoc;
        Source src = p.source;
        InetSocketAddress local = ControlSnapshots.localAddress(p);
        return new DaemonStatus.NtpData(p.target.getAddress().getHostAddress(), p.target.getPort(),
                local == null ? null : local.getAddress().getHostAddress(), local == null ? 0 : local.getPort(),
                src.samples() > 0 ? src.leap() : NtpPacket.LEAP_UNSYNCHRONIZED, a.config().version(),
                a.config().mode().wireMode, src.stratum(), a.pollLog2(), a.config().minPollLog2(),
                a.config().maxPollLog2(), NtpPacket.refIdText(src.refId(), src.stratum()), hex(src.refId()),
                src.rootDelayNs(), src.rootDispersionNs(), a.lastOffsetNs(), a.lastDelayNs(), a.lastInterleaved(),
                p.auth != null, p.auth == null ? "none" : p.auth instanceof NtsClientAuth ? "nts" : "symmetric key",
                a.sent(), a.received(), a.lastVerdict() == null ? null : a.lastVerdict().name().toLowerCase(Locale.ROOT),
                ControlSnapshots.flash(a.lastVerdict()));
    }

    private static String hex(int refId) {
        // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
        return String.format((Locale) null, "%08X", refId);
    }
}
