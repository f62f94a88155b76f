package org.jntpd.daemon;

import java.util.ArrayList;
import java.util.List;
import org.jntpd.config.ServerSpec;
import org.jntpd.control.DaemonStatus;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceState;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.wire.NtpPacket;

/** What jntpc shows (chronyc's tracking and sources), as of one update: built on the loop's thread, read by any. */
final class StatusSnapshot {
    private StatusSnapshot() {}

    /** The synchroniser's state {@code s}, every source and the operator's {@code warnings}, at {@code nowNs}. */
    static DaemonStatus of(Synchroniser sync, SystemState s, NtpSources ntp, RefclockSources refclocks,
            List<String> warnings, long nowNs) {
        Source peer = sync.systemPeer();
        DaemonStatus.Tracking t = new DaemonStatus.Tracking(s.synced(), s.stratum(), NtpPacket.refIdText(s.refId(), s.stratum()),
                peer == null ? null : peer.name(), s.referenceTimeNs(), sync.lastOffsetS(), sync.lastOffsetSigmaS(),
                sync.frequencyPpm(), s.rootDelayNs(), s.rootDispersionNs(nowNs), s.leapIndicator(), message(sync, ntp));
        List<DaemonStatus.SourceLine> lines = new ArrayList<>();
        for (Peer p : ntp.peers()) {
            lines.add(line(p.spec.kind() == ServerSpec.Kind.PEER ? '=' : '^', p.source, p.assoc.pollLog2(),
                    p.assoc.reach(), nowNs));
        }
        for (RefclockSources.RefSource r : refclocks.sources()) {
            lines.add(line('#', r.source, r.runner.settings().pollLog2(), r.source.reachable() ? 0377 : 0, nowNs));
        }
        return new DaemonStatus(t, List.copyOf(lines), warnings);
    }

    /** The synchroniser's status, and the NTS certificates' trust while and after a bootstrap without trusted time. */
    private static String message(Synchroniser sync, NtpSources ntp) {
        String trust = ntp.ntsTrust();
        return trust == null ? sync.statusMessage() : sync.statusMessage() + "; NTS: " + trust;
    }

    private static DaemonStatus.SourceLine line(char kind, Source src, int pollLog2, int reach, long nowNs) {
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
        return new DaemonStatus.SourceLine(kind, state, src.name(), src.stratum(), pollLog2, reach,
                measured ? (nowNs - src.lastSampleNs()) * 1e-9 : 0, measured ? src.offsetNs(nowNs) * 1e-9 : 0,
                measured ? src.offsetSigmaNs(nowNs) * 1e-9 : 0, measured ? src.jitterNs() * 1e-9 : 0, src.samples(),
                why == null ? null : why.text);
    }
}
