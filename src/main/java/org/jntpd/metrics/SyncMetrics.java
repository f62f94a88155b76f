package org.jntpd.metrics;

import java.util.List;
import org.jntpd.sync.SourceState;
import org.jntpd.sync.SyncStatus;
import org.jntpd.wire.NtpPacket;

/**
 * What the exporter shows of the synchronisation: a snapshot the loop publishes after each update (immutable; read by
 * the exporter's thread without locks). Seconds and ppm; offsets are source minus local clock (positive: the local
 * clock is behind). NaN where there is nothing to show yet (a source without samples, a skew without a system peer).
 */
public record SyncMetrics(Tracking tracking, List<Source> sources) {

    /**
     * The system (chronyc's "tracking").
     *
     * @param offsetS          the combined offset of the sources at the last update
     * @param offsetSigmaS     its standard deviation
     * @param frequencyPpm     the frequency correction (positive: the clock is made faster)
     * @param skewPpm          the standard deviation of the system peer's frequency estimate
     * @param referenceTimeS   Unix time of the last clock update, 0 before the first
     */
    public record Tracking(boolean synced, SyncStatus status, int stratum, int leap, double offsetS,
            double offsetSigmaS, double frequencyPpm, double skewPpm, double rootDelayS, double rootDispersionS,
            double referenceTimeS) {}

    /**
     * One source.
     *
     * @param kind           "server", "peer", "pool" or "refclock"
     * @param address        IP:port of an NTP source, the driver and unit of a reference clock: unique per source
     * @param delayS         the smallest round-trip delay of its recent samples (what selection uses)
     * @param uncertaintyS   the standard deviation of the offset estimate
     * @param reach          the reachability register (8 bits, the newest poll in bit 0)
     * @param lastSampleS    time of its last sample on the disciplined clock (Unix seconds; 0 before any)
     */
    public record Source(String name, String address, String kind, SourceState state, int stratum, int pollLog2,
            int reach, double offsetS, double uncertaintyS, double delayS, double jitterS, double rootDelayS,
            double rootDispersionS, long samples, double lastSampleS) {}

    /** Before the first update: unsynchronised, no sources. */
    public static final SyncMetrics EMPTY = new SyncMetrics(new Tracking(false, SyncStatus.NO_SOURCES,
            NtpPacket.STRATUM_UNSYNCHRONIZED, NtpPacket.LEAP_UNSYNCHRONIZED, Double.NaN, Double.NaN, 0, Double.NaN, 0, 0,
            0), List.of());
}
