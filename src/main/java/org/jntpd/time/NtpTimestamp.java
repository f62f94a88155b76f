package org.jntpd.time;

import static org.jntpd.time.Units.NS_PER_S;

/**
 * The NTP 64-bit timestamp (RFC 5905 section 6): 32 bits of seconds since 1900-01-01T00:00:00Z within an era of
 * 2^32 s, and 32 bits of fraction. Values travel as a raw {@code long} ({@code ntp64}) with the seconds in the
 * high 32 bits, exactly as the bytes appear on the wire read big-endian.
 *
 * <p>A timestamp does not say which era it belongs to. {@link #toUnixNs(long, long)} resolves it against a pivot
 * (normally the local clock): the result is the instant within +-2^31 s (68 years) of the pivot. Conversions are
 * exact in both directions for every nanosecond (the fraction's resolution is 0.23 ns), so
 * {@code toUnixNs(fromUnixNs(t), t) == t}.
 */
public final class NtpTimestamp {
    /** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
    public static final long UNIX_EPOCH_NTP_S = 2_208_988_800L;
    /** Length of one NTP era in seconds. */
    public static final long ERA_S = 1L << 32;
    /** Unix second at which era 1 starts: 2036-02-07T06:28:16Z. */
    public static final long ERA1_START_UNIX_S = ERA_S - UNIX_EPOCH_NTP_S;


    private NtpTimestamp() {}

    /** The timestamp of {@code unixNs} (ns since 1970, negative before), its era dropped. Rounds to nearest. */
    public static long fromUnixNs(long unixNs) {
        long unixS = Math.floorDiv(unixNs, NS_PER_S);
        long nsOfSecond = unixNs - unixS * NS_PER_S;
        // nsOfSecond < 1e9, so the rounded fraction stays below 2^32 and never carries into the seconds.
        long frac = ((nsOfSecond << 32) + NS_PER_S / 2) / NS_PER_S;
        return ((unixS + UNIX_EPOCH_NTP_S) << 32) | frac;
    }

    /** Seconds field (unsigned 32 bits). */
    public static long seconds(long ntp64) {
        return ntp64 >>> 32;
    }

    /** Fraction field (unsigned 32 bits, units of 2^-32 s). */
    public static long fraction(long ntp64) {
        return ntp64 & 0xFFFF_FFFFL;
    }

    /** Builds a timestamp from its two fields. */
    public static long of(long seconds, long fraction) {
        return (seconds << 32) | (fraction & 0xFFFF_FFFFL);
    }

    /** The fraction field as nanoseconds, rounded to nearest (0..1e9; exactly 1e9 only for fractions within 0.12 ns of 1 s). */
    public static long fractionToNs(long ntp64) {
        return (fraction(ntp64) * NS_PER_S + (1L << 31)) >>> 32;
    }

    /**
     * Unix nanoseconds of {@code ntp64}, placing it in the era that puts it within [-2^31, 2^31) seconds of
     * {@code pivotUnixNs} (RFC 5905's rule for resolving the era from a nearby clock).
     */
    public static long toUnixNs(long ntp64, long pivotUnixNs) {
        long pivotNtpS = Math.floorDiv(pivotUnixNs, NS_PER_S) + UNIX_EPOCH_NTP_S;
        int deltaS = (int) (seconds(ntp64) - pivotNtpS); // signed distance modulo 2^32
        long ntpS = pivotNtpS + deltaS;
        return (ntpS - UNIX_EPOCH_NTP_S) * NS_PER_S + fractionToNs(ntp64);
    }

    /**
     * Unix nanoseconds of {@code ntp64} with no clock to pivot on, by NTPv3's rule: seconds with the top bit set
     * are era 0 (1968-01-20 to 2036-02-07), without it era 1 (2036-02-07 to 2104-02-26).
     */
    public static long toUnixNsEra01(long ntp64) {
        long s = seconds(ntp64);
        long ntpS = (s & 0x8000_0000L) != 0 ? s : s + ERA_S;
        return (ntpS - UNIX_EPOCH_NTP_S) * NS_PER_S + fractionToNs(ntp64);
    }

    /** {@code a - b} in nanoseconds for two timestamps less than 68 years apart (era-free, as RFC 5905 computes). */
    public static long diffNs(long a, long b) {
        long d = a - b; // 32.32 fixed point, wraps modulo 2^64 = modulo one era
        // d * 1e9 / 2^32 without overflow: split into whole seconds and fraction.
        long s = d >> 32;
        long f = d & 0xFFFF_FFFFL;
        return s * NS_PER_S + ((f * NS_PER_S + (1L << 31)) >>> 32);
    }

    /** {@code ntp64} moved by {@code deltaNs} (wrapping across eras as the wire format does). */
    public static long plusNs(long ntp64, long deltaNs) {
        long s = Math.floorDiv(deltaNs, NS_PER_S);
        long ns = deltaNs - s * NS_PER_S;
        long frac = ((ns << 32) + NS_PER_S / 2) / NS_PER_S;
        return ntp64 + (s << 32) + frac;
    }

    /** ISO-8601-like rendering for logs and tools (allocates; never on the packet path). */
    public static String format(long ntp64, long pivotUnixNs) {
        long unixNs = toUnixNs(ntp64, pivotUnixNs);
        return java.time.Instant.ofEpochSecond(Math.floorDiv(unixNs, NS_PER_S), Math.floorMod(unixNs, NS_PER_S)).toString();
    }
}
