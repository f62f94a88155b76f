package org.jntpd.server;

import static org.jntpd.time.Dispersion.PHI_PPM;

import org.jntpd.time.NtpShort;
import org.jntpd.wire.NtpPacket;

/**
 * What the serving threads put in every reply, published by the synchronisation side as one immutable value behind a
 * volatile reference (no locks; a worker reads it once per batch). Wire-ready: short-format and raw fields.
 *
 * @param leap             leap indicator 0-3 (3 = unsynchronised)
 * @param stratum          1-15 as sent; 0 (unspecified) while unsynchronised: RFC 5905 section 7.3 keeps 16 for the
 *                         internal "unsynchronised" and maps it to 0 on the wire, as ntpd and chronyd send it (a
 *                         larger value, e.g. a synchronised state one stratum beyond 15, is sent as 0 too)
 * @param precisionLog2    the clock's precision, log2 seconds
 * @param rootDelayShort   root delay in NTP short format
 * @param rootDispBaseNs   root dispersion at {@code refTimeUnixNs}
 * @param dispRatePpm      how fast the dispersion grows after it (RFC 5905's PHI, 15 ppm, plus the skew)
 * @param refId            reference id (big-endian int as on the wire)
 * @param refTimeNtp64     reference timestamp as sent
 * @param refTimeUnixNs    the same instant in Unix ns, for the dispersion growth
 */
public record ServerState(int leap, int stratum, int precisionLog2, int rootDelayShort, long rootDispBaseNs,
        double dispRatePpm, int refId, long refTimeNtp64, long refTimeUnixNs) {

    public ServerState {
        if (stratum >= NtpPacket.STRATUM_UNSYNCHRONIZED) {
            stratum = NtpPacket.STRATUM_UNSPECIFIED;
        }
    }

    /**
     * Not synchronised: LI 3, stratum 0 on the wire (RFC 5905 7.3: 16 is the internal unsynchronised), refid INIT
     * (what ntpd shows before it first synchronises).
     */
    public static ServerState unsynchronised(int precisionLog2) {
        return new ServerState(NtpPacket.LEAP_UNSYNCHRONIZED, NtpPacket.STRATUM_UNSPECIFIED, precisionLog2, 0, 0, 0,
                NtpPacket.REFID_INIT, 0, 0);
    }

    /**
     * Serving the local clock as synchronised at {@code stratum} ({@code local stratum N}), reference time = now,
     * refid LOCL.
     */
    public static ServerState local(int stratum, int precisionLog2, long nowUnixNs, long nowNtp64) {
        return new ServerState(NtpPacket.LEAP_NONE, stratum, precisionLog2, 0, 0, PHI_PPM, NtpPacket.REFID_LOCL,
                nowNtp64, nowUnixNs);
    }

    public boolean synchronised() {
        return leap != NtpPacket.LEAP_UNSYNCHRONIZED;
    }

    /** Root dispersion at {@code nowUnixNs} in short format: the base grown at the dispersion rate since the reference time. */
    public int rootDispersionShortAt(long nowUnixNs) {
        long elapsedNs = Math.max(0, nowUnixNs - refTimeUnixNs);
        return NtpShort.fromNs(rootDispBaseNs + (long) (elapsedNs * dispRatePpm * 1e-6));
    }
}
