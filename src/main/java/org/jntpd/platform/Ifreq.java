package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ifreq (net/if.h): the argument of interface ioctls such as SIOCGHWTSTAMP; 40 bytes.
 *
 * <pre>{@code
 * struct ifreq {
 *     char ifr_name[IFNAMSIZ];  // interface name, e.g. "eth0"
 *     union {                   // jntpd uses ifr_data only
 *         ...
 *         char *ifr_data;
 *     };
 * };
 * }</pre>
 */
public final class Ifreq {
    /** The C layout; named "ifreq" as in the headers (struct ifreq). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("ifr_name"),
            ADDRESS.withName("ifr_data"),
            MemoryLayout.paddingLayout(16))
            .withName("ifreq");

    public static final long IFR_NAME_OFFSET = offset("ifr_name");
    public static final long IFR_DATA_OFFSET = offset("ifr_data");

    private Ifreq() {
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

    /** The 16-byte ifr_name (a slice: allocates, setup paths only). */
    public static MemorySegment ifr_name(MemorySegment s) {
        return s.asSlice(IFR_NAME_OFFSET, 16);
    }

    public static MemorySegment ifr_data(MemorySegment s) {
        return s.get(ADDRESS, IFR_DATA_OFFSET);
    }

    public static void ifr_data(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, IFR_DATA_OFFSET, v);
    }
}
