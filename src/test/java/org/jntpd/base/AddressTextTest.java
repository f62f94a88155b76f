package org.jntpd.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** RFC 5952 section 4's rules, against Java's long form. */
class AddressTextTest {
    @Test
    void shouldWriteIpv6AsRfc5952Does() throws Exception {
        assertEquals("ff05::101", AddressText.of(InetAddress.ofLiteral("FF05:0:0:0:0:0:0:0101")));
        assertEquals("2001:2::1", AddressText.of(InetAddress.ofLiteral("2001:2:0:0:0:0:0:1")));
        assertEquals("::", AddressText.of(InetAddress.ofLiteral("0:0:0:0:0:0:0:0")));
        assertEquals("::1", AddressText.of(InetAddress.ofLiteral("::1")));
        assertEquals("1::", AddressText.of(InetAddress.ofLiteral("1:0:0:0:0:0:0:0")));
        // one zero group is not shortened; of two equal runs the first is
        assertEquals("2001:db8:0:1:1:1:1:1", AddressText.of(InetAddress.ofLiteral("2001:db8:0:1:1:1:1:1")));
        assertEquals("2001:0:0:1::1", AddressText.of(InetAddress.ofLiteral("2001:0:0:1:0:0:0:1")));
        assertEquals("2001::1:0:0:1", AddressText.of(InetAddress.ofLiteral("2001:0:0:0:1:0:0:1")));
        assertEquals("1:2:3:4:5:6:7:8", AddressText.of(InetAddress.ofLiteral("1:2:3:4:5:6:7:8")));
        assertEquals("fe80::1%3", AddressText.of(Inet6Address.getByAddress(null,
                InetAddress.ofLiteral("fe80::1").getAddress(), 3)));
        assertEquals("198.18.0.1", AddressText.of(InetAddress.ofLiteral("198.18.0.1")));
    }
}
