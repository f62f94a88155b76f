package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.U32_BE;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct in_pktinfo (netinet/in.h, _GNU_SOURCE): the data of an IP_PKTINFO control message. Received, it says where
 * an IPv4 datagram came in; sent, it picks the source address (ipi_spec_dst) and, when not 0, the interface.
 *
 * <pre>{@code
 * struct in_pktinfo {
 *     int            ipi_ifindex;   // interface index
 *     struct in_addr ipi_spec_dst;  // received: the local address a reply should come from (also for broadcasts)
 *     struct in_addr ipi_addr;      // received: the header's destination address
 * };
 * }</pre>
 */
public final class InPktinfo {
    /** The C layout; named "in_pktinfo" as in the headers (struct in_pktinfo). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("ipi_ifindex"),
            U32_BE.withName("ipi_spec_dst"),
            U32_BE.withName("ipi_addr"))
            .withName("in_pktinfo");

    public static final long IPI_IFINDEX_OFFSET = offsetIn(LAYOUT, "ipi_ifindex");
    public static final long IPI_SPEC_DST_OFFSET = offsetIn(LAYOUT, "ipi_spec_dst");
    public static final long IPI_ADDR_OFFSET = offsetIn(LAYOUT, "ipi_addr");

    private InPktinfo() {
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int ipi_ifindex(MemorySegment s, long at) {
        return s.get(JAVA_INT, at + IPI_IFINDEX_OFFSET);
    }

    /** The address as an int (127.0.0.1 = 0x7f000001; the field is big-endian). */
    public static int ipi_spec_dst(MemorySegment s, long at) {
        return s.get(U32_BE, at + IPI_SPEC_DST_OFFSET);
    }

    /** Fills a pktinfo to send from {@code specDst} through any interface (ipi_addr is ignored on send). */
    public static void setForSend(MemorySegment s, long at, int specDst) {
        s.set(JAVA_INT, at + IPI_IFINDEX_OFFSET, 0);
        s.set(U32_BE, at + IPI_SPEC_DST_OFFSET, specDst);
        s.set(U32_BE, at + IPI_ADDR_OFFSET, 0);
    }
}
