package org.jntpd.time;

/**
 * How the error bound of a time grows with its age (RFC 5905 sections 7.3 and 11.2): at PHI, the frequency tolerance
 * every clock is assumed to keep, whatever its estimate says.
 */
public final class Dispersion {
    /** RFC 5905's PHI, 15 ppm, as a rate (seconds per second). */
    public static final double PHI = 15e-6;
    /** The same in ppm. */
    public static final double PHI_PPM = 15.0;

    private Dispersion() {}

    /** The dispersion a time gains over {@code elapsedNs} (none for a negative interval), ns rounded down. */
    public static long grownNs(long elapsedNs) {
        return (long) (PHI * Math.max(0, elapsedNs));
    }
}
