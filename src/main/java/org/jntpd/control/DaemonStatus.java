package org.jntpd.control;

import static org.jntpd.time.Units.NS_PER_S;

import java.util.List;
import java.util.Locale;
import org.jntpd.wire.NtpPacket;

/**
 * What jntpc shows: a snapshot the synchronisation loop publishes after each update (immutable; read by the control
 * server's thread without locks). Offsets are source minus local clock (positive: the clock is behind).
 *
 * @param warnings what an operator should know and act on, one sentence each, oldest first (a source that smears a
 *                 leap second or serves another timescale, a leap second file or certificate near expiry, another
 *                 program steering the clock); empty when all is well
 */
public record DaemonStatus(Tracking tracking, List<SourceLine> sources, List<String> warnings) {

    public DaemonStatus {
        warnings = List.copyOf(warnings);
    }

    /** Without warnings. */
    public DaemonStatus(Tracking tracking, List<SourceLine> sources) {
        this(tracking, sources, List.of());
    }

    /** The system: chronyc's "tracking". */
    public record Tracking(boolean synced, int stratum, String refId, String systemPeer, long referenceTimeNs,
            double lastOffsetS, double offsetSigmaS, double frequencyPpm, long rootDelayNs, long rootDispersionNs,
            int leap, String message) {}

    /**
     * One source: chronyc's "sources" line.
     *
     * @param kind  '^' server, '=' peer, '#' reference clock
     * @param state '*' system peer, '+' combined, '-' candidate not combined, 'x' falseticker, '~' outlier, '?' unusable
     * @param note  why an unusable source is unusable ("answering unsynchronised (leap 3)"), else null
     */
    public record SourceLine(char kind, char state, String name, int stratum, int pollLog2, int reach,
            double lastSampleAgoS, double offsetS, double sigmaS, double jitterS, long samples, String note) {}

    public static final DaemonStatus EMPTY = new DaemonStatus(
            new Tracking(false, NtpPacket.STRATUM_UNSYNCHRONIZED, "", null, 0, 0, 0, 0, 0, 0,
                    NtpPacket.LEAP_UNSYNCHRONIZED, "starting"), List.of());

    /** chronyc-style "tracking" text. */
    public String trackingText() {
        Tracking t = tracking;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Reference ID    : %s%s%n", t.refId(),
                t.systemPeer() == null ? "" : " (" + t.systemPeer() + ")"));
        b.append(String.format(Locale.ROOT, "Stratum         : %d%n", t.stratum()));
        b.append(String.format(Locale.ROOT, "Ref time (UTC)  : %s%n", t.referenceTimeNs() == 0 ? "-"
                : java.time.Instant.ofEpochSecond(Math.floorDiv(t.referenceTimeNs(), NS_PER_S),
                        Math.floorMod(t.referenceTimeNs(), NS_PER_S))));
        b.append(String.format(Locale.ROOT, "Last offset     : %+.9f seconds%n", t.lastOffsetS()));
        b.append(String.format(Locale.ROOT, "Offset sigma    : %.9f seconds%n", t.offsetSigmaS()));
        b.append(String.format(Locale.ROOT, "Frequency       : %.3f ppm %s%n", Math.abs(t.frequencyPpm()),
                t.frequencyPpm() >= 0 ? "fast" : "slow"));
        b.append(String.format(Locale.ROOT, "Root delay      : %.9f seconds%n", t.rootDelayNs() * 1e-9));
        b.append(String.format(Locale.ROOT, "Root dispersion : %.9f seconds%n", t.rootDispersionNs() * 1e-9));
        b.append(String.format(Locale.ROOT, "Leap status     : %s%n", switch (t.leap()) {
            case 0 -> "Normal";
            case 1 -> "Insert second";
            case 2 -> "Delete second";
            default -> "Not synchronised";
        }));
        b.append(String.format(Locale.ROOT, "Status          : %s%n", t.message()));
        return b.toString();
    }

    /** chronyc-style "sources" table. */
    public String sourcesText() {
        StringBuilder b = new StringBuilder();
        b.append("MS Name/IP address                     Stratum Poll Reach LastRx Last sample (offset +/- sigma)\n");
        b.append("====================================================================================================\n");
        for (SourceLine s : sources) {
            b.append(String.format(Locale.ROOT, "%c%c %-38s %7d %4d %5o %6s %+.9f +/- %.9f%s%n", s.kind(), s.state(),
                    s.name().length() > 38 ? s.name().substring(0, 38) : s.name(), s.stratum(), s.pollLog2(), s.reach(),
                    s.samples() == 0 ? "-" : ago(s.lastSampleAgoS()), s.offsetS(), s.sigmaS(),
                    s.note() == null ? "" : "  " + s.note()));
        }
        return b.toString();
    }

    /** jntpc warnings: one line each, or a line saying there are none. */
    public String warningsText() {
        if (warnings.isEmpty()) {
            return "no warnings\n";
        }
        StringBuilder b = new StringBuilder();
        for (String w : warnings) {
            b.append("warning: ").append(w).append('\n');
        }
        return b.toString();
    }

    private static String ago(double s) {
        if (s < 1000) {
            return String.format(Locale.ROOT, "%.0f", s);
        }
        if (s < 60_000) {
            return String.format(Locale.ROOT, "%.0fm", s / 60);
        }
        return String.format(Locale.ROOT, "%.0fh", s / 3600);
    }
}
