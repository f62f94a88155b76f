package org.jntpd.refclock;

import org.jntpd.wire.NtpPacket;

/**
 * One filtered measurement of a reference clock: what a driver hands to the sync core once per poll (chrony's
 * {@code NTP_Sample} out of {@code SPF_GetFilteredSample}). The driver only measures; selection and discipline decide.
 *
 * @param localTimeNs  system clock reading (CLOCK_REALTIME, Unix ns) at which {@code offsetNs} was valid: the mean time of
 *                     the combined raw samples
 * @param offsetNs     reference minus local: positive = the local clock is behind
 * @param delayNs      the source's configured round-trip delay (chrony {@code delay}): use as peer and root delay
 * @param dispersionNs error estimate of {@code offsetNs}: the larger of the standard error of the combined offset and
 *                     the mean dispersion of the raw samples (precision plus per-sample error)
 * @param jitterNs     RMS scatter of the combined raw samples around their trend: the short-term noise of the source
 * @param leap         {@link NtpPacket#LEAP_NONE}, {@code LEAP_ADD_SECOND} or {@code LEAP_DELETE_SECOND} (RFC 5905 LI)
 * @param samples      number of raw samples combined into this one
 * @param rateChanges  how many of the discipline's rate changes, as {@link Refclock#onRateChange} numbers them, its raw
 *                     samples were already re-expressed for: only later ones remain to be applied to it
 */
public record RefclockSample(long localTimeNs, long offsetNs, long delayNs, long dispersionNs, long jitterNs, int leap,
        int samples, long rateChanges) {

    /**
     * Whether {@code leap} (an RFC 5905 LI value, also ntpd's SHM {@code leap} codes) is one a synchronised source may
     * announce: not {@link NtpPacket#LEAP_UNSYNCHRONIZED}.
     */
    public static boolean isSynchronisedLeap(int leap) {
        return leap == NtpPacket.LEAP_NONE || leap == NtpPacket.LEAP_ADD_SECOND || leap == NtpPacket.LEAP_DELETE_SECOND;
    }
}
