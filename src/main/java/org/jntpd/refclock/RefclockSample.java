package org.jntpd.refclock;

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
 * @param leap         {@link #LEAP_NONE}, {@link #LEAP_INSERT} or {@link #LEAP_DELETE} (RFC 5905 LI values)
 * @param samples      number of raw samples combined into this one
 */
public record RefclockSample(long localTimeNs, long offsetNs, long delayNs, long dispersionNs, long jitterNs, int leap,
        int samples) {

    /** Leap indicator values, RFC 5905 LI (also ntpd's SHM {@code leap} codes). */
    public static final int LEAP_NONE = 0;
    public static final int LEAP_INSERT = 1;
    public static final int LEAP_DELETE = 2;
    public static final int LEAP_UNSYNCHRONISED = 3;

    /** Whether {@code leap} is a value a synchronised source may announce (not {@link #LEAP_UNSYNCHRONISED}). */
    public static boolean isSynchronisedLeap(int leap) {
        return leap == LEAP_NONE || leap == LEAP_INSERT || leap == LEAP_DELETE;
    }
}
