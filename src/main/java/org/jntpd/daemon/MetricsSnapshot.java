package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_S;

import java.util.ArrayList;
import java.util.List;
import org.jntpd.config.ServerSpec;
import org.jntpd.metrics.SyncMetrics;
import org.jntpd.sync.Source;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;

/** What the Prometheus exporter shows, as of one update: built on the loop's thread (only when metrics are on). */
final class MetricsSnapshot {
    private MetricsSnapshot() {}

    /** The synchroniser's state {@code s} and every source, at {@code nowNs}. */
    static SyncMetrics of(Synchroniser sync, SystemState s, NtpSources ntp, RefclockSources refclocks, long nowNs) {
        Source peer = sync.systemPeer();
        SyncMetrics.Tracking t = new SyncMetrics.Tracking(s.synced(), sync.status(), s.stratum(), s.leapIndicator(),
                sync.lastOffsetS(), sync.lastOffsetSigmaS(), sync.frequencyPpm(),
                peer == null ? Double.NaN : peer.frequencySigmaPpm(nowNs), s.rootDelayNs() / (double) NS_PER_S,
                s.rootDispersionNs(nowNs) / (double) NS_PER_S, s.referenceTimeNs() / (double) NS_PER_S);
        List<SyncMetrics.Source> sources = new ArrayList<>();
        for (Peer p : ntp.peers()) {
            String kind = p.pool != null ? "pool" : p.spec.kind() == ServerSpec.Kind.PEER ? "peer"
                    : p.spec.kind() == ServerSpec.Kind.BROADCAST ? "broadcast" : "server";
            String host = p.address.getAddress().getHostAddress();
            String address = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + p.address.getPort();
            sources.add(source(p.source, address, kind, p.assoc.pollLog2(), p.assoc.reach(), nowNs));
        }
        for (RefclockSources.RefSource r : refclocks.sources()) {
            sources.add(source(r.source, r.source.name(), "refclock", r.runner.settings().pollLog2(),
                    r.source.reachable() ? 0377 : 0, nowNs));
        }
        return new SyncMetrics(t, List.copyOf(sources));
    }

    private static SyncMetrics.Source source(Source src, String address, String kind, int pollLog2, int reach,
            long nowNs) {
        boolean measured = src.samples() > 0;
        double nan = Double.NaN;
        return new SyncMetrics.Source(src.name(), address, kind, src.state(), src.stratum(), pollLog2, reach,
                measured ? src.offsetNs(nowNs) * 1e-9 : nan, measured ? src.offsetSigmaNs(nowNs) * 1e-9 : nan,
                measured ? src.minDelayNs() * 1e-9 : nan, measured ? src.jitterNs() * 1e-9 : nan,
                src.rootDelayNs() * 1e-9, src.rootDispersionNs() * 1e-9, src.samples(),
                measured ? src.lastSampleNs() * 1e-9 : 0);
    }
}
