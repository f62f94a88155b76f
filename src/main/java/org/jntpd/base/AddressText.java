package org.jntpd.base;

import java.net.Inet6Address;
import java.net.InetAddress;

/** Addresses as text for configuration output and logs: IPv6 in RFC 5952's short form, not Java's long one. */
public final class AddressText {
    private AddressText() {
    }

    /**
     * IPv4 dotted; IPv6 as RFC 5952 writes it ({@code 2001:2::1}, {@code ff05::101}), with {@code %scope} when scoped.
     */
    public static String of(InetAddress a) {
        if (!(a instanceof Inet6Address six)) {
            return a.getHostAddress();
        }
        return ipv6(a.getAddress()) + (six.getScopeId() != 0 ? "%" + six.getScopeId() : "");
    }

    /**
     * RFC 5952's text of a 16-byte address: lower-case hex, no leading zeros, the first longest run of two or more zero
     * groups as "::".
     */
    static String ipv6(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (a[2 * i] & 0xFF) << 8 | a[2 * i + 1] & 0xFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }
}
