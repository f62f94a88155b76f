package org.jntpd.server;

/**
 * Client addresses on the packet path as two longs, without objects: IPv6 as its 128 bits (high, low), IPv4 as the
 * IPv4-mapped IPv6 address {@code ::ffff:a.b.c.d}, so one comparison path serves both families.
 */
public final class ClientAddress {
    /** High half of every IPv4-mapped address. */
    public static final long MAPPED_HI = 0L;
    private static final long MAPPED_LO_PREFIX = 0x0000_FFFF_0000_0000L;

    private ClientAddress() {}

    /** Low half of the IPv4-mapped form of {@code ipv4} (address in host order, a.b.c.d = 0xaabbccdd). */
    public static long mappedLo(int ipv4) {
        return MAPPED_LO_PREFIX | Integer.toUnsignedLong(ipv4);
    }

    /** True when (hi, lo) is an IPv4-mapped address. */
    public static boolean isMappedIpv4(long hi, long lo) {
        return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == MAPPED_LO_PREFIX;
    }

    /** Reads 4 or 16 address bytes (network order) into the two-long form; out[0] = hi, out[1] = lo. */
    public static void fromBytes(byte[] address, long[] out) {
        if (address.length == 4) {
            int v4 = (address[0] & 0xFF) << 24 | (address[1] & 0xFF) << 16 | (address[2] & 0xFF) << 8 | address[3] & 0xFF;
            out[0] = MAPPED_HI;
            out[1] = mappedLo(v4);
        } else if (address.length == 16) {
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < 8; i++) {
                hi = hi << 8 | address[i] & 0xFF;
                lo = lo << 8 | address[i + 8] & 0xFF;
            }
            out[0] = hi;
            out[1] = lo;
        } else {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length);
        }
    }
}
