package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.U16_BE;
import static org.jntpd.platform.Structs.U32_BE;
import static org.jntpd.platform.Structs.U64_BE;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct sockaddr_in6 (netinet/in.h): 28 bytes; port, flow info and address big-endian (the accessors convert).
 *
 * <pre>{@code
 * struct sockaddr_in6 {
 *     sa_family_t     sin6_family;    // AF_INET6
 *     in_port_t       sin6_port;      // port, network byte order
 *     uint32_t        sin6_flowinfo;  // IPv6 flow information
 *     struct in6_addr sin6_addr;      // IPv6 address, 16 bytes
 *     uint32_t        sin6_scope_id;  // scope id (interface index for link-local)
 * };
 * }</pre>
 */
public final class SockaddrIn6 {
    /** The C layout; named "sockaddr_in6" as in the headers (struct sockaddr_in6). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin6_family"),
            U16_BE.withName("sin6_port"),
            U32_BE.withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
            JAVA_INT.withName("sin6_scope_id"))
            .withName("sockaddr_in6");

    public static final long SIN6_FAMILY_OFFSET = offset("sin6_family");
    public static final long SIN6_PORT_OFFSET = offset("sin6_port");
    public static final long SIN6_FLOWINFO_OFFSET = offset("sin6_flowinfo");
    public static final long SIN6_ADDR_OFFSET = offset("sin6_addr");
    public static final long SIN6_SCOPE_ID_OFFSET = offset("sin6_scope_id");

    private SockaddrIn6() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    private static long offset(String field) {
        return offsetIn(LAYOUT, field);
    }

    public static int sin6_family(MemorySegment s) {
        return Short.toUnsignedInt(s.get(JAVA_SHORT, SIN6_FAMILY_OFFSET));
    }

    public static void sin6_family(MemorySegment s, int v) {
        s.set(JAVA_SHORT, SIN6_FAMILY_OFFSET, (short) v);
    }

    /** Port in host terms (the field is big-endian). */
    public static int sin6_port(MemorySegment s) {
        return Short.toUnsignedInt(s.get(U16_BE, SIN6_PORT_OFFSET));
    }

    public static void sin6_port(MemorySegment s, int v) {
        s.set(U16_BE, SIN6_PORT_OFFSET, (short) v);
    }

    public static int sin6_flowinfo(MemorySegment s) {
        return s.get(U32_BE, SIN6_FLOWINFO_OFFSET);
    }

    public static void sin6_flowinfo(MemorySegment s, int v) {
        s.set(U32_BE, SIN6_FLOWINFO_OFFSET, v);
    }

    /** The 16-byte sin6_addr (a slice: allocates, setup paths only). */
    public static MemorySegment sin6_addr(MemorySegment s) {
        return s.asSlice(SIN6_ADDR_OFFSET, 16);
    }

    public static int sin6_scope_id(MemorySegment s) {
        return s.get(JAVA_INT, SIN6_SCOPE_ID_OFFSET);
    }

    public static void sin6_scope_id(MemorySegment s, int v) {
        s.set(JAVA_INT, SIN6_SCOPE_ID_OFFSET, v);
    }

    /** The first 8 bytes of the address as a big-endian long (::1 has high 0, low 1). */
    public static long sin6_addr_high(MemorySegment s) {
        return s.get(U64_BE, SIN6_ADDR_OFFSET);
    }

    /** The last 8 bytes of the address as a big-endian long. */
    public static long sin6_addr_low(MemorySegment s) {
        return s.get(U64_BE, SIN6_ADDR_OFFSET + 8);
    }

    public static void sin6_addr(MemorySegment s, long high, long low) {
        s.set(U64_BE, SIN6_ADDR_OFFSET, high);
        s.set(U64_BE, SIN6_ADDR_OFFSET + 8, low);
    }
}
