package org.jntpd.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jntpd.platform.Net;
import org.junit.jupiter.api.Test;

class PacketBatchTest {
    @Test
    void shouldReadAndWriteIpv4AddressesAsNumbers() throws Exception {
        try (PacketBatch b = new PacketBatch(2)) {
            b.ipv4Address(0, 0xc0a80001, 123);
            assertEquals(Net.AF_INET, b.family(0));
            assertEquals(0xc0a80001, b.ipv4(0));
            assertEquals(123, b.port(0));
            assertEquals(new InetSocketAddress(InetAddress.getByName("192.168.0.1"), 123), b.socketAddress(0));
            b.address(1, new InetSocketAddress(InetAddress.getByName("198.18.255.254"), 65535));
            assertEquals(0xc612fffe, b.ipv4(1));
            assertEquals(65535, b.port(1));
        }
    }

    @Test
    void shouldReadAndWriteIpv6AddressesAsTwoLongs() throws Exception {
        try (PacketBatch b = new PacketBatch(2)) {
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("2001:db8::8:800:200c:417a"), 4460);
            b.address(0, a);
            assertEquals(Net.AF_INET6, b.family(0));
            assertEquals(0x20010db800000000L, b.ipv6High(0));
            assertEquals(0x00080800200c417aL, b.ipv6Low(0));
            assertEquals(4460, b.port(0));
            assertEquals(a, b.socketAddress(0));
            b.ipv6Address(1, 0, 1, 123);
            assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 123), b.socketAddress(1));
        }
    }

    @Test
    void shouldCopyAnAddressBetweenBatches() throws Exception {
        try (PacketBatch in = new PacketBatch(2); PacketBatch out = new PacketBatch(2)) {
            in.address(1, new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1234));
            out.ipv4Address(0, 0x7f000001, 9);
            out.copyAddress(in, 1, 0);
            assertEquals(in.socketAddress(1), out.socketAddress(0));
            out.clearAddress(0);
            assertEquals(Net.AF_UNSPEC, out.family(0));
            assertNull(out.socketAddress(0));
        }
    }

    @Test
    void shouldHashAddressesButNotPortsKeyedBySeed() {
        try (PacketBatch b = new PacketBatch(4)) {
            b.ipv4Address(0, 0x0a000001, 123);
            b.ipv4Address(1, 0x0a000001, 40000);
            b.ipv4Address(2, 0x0a000002, 123);
            b.ipv6Address(3, 0, 0x0a000001, 123);
            long seed = 0x5eed;
            assertEquals(b.addressHash(0, seed), b.addressHash(1, seed), "the port does not count");
            assertNotEquals(b.addressHash(0, seed), b.addressHash(2, seed));
            assertNotEquals(b.addressHash(0, seed), b.addressHash(3, seed), "IPv4 and IPv6 differ");
            assertNotEquals(b.addressHash(0, seed), b.addressHash(0, seed + 1), "the seed keys the hash");
            b.ipv6Address(3, 0, 0x0000_ffff_0a00_0001L, 123); // ::ffff:10.0.0.1
            assertEquals(b.addressHash(0, seed), b.addressHash(3, seed), "IPv4 and its mapped form are one client");
            assertEquals(0L, b.addressHigh(0));
            assertEquals(0x0000_ffff_0a00_0001L, b.addressLow(0));
            assertEquals(b.addressLow(0), b.addressLow(3));

            // Avalanche: flipping any one address bit flips about half of the 64 hash bits.
            long flipped = 0;
            int trials = 0;
            for (int a = 0; a < 200; a++) {
                int ip = 0x0a000000 + a * 7919;
                b.ipv4Address(0, ip, 123);
                long h = b.addressHash(0, seed);
                for (int bit = 0; bit < 32; bit++) {
                    b.ipv4Address(1, ip ^ (1 << bit), 123);
                    flipped += Long.bitCount(h ^ b.addressHash(1, seed));
                    trials++;
                }
            }
            double meanFlipped = (double) flipped / trials;
            assertEquals(32.0, meanFlipped, 1.0, "mean hash bits flipped by one address bit");
        }
    }

    @Test
    void shouldRejectBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new PacketBatch(0));
        assertThrows(IllegalArgumentException.class, () -> new PacketBatch(8, 512));
        try (PacketBatch b = new PacketBatch(1, 1024)) {
            assertEquals(1024, b.dataBytes());
            assertEquals(1024, b.data(0).byteSize());
            assertThrows(IllegalArgumentException.class, () -> b.length(0, 1025));
            assertThrows(IllegalArgumentException.class, () -> b.length(0, -1));
        }
    }
}
