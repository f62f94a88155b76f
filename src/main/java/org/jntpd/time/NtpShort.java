package org.jntpd.time;

import static org.jntpd.time.Units.NS_PER_S;

/**
 * The NTP 32-bit short format (RFC 5905 section 6): unsigned 16.16 fixed-point seconds, used for root delay and
 * root dispersion. Values travel as a raw {@code int} ({@code ntpShort}).
 */
public final class NtpShort {
    /** Largest representable value: 65535 + 65535/65536 s. */
    public static final int MAX = 0xFFFF_FFFF;

    private NtpShort() {}

    /** The short format of a non-negative duration, rounded up (a bound must never shrink) and saturated at {@link #MAX}. */
    public static int fromNs(long ns) {
        if (ns <= 0) {
            return 0;
        }
        long s = ns / NS_PER_S;
        if (s > 0xFFFF) {
            return MAX;
        }
        long rem = ns - s * NS_PER_S;
        long frac = ((rem << 16) + NS_PER_S - 1) / NS_PER_S; // ceiling
        long v = (s << 16) + frac;
        return v > 0xFFFF_FFFFL ? MAX : (int) v;
    }

    /** Nanoseconds of a short-format value (unsigned), rounded to nearest. */
    public static long toNs(int ntpShort) {
        long v = Integer.toUnsignedLong(ntpShort);
        return (v >>> 16) * NS_PER_S + (((v & 0xFFFF) * NS_PER_S + (1L << 15)) >>> 16);
    }
}
