package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ipv6_mreq (netinet/in.h): the argument of IPV6_JOIN_GROUP, an IPv6 multicast group and the interface (by its
 * index; 0 = the kernel picks by route, which a link-local group such as ff02::101 has none of) to join it on.
 *
 * <pre>{@code
 * struct ipv6_mreq {
 *     struct in6_addr ipv6mr_multiaddr;  // the group
 *     unsigned int    ipv6mr_interface;  // the interface's index
 * };
 * }</pre>
 */
public final class Ipv6Mreq {
    /** The C layout; named "ipv6_mreq" as in the headers. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("ipv6mr_multiaddr"),
            JAVA_INT.withName("ipv6mr_interface"))
            .withName("ipv6_mreq");

    public static final long IPV6MR_MULTIADDR_OFFSET = offsetIn(LAYOUT, "ipv6mr_multiaddr");
    public static final long IPV6MR_INTERFACE_OFFSET = offsetIn(LAYOUT, "ipv6mr_interface");

    private Ipv6Mreq() {
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** The group's 16 bytes (network order, as {@code InetAddress.getAddress()} gives them) and the interface index. */
    public static void set(MemorySegment s, long at, byte[] group, int ifIndex) {
        if (group.length != 16) {
            throw new IllegalArgumentException("an IPv6 group has 16 bytes, not " + group.length);
        }
        MemorySegment.copy(group, 0, s, JAVA_BYTE, at + IPV6MR_MULTIADDR_OFFSET, 16);
        s.set(JAVA_INT, at + IPV6MR_INTERFACE_OFFSET, ifIndex);
    }
}
