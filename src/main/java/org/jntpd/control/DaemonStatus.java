package org.jntpd.control;

import java.util.List;
import org.jntpd.wire.NtpPacket;

/**
 * What jntpc shows: a snapshot the synchronisation loop publishes after each update and each poll (immutable; read by
 * the control server's thread without locks). Offsets are source minus local clock (positive: the clock is behind).
 * Ages are as of the publication, at {@code publishedMonoNs} (CLOCK_MONOTONIC, {@link System#nanoTime}); the control
 * server adds the time since then, so a source that stopped answering shows its last answer growing older.
 *
 * @param publishedMonoNs when it was published (System.nanoTime), 0 = never
 * @param warnings        what an operator should know and act on, one sentence each, oldest first (a source that
 *                        smears a leap second or serves another timescale, a leap second file or certificate near
 *                        expiry, another program steering the clock); empty when all is well
 */
public record DaemonStatus(long publishedMonoNs, Tracking tracking, List<SourceLine> sources, Activity activity,
        List<String> warnings) {

    public DaemonStatus {
        warnings = List.copyOf(warnings);
    }

    /**
     * The system: chronyc's "tracking".
     *
     * @param refIdHex           the reference ID as chronyc prints it (8 hex digits)
     * @param referenceAgeNs     time since the last clock update (-1: none yet)
     * @param frequencyPpm       the clock's frequency correction (positive: the clock alone would run slow by it, so it
     *                           is sped up by it)
     * @param frequencySigmaPpm  the estimate's error bound (chronyc's Skew)
     * @param slewRate           the running slew (offset change per local second, positive = the clock gains), 0 if
     *                           none: with {@code slewLeftNs} what is still to slew at any later moment
     * @param slewLeftNs         how long the slew still runs after the publication
     * @param residualFreqPpm    the system peer's frequency beyond the correction (NaN: no system peer)
     * @param updateIntervalNs   time between the last two clock updates (-1: fewer than two)
     */
    public record Tracking(boolean synced, int stratum, String refId, String refIdHex, String systemPeer,
            long referenceTimeNs, long referenceAgeNs, double lastOffsetS, double offsetSigmaS, double frequencyPpm,
            double frequencySigmaPpm, long rootDelayNs, long rootDispersionNs, int leap, int precisionLog2,
            String message, double slewRate, long slewLeftNs, double residualFreqPpm, long updateIntervalNs) {

        /** What is still to slew {@code sinceNs} after the publication, s (positive: the clock is behind). */
        public double slewRemainingS(long sinceNs) {
            return slewRate * Math.max(0, slewLeftNs - sinceNs) * 1e-9;
        }
    }

    /**
     * One source: chronyc's "sources", "sourcestats", "selectdata" and (for NTP) "ntpdata" in one record.
     *
     * @param kind             '^' server, '=' peer, '#' reference clock
     * @param state            '*' system peer, '+' combined, '-' candidate not combined, 'x' falseticker, '~' outlier,
     *                         '?' unusable
     * @param lastSampleAgoNs  time since its last accepted sample (-1: none yet)
     * @param residualSamples  chronyc's NP: residuals kept of the last accepted samples (Source#residualSamples)
     * @param residualRuns     chronyc's NR: runs of one sign among them
     * @param residualSpanNs   chronyc's Span: the time they cover
     * @param note             why an unusable source is unusable ("answering unsynchronised (leap 3)"), else null
     * @param frequencyPpm     its clock's frequency relative to the local clock (positive: it runs faster)
     * @param distanceNs       root distance as selection uses it (root delay / 2 + dispersions + the estimate's error)
     * @param ntp              the NTP association's data, null for a reference clock
     */
    public record SourceLine(char kind, char state, String stateName, String name, int stratum, int pollLog2,
            int reach, long lastSampleAgoNs, double offsetS, double sigmaS, double jitterS, long samples, long spikes,
            int residualSamples, int residualRuns, long residualSpanNs, double frequencyPpm, double frequencySigmaPpm, double wanderPpmPerSqrtS, double asymmetry, long distanceNs,
            boolean prefer, boolean noselect, boolean online, String note, NtpData ntp) {}

    /**
     * chronyc's "ntpdata" for one association.
     *
     * @param mode      our mode (3 client, 1 symmetric active)
     * @param flash     ntpd's flash bits of the last packet's tests (0: passed)
     */
    public record NtpData(String remoteAddress, int remotePort, String localAddress, int localPort, int leap,
            int version, int mode, int stratum, int pollLog2, int minPollLog2, int maxPollLog2, String refId,
            String refIdHex, long rootDelayNs, long rootDispersionNs, long lastOffsetNs, long lastDelayNs,
            boolean interleaved, boolean authenticated, String authentication, long txPackets, long rxPackets,
            String lastVerdict, int flash) {}

    /** chronyc's "activity": sources online, offline, and configured ones still waiting for an address. */
    public record Activity(int online, int offline, int burstOnline, int unresolved) {}

    public static final DaemonStatus EMPTY = new DaemonStatus(0,
            new Tracking(false, NtpPacket.STRATUM_UNSYNCHRONIZED, "", "00000000", null, 0, -1, 0, 0, 0, 0, 0, 0,
                    NtpPacket.LEAP_UNSYNCHRONIZED, 0, "starting", 0, 0, Double.NaN, -1),
            List.of(), new Activity(0, 0, 0, 0), List.of());
}
