package org.jntpd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.List;
import org.jntpd.config.ConfigParser;
import org.junit.jupiter.api.Test;

class AccessControlTest {
    private static AccessControl compile(String text) throws Exception {
        return AccessControl.compile(ConfigParser.parse("t.conf", text, null).restrictions());
    }

    private static int flags(AccessControl ac, String address, int port) throws Exception {
        long[] a = new long[2];
        ClientAddress.fromBytes(InetAddress.ofLiteral(address).getAddress(), a);
        return ac.flags(a[0], a[1], port);
    }

    @Test
    void shouldUseSafeDefaultsWithoutRestrictLines() throws Exception {
        AccessControl ac = AccessControl.compile(List.of());
        int stranger = AccessControl.NOQUERY | AccessControl.NOMODIFY;
        assertEquals(stranger, flags(ac, "192.0.2.1", 40000));
        assertEquals(stranger, flags(ac, "2001:db8::1", 40000));
        assertEquals(AccessControl.NOMODIFY, flags(ac, "127.0.0.1", 40000));
        assertEquals(AccessControl.NOMODIFY, flags(ac, "::1", 40000));
    }

    @Test
    void shouldPickTheMostSpecificRule() throws Exception {
        AccessControl ac = compile("""
                restrict default ignore
                restrict 10.0.0.0/8 limited
                restrict 10.1.0.0 mask 255.255.0.0 kod limited
                restrict 10.1.2.3 noserve
                restrict 2001:db8::/32 noquery
                """);
        assertEquals(AccessControl.IGNORE, flags(ac, "192.0.2.1", 1));
        assertEquals(AccessControl.IGNORE, flags(ac, "2001:db9::1", 1));
        assertEquals(AccessControl.LIMITED, flags(ac, "10.200.0.1", 1));
        assertEquals(AccessControl.LIMITED | AccessControl.KOD, flags(ac, "10.1.9.9", 1));
        assertEquals(AccessControl.NOSERVE, flags(ac, "10.1.2.3", 1));
        assertEquals(AccessControl.NOQUERY, flags(ac, "2001:db8:ffff::7", 1));
        // An IPv4-mapped IPv6 address is the IPv4 client.
        assertEquals(AccessControl.NOSERVE, flags(ac, "::ffff:10.1.2.3", 1));
    }

    @Test
    void shouldMergeRepeatedRulesAndHonourUnrestrict() throws Exception {
        AccessControl ac = compile("""
                restrict 192.0.2.0/24 noquery
                restrict 192.0.2.0/24 limited kod
                unrestrict 192.0.2.0/24 kod
                restrict 198.51.100.7 ignore
                unrestrict 198.51.100.7
                """);
        assertEquals(AccessControl.NOQUERY | AccessControl.LIMITED, flags(ac, "192.0.2.77", 5));
        assertEquals(AccessControl.NOQUERY | AccessControl.NOMODIFY, flags(ac, "198.51.100.7", 5), "rule removed: defaults apply");
    }

    @Test
    void shouldMatchNtpportRulesOnlyFromPort123() throws Exception {
        AccessControl ac = compile("restrict default\nrestrict 192.0.2.5 ntpport ignore\n");
        assertEquals(AccessControl.IGNORE, flags(ac, "192.0.2.5", 123));
        assertEquals(0, flags(ac, "192.0.2.5", 50123));
    }
}
