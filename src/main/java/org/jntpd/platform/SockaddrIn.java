package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.U16_BE;
import static org.jntpd.platform.Structs.U32_BE;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct sockaddr_in (netinet/in.h): 16 bytes; port and address big-endian (the accessors convert).
 *
 * <pre>{@code
 * struct sockaddr_in {
 *     sa_family_t    sin_family;  // AF_INET
 *     in_port_t      sin_port;    // port in network byte order
 *     struct in_addr sin_addr;    // internet address, network byte order
 *     unsigned char  sin_zero[8];
 * };
 * }</pre>
 */
public final class SockaddrIn {
    /** The C layout; named "sockaddr_in" as in the headers (struct sockaddr_in). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin_family"),
            U16_BE.withName("sin_port"),
            U32_BE.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero"))
            .withName("sockaddr_in");

    public static final long SIN_FAMILY_OFFSET = offset("sin_family");
    public static final long SIN_PORT_OFFSET = offset("sin_port");
    public static final long SIN_ADDR_OFFSET = offset("sin_addr");
    public static final long SIN_ZERO_OFFSET = offset("sin_zero");

    private SockaddrIn() {
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

    public static int sin_family(MemorySegment s) {
        return Short.toUnsignedInt(s.get(JAVA_SHORT, SIN_FAMILY_OFFSET));
    }

    public static void sin_family(MemorySegment s, int v) {
        s.set(JAVA_SHORT, SIN_FAMILY_OFFSET, (short) v);
    }

    /** Port in host terms (the field is big-endian). */
    public static int sin_port(MemorySegment s) {
        return Short.toUnsignedInt(s.get(U16_BE, SIN_PORT_OFFSET));
    }

    public static void sin_port(MemorySegment s, int v) {
        s.set(U16_BE, SIN_PORT_OFFSET, (short) v);
    }

    /** IPv4 address as an int, 127.0.0.1 = 0x7f000001. */
    public static int sin_addr(MemorySegment s) {
        return s.get(U32_BE, SIN_ADDR_OFFSET);
    }

    public static void sin_addr(MemorySegment s, int v) {
        s.set(U32_BE, SIN_ADDR_OFFSET, v);
    }

    /** The 8-byte sin_zero (a slice: allocates, setup paths only). */
    public static MemorySegment sin_zero(MemorySegment s) {
        return s.asSlice(SIN_ZERO_OFFSET, 8);
    }
}
