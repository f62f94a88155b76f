package org.jntpd.mode6;

import java.util.Locale;

/**
 * Values formatted as ntpd and NTPsec put them in mode 6 text (ntp_control.c: ctl_putdbl6, ctl_putts, ctl_puthex ...),
 * in the units ntpq expects: times in milliseconds, frequencies in ppm, timestamps as hexadecimal NTP l_fp.
 *
 * <p>Formatted with no locale ({@code (Locale) null}: digits '0'-'9', '.', '-', exactly what {@code Locale.ROOT}
 * gives): a locale makes {@code Formatter} fetch its {@code DecimalFormatSymbols} for every number, which loads the
 * JDK's CLDR locale data, resource bundles and regex (~80 classes) into a daemon that builds these values from its
 * start (bench/README.md, "Footprint").
 */
public final class Values {
    private Values() {}

    /** Nanoseconds as milliseconds with 6 decimals (NTPsec's ctl_putdbl6 of offset, delay, jitter ...). */
    public static String ms(double ns) {
        return String.format((Locale) null, "%.6f", ns / 1e6);
    }

    /** Parts per million with 6 decimals (frequency, clk_wander). */
    public static String ppm(double ppm) {
        return String.format((Locale) null, "%.6f", ppm);
    }

    /** An NTP 64-bit timestamp as {@code 0xSSSSSSSS.FFFFFFFF} (ctl_putts). */
    public static String timestamp(long ntp64) {
        return String.format((Locale) null, "0x%08x.%08x", ntp64 >>> 32, ntp64 & 0xFFFF_FFFFL);
    }

    /** The NTP timestamp {@link #timestamp} wrote ({@code 0xSSSSSSSS.FFFFFFFF}); IllegalArgumentException if not one. */
    public static long parseTimestamp(String text) {
        if (text.length() != 19 || !text.startsWith("0x") || text.charAt(10) != '.') {
            throw new IllegalArgumentException("not an NTP timestamp: " + text);
        }
        return Long.parseUnsignedLong(text, 2, 10, 16) << 32 | Long.parseUnsignedLong(text, 11, 19, 16);
    }

    /** Hexadecimal with 0x (ctl_puthex: reach, flash). */
    public static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** A quoted string (ctl_putstr); quotes and control characters in {@code s} become '?'. */
    public static String quoted(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c == '"' || c < ' ' || c >= 0x7F ? '?' : c);
        }
        return b.append('"').toString();
    }
}
