package org.jntpd.base;

import java.time.Instant;

/**
 * A time as ISO 8601 UTC text, {@code 2026-12-07T07:14:05.123Z}, exactly as {@link Instant#toString()} writes it
 * (no fraction when it is zero, else milliseconds), written out by hand: {@code Instant.toString} initialises
 * {@code DateTimeFormatter} and with it ~80 classes of {@code java.time} and {@code java.util.regex} (~0.5 MB of
 * class metadata) that the daemon needs for nothing else (bench/README.md, "Footprint").
 */
public final class UtcText {
    private UtcText() {}

    /** {@code unixMs} milliseconds since 1970-01-01T00:00:00Z as {@code Instant.ofEpochMilli(unixMs).toString()}. */
    public static String ofMillis(long unixMs) {
        return of(Math.floorDiv(unixMs, 1000L), (int) Math.floorMod(unixMs, 1000L) * 1_000_000);
    }

    /** {@code unixS} seconds since 1970-01-01T00:00:00Z as {@code Instant.ofEpochSecond(unixS).toString()}. */
    public static String ofSeconds(long unixS) {
        return of(unixS, 0);
    }

    /** {@code unixNs} nanoseconds since 1970-01-01T00:00:00Z as {@code Instant.ofEpochSecond(s, ns).toString()}. */
    public static String ofNanos(long unixNs) {
        return of(Math.floorDiv(unixNs, 1_000_000_000L), (int) Math.floorMod(unixNs, 1_000_000_000L));
    }

    /** As {@code Instant.ofEpochSecond(unixS, nanos).toString()}, {@code nanos} in [0, 1e9). */
    private static String of(long unixS, int nanos) {
        long day = Math.floorDiv(unixS, 86_400L);
        int sod = (int) Math.floorMod(unixS, 86_400L);
        if (day < -719_528 || day > 2_932_896) { // outside 0000-01-01..9999-12-31: signs and wider years, Instant's rules
            return Instant.ofEpochSecond(unixS, nanos).toString();
        }
        // Civil date from day number (H. Hinnant's algorithm, as LeapSeconds.isJuneOrDecemberEnd).
        long z = day + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int dom = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        StringBuilder b = new StringBuilder(30);
        pad(b, year, 4).append('-');
        pad(b, month, 2).append('-');
        pad(b, dom, 2).append('T');
        pad(b, sod / 3600, 2).append(':');
        pad(b, sod / 60 % 60, 2).append(':');
        pad(b, sod % 60, 2);
        if (nanos % 1_000_000 == 0) { // as Instant: no fraction, or 3, 6 or 9 digits
            if (nanos != 0) {
                pad(b.append('.'), nanos / 1_000_000, 3);
            }
        } else if (nanos % 1000 == 0) {
            pad(b.append('.'), nanos / 1000, 6);
        } else {
            pad(b.append('.'), nanos, 9);
        }
        return b.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder b, long v, int width) {
        String s = Long.toString(v);
        for (int i = s.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(s);
    }
}
