package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.U64_BE;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct in6_pktinfo (netinet/in.h, _GNU_SOURCE): the data of an IPV6_PKTINFO control message. Received (with
 * IPV6_RECVPKTINFO on), the destination address and interface of an IPv6 datagram; sent, the source address and
 * interface of the reply (the interface matters for link-local addresses).
 *
 * <pre>{@code
 * struct in6_pktinfo {
 *     struct in6_addr ipi6_addr;     // destination (received) or source (sent) address
 *     unsigned int    ipi6_ifindex;  // interface index
 * };
 * }</pre>
 */
public final class In6Pktinfo {
    /** The C layout; named "in6_pktinfo" as in the headers (struct in6_pktinfo). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("ipi6_addr"),
            JAVA_INT.withName("ipi6_ifindex"))
            .withName("in6_pktinfo");

    public static final long IPI6_ADDR_OFFSET = offsetIn(LAYOUT, "ipi6_addr");
    public static final long IPI6_IFINDEX_OFFSET = offsetIn(LAYOUT, "ipi6_ifindex");

    private In6Pktinfo() {
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** First 8 bytes of the address, big-endian. */
    public static long ipi6_addr_high(MemorySegment s, long at) {
        return s.get(U64_BE, at + IPI6_ADDR_OFFSET);
    }

    /** Last 8 bytes of the address, big-endian. */
    public static long ipi6_addr_low(MemorySegment s, long at) {
        return s.get(U64_BE, at + IPI6_ADDR_OFFSET + 8);
    }

    public static int ipi6_ifindex(MemorySegment s, long at) {
        return s.get(JAVA_INT, at + IPI6_IFINDEX_OFFSET);
    }

    public static void set(MemorySegment s, long at, long high, long low, int ifindex) {
        s.set(U64_BE, at + IPI6_ADDR_OFFSET, high);
        s.set(U64_BE, at + IPI6_ADDR_OFFSET + 8, low);
        s.set(JAVA_INT, at + IPI6_IFINDEX_OFFSET, ifindex);
    }
}
