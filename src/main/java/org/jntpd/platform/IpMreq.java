package org.jntpd.platform;

import static org.jntpd.platform.Structs.U32_BE;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ip_mreq (netinet/in.h): the argument of IP_ADD_MEMBERSHIP, a multicast group and the local interface (by its
 * address; 0 = the kernel picks by route) to join it on.
 *
 * <pre>{@code
 * struct ip_mreq {
 *     struct in_addr imr_multiaddr;  // the group
 *     struct in_addr imr_interface;  // the local interface's address
 * };
 * }</pre>
 */
public final class IpMreq {
    /** The C layout; named "ip_mreq" as in the headers. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            U32_BE.withName("imr_multiaddr"),
            U32_BE.withName("imr_interface"))
            .withName("ip_mreq");

    public static final long IMR_MULTIADDR_OFFSET = offsetIn(LAYOUT, "imr_multiaddr");
    public static final long IMR_INTERFACE_OFFSET = offsetIn(LAYOUT, "imr_interface");

    private IpMreq() {
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** Both addresses as ints (224.0.1.1 = 0xe0000101; the fields are big-endian). */
    public static void set(MemorySegment s, long at, int group, int iface) {
        s.set(U32_BE, at + IMR_MULTIADDR_OFFSET, group);
        s.set(U32_BE, at + IMR_INTERFACE_OFFSET, iface);
    }
}
