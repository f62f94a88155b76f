package org.jntpd.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The set of destination addresses the raw path answers for, in the form the frame codec gives the server's address
 * (IPv4 as ::ffff:a.b.c.d): the device's addresses, narrowed by bind addresses, replaced whole on a change.
 */
class ServedAddressesTest {
    private static final byte[] V4 = InetAddress.ofLiteral("198.18.0.1").getAddress();
    private static final byte[] V4_OTHER = InetAddress.ofLiteral("198.18.0.7").getAddress();
    private static final byte[] V6 = InetAddress.ofLiteral("2001:2::1").getAddress();
    private static final byte[] LINK_LOCAL = InetAddress.ofLiteral("fe80::1").getAddress();

    /** (hi, lo) of an address as {@link FrameCodec#parse} fills serverHi/serverLo, from a crafted frame. */
    private static long[] asParsed(String destination) {
        boolean v6 = destination.contains(":");
        byte[] dst = InetAddress.ofLiteral(destination).getAddress();
        byte[] src = InetAddress.ofLiteral(v6 ? "2001:2::2" : "198.18.0.2").getAddress();
        byte[] f = new byte[14 + (v6 ? 40 : 20) + 8 + 48];
        f[12] = (byte) (v6 ? 0x86 : 0x08);
        f[13] = (byte) (v6 ? 0xDD : 0x00);
        int ip = 14;
        int udpLength = 8 + 48;
        if (v6) {
            f[ip] = 0x60;
            f[ip + 4] = 0;
            f[ip + 5] = (byte) udpLength;
            f[ip + 6] = 17;
            f[ip + 7] = 64;
            System.arraycopy(src, 0, f, ip + 8, 16);
            System.arraycopy(dst, 0, f, ip + 24, 16);
        } else {
            f[ip] = 0x45;
            f[ip + 3] = (byte) (20 + udpLength);
            f[ip + 8] = 64;
            f[ip + 9] = 17;
            System.arraycopy(src, 0, f, ip + 12, 4);
            System.arraycopy(dst, 0, f, ip + 16, 4);
        }
        int udp = ip + (v6 ? 40 : 20);
        f[udp] = 0x30;
        f[udp + 1] = 0x39;
        f[udp + 3] = 123;
        f[udp + 5] = (byte) udpLength;
        f[udp + 8] = 0x23;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(f.length);
            s.copyFrom(MemorySegment.ofArray(f));
            if (!v6) {
                s.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                        ip + 10, (short) ~FrameCodec.fold(FrameCodec.sum(s, ip, 20, 0)));
            }
            long udpSum = FrameCodec.sum(s, ip + (v6 ? 8 : 12), v6 ? 32 : 8, 17 + udpLength);
            s.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                    udp + 6, (short) ~FrameCodec.fold(FrameCodec.sum(s, udp, udpLength, udpSum)));
            FrameCodec codec = new FrameCodec();
            assertEquals(FrameCodec.OK, codec.parse(s, 0, f.length), destination);
            return new long[] {codec.serverHi, codec.serverLo};
        }
    }

    private static boolean contains(ServedAddresses s, String destination) {
        long[] p = asParsed(destination);
        return s.contains(p[0], p[1]);
    }

    @Test
    void shouldServeEveryAddressOfTheDeviceWhenNothingIsBoundAndNoOther() {
        ServedAddresses s = new ServedAddresses(List.of(), null);
        assertFalse(contains(s, "198.18.0.1"), "nothing before the first read");
        assertTrue(s.update(List.of(V4, V6, LINK_LOCAL)));
        assertTrue(contains(s, "198.18.0.1"));
        assertTrue(contains(s, "2001:2::1"));
        assertTrue(contains(s, "fe80::1"));
        assertFalse(contains(s, "198.18.5.5"), "routed through");
        assertFalse(contains(s, "2001:2:0:5::5"), "routed through");
        assertFalse(contains(s, "::198.18.0.1"), "an IPv4-compatible IPv6 address is not the IPv4 one");
        assertEquals(List.of("198.18.0.1", "2001:2:0:0:0:0:0:1", "fe80:0:0:0:0:0:0:1"), s.describe());
    }

    @Test
    void shouldServeOnlyTheBoundAddressesOfTheDeviceWhenBound() {
        ServedAddresses s = new ServedAddresses(List.of("198.18.0.1", "2001:2::99"), null);
        s.update(List.of(V4, V4_OTHER, V6));
        assertTrue(contains(s, "198.18.0.1"));
        assertFalse(contains(s, "198.18.0.7"), "the device's, but the server is not bound to it");
        assertFalse(contains(s, "2001:2::1"), "the device's, but the server is not bound to it");
        assertFalse(contains(s, "2001:2::99"), "bound, but not on this device");

        ServedAddresses wildcard6 = new ServedAddresses(List.of("198.18.0.7", "::"), null);
        wildcard6.update(List.of(V4, V4_OTHER, V6, LINK_LOCAL));
        assertEquals(List.of("198.18.0.7", "2001:2:0:0:0:0:0:1", "fe80:0:0:0:0:0:0:1"), wildcard6.describe());
    }

    @Test
    void shouldFollowAddressesAddedAndRemoved() {
        ServedAddresses s = new ServedAddresses(List.of(), null);
        s.update(List.of(V4, V6));
        assertFalse(s.update(List.of(V6, V4)), "the same set in another order is no change");
        assertTrue(s.update(List.of(V4, V4_OTHER, V6)));
        assertTrue(contains(s, "198.18.0.7"));
        assertTrue(s.update(List.of(V4_OTHER)));
        assertFalse(contains(s, "198.18.0.1"), "removed from the device: no longer answered for");
        assertFalse(contains(s, "2001:2::1"));
        assertTrue(contains(s, "198.18.0.7"));
        assertTrue(s.update(List.of()));
        assertFalse(contains(s, "198.18.0.7"));
    }
}
