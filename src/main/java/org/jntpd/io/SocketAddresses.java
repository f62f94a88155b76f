package org.jntpd.io;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import org.jntpd.platform.Net;
import org.jntpd.platform.SockaddrIn;
import org.jntpd.platform.SockaddrIn6;

/** Java socket addresses to and from sockaddr_in / sockaddr_in6 (setup and diagnostics: these allocate). */
final class SocketAddresses {
    private SocketAddresses() {
    }

    static int familyOf(InetSocketAddress a) {
        if (a.getAddress() instanceof Inet4Address) {
            return Net.AF_INET;
        }
        if (a.getAddress() instanceof Inet6Address) {
            return Net.AF_INET6;
        }
        throw new IllegalArgumentException("address: expected a resolved IPv4 or IPv6 address, got " + a);
    }

    /** Writes {@code a} as a sockaddr into {@code s} (at least sockaddr_in6-sized); returns the sockaddr's length. */
    static int write(MemorySegment s, InetSocketAddress a) {
        int family = familyOf(a);
        s.asSlice(0, SockaddrIn6.sizeof()).fill((byte) 0);
        ByteBuffer ip = ByteBuffer.wrap(a.getAddress().getAddress());
        if (family == Net.AF_INET) {
            SockaddrIn.sin_family(s, Net.AF_INET);
            SockaddrIn.sin_port(s, a.getPort());
            SockaddrIn.sin_addr(s, ip.getInt());
            return (int) SockaddrIn.sizeof();
        }
        SockaddrIn6.sin6_family(s, Net.AF_INET6);
        SockaddrIn6.sin6_port(s, a.getPort());
        SockaddrIn6.sin6_addr(s, ip.getLong(), ip.getLong());
        SockaddrIn6.sin6_scope_id(s, ((Inet6Address) a.getAddress()).getScopeId());
        return (int) SockaddrIn6.sizeof();
    }

    /** The address in {@code s}, or null when it is not an IPv4/IPv6 one of {@code length} bytes. */
    static InetSocketAddress read(MemorySegment s, int length) {
        try {
            int family = length < 2 ? Net.AF_UNSPEC : SockaddrIn.sin_family(s);
            if (family == Net.AF_INET && length >= SockaddrIn.sizeof()) {
                byte[] ip = ByteBuffer.allocate(4).putInt(SockaddrIn.sin_addr(s)).array();
                return new InetSocketAddress(InetAddress.getByAddress(ip), SockaddrIn.sin_port(s));
            }
            if (family == Net.AF_INET6 && length >= SockaddrIn6.sizeof()) {
                byte[] ip = ByteBuffer.allocate(16).putLong(SockaddrIn6.sin6_addr_high(s))
                        .putLong(SockaddrIn6.sin6_addr_low(s)).array();
                return new InetSocketAddress(Inet6Address.getByAddress(null, ip, SockaddrIn6.sin6_scope_id(s)),
                        SockaddrIn6.sin6_port(s));
            }
            return null;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // not for 4 or 16 bytes
        }
    }
}
