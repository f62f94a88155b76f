package org.jntpd.daemon;

import java.util.Objects;
import org.jntpd.base.Log;
import org.jntpd.clock.ClockControl;
import org.jntpd.control.DaemonStatus;
import org.jntpd.metrics.SyncMetrics;
import org.jntpd.mode6.ControlSnapshot;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceWarnings;
import org.jntpd.sync.SyncStatus;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;

/**
 * Runs the synchroniser (an update after new samples, its timer when due) and publishes each result: the loopstats
 * line of a clock update, the state to serve ({@link SyncLoop.Listener#published}), the snapshots jntpc and ntpq read,
 * and a log line and {@link SyncLoop.Listener#statusChanged} when the status or the system peer changes. Each run of the
 * synchroniser is timed by a clock reading of its own, taken just before it: a run may start or end a slew, and the
 * rate changes when the run happens, not at the loop pass's start (a pass whose packets took 100 ms of cold code, seen
 * at start-up on a busy machine, would otherwise misplace an 83333-ppm slew by 8 ms).
 */
final class StatePublisher {
    private final ClockControl clock;
    private final Synchroniser sync;
    private final SyncLoop.Listener listener;
    private final StatsFiles stats;
    private final NtpSources ntp;
    private final RefclockSources refclocks;
    private int configuredSources;
    private final OperatorWarnings warnings;
    private final SourceWarnings sourceWarnings;
    private volatile DaemonStatus status = DaemonStatus.EMPTY;
    private volatile SyncMetrics metrics; // null while metrics are off
    private final ControlSnapshots controlSnapshots = new ControlSnapshots();
    private volatile ControlSnapshot control = ControlSnapshot.EMPTY;
    private SyncStatus lastStatus;
    private String lastPeer;

    StatePublisher(ClockControl clock, Synchroniser sync, SyncLoop.Listener listener, StatsFiles stats, NtpSources ntp,
            RefclockSources refclocks, int configuredSources, OperatorWarnings warnings) {
        this.clock = clock;
        this.sync = sync;
        this.listener = listener;
        this.stats = stats;
        this.ntp = ntp;
        this.refclocks = refclocks;
        this.configuredSources = configuredSources;
        this.warnings = warnings;
        this.sourceWarnings = new SourceWarnings(warnings, sync.leapSeconds());
    }

    /** Whether a source found to smear a leap second is excluded from selection ({@code enable smearexclude}). */
    void excludeSmearing(boolean exclude) {
        sourceWarnings.excludeSmearing(exclude);
    }

    /** TAI - UTC from the leap second file, to name a source on TAI or GPS time (loop thread, or before it runs). */
    void taiMinusUtcS(int s) {
        sourceWarnings.taiMinusUtcS(s);
    }

    /** The latest snapshot for jntpc (any thread). */
    DaemonStatus status() {
        return status;
    }

    /** Publishes a {@link SyncMetrics} snapshot after each update from now on (any thread; metrics are on). */
    void enableMetrics() {
        if (metrics == null) {
            metrics = SyncMetrics.EMPTY;
        }
    }

    /** The latest snapshot for the Prometheus exporter (any thread); {@link SyncMetrics#EMPTY} until the first update. */
    SyncMetrics metrics() {
        SyncMetrics m = metrics;
        return m == null ? SyncMetrics.EMPTY : m;
    }

    /** The latest snapshot for ntpq (any thread). */
    ControlSnapshot control() {
        return control;
    }

    /** A source took a new sample (or stopped being usable): the synchroniser updates, and the result is published. */
    void update() {
        long nowNs = clock.nowNs();
        sync.update(nowNs);
        publish(nowNs);
    }

    /** Runs the synchroniser's timer if it is due now; returns when it is due next. */
    long runTimer() {
        long nowNs = clock.nowNs();
        if (nowNs - sync.nextTimerNs() >= 0) {
            sync.onTimer(nowNs);
            publish(nowNs);
        }
        return sync.nextTimerNs();
    }

    /**
     * A reload changed the sources: jntpc, ntpq and the exporter see them at once. Only the snapshots are made again;
     * the synchroniser is not run (its discipline sees no extra update) and the served state stays as published.
     */
    void sourcesChanged(int configuredLines) {
        configuredSources = configuredLines;
        snapshots(sync.state(), clock.nowNs());
    }

    /**
     * Republishes the snapshots of jntpc, ntpq and the metrics without running the synchroniser: after a poll (the
     * reach register shifted: a source that stopped answering must be seen to) and after a control command changed a
     * source.
     */
    void refresh() {
        snapshots(sync.state(), clock.nowNs());
    }

    private void snapshots(SystemState s, long nowNs) {
        status = StatusSnapshot.of(sync, s, ntp, refclocks, warnings.list(nowNs), nowNs);
        if (metrics != null) {
            metrics = MetricsSnapshot.of(sync, s, ntp, refclocks, nowNs);
        }
        control = controlSnapshots.build(sync, s, ntp, refclocks, nowNs); // ntpq sees the same moment as jntpc
    }

    private void publish(long nowNs) {
        // An NTS bootstrap ends with the first synchronised update; its re-verification needs the time after a step.
        ntp.published(sync.status(), clock.nowNs());
        SystemState s = sync.state();
        if (stats.active() && sync.status() == SyncStatus.SYNCHRONISED && s.referenceTimeNs() == nowNs) {
            Source peer = sync.systemPeer();
            stats.loop(nowNs, sync.lastOffsetS(), sync.frequencyPpm(), sync.lastOffsetSigmaS(),
                    peer == null ? 0 : peer.wanderPerSqrtS() * 1e6, ntp.pollLog2Of(peer));
        }
        listener.published(s, nowNs);
        sourceWarnings.observe(nowNs, sync.sources());
        warnings.checkExpiries(nowNs);
        snapshots(s, nowNs);
        SyncStatus current = sync.status();
        Source peer = sync.systemPeer();
        String peerName = peer == null ? null : peer.name();
        if (current != lastStatus || !Objects.equals(peerName, lastPeer)) {
            String message = current == SyncStatus.NO_SOURCES && configuredSources > 0
                    ? "no sources yet (waiting for the addresses of " + configuredSources + " configured)" : sync.statusMessage();
            if (current == SyncStatus.SYNCHRONISED || lastStatus == SyncStatus.SYNCHRONISED || lastStatus == null
                    || current == SyncStatus.PANIC) {
                Log.log(current == SyncStatus.PANIC ? Log.Level.ERROR : Log.Level.NOTICE, message);
            } else {
                Log.info(message);
            }
            listener.statusChanged(message);
            lastStatus = current;
            lastPeer = peerName;
        }
    }
}
