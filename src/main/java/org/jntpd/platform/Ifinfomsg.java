package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct ifinfomsg (linux/rtnetlink.h): the body of RTM_GETLINK / RTM_SETLINK before the attributes; 16 bytes.
 *
 * <pre>{@code
 * struct ifinfomsg {
 *     unsigned char  ifi_family;
 *     unsigned char  __ifi_pad;
 *     unsigned short ifi_type;    // ARPHRD_*
 *     int            ifi_index;   // Link index
 *     unsigned       ifi_flags;   // IFF_* flags
 *     unsigned       ifi_change;  // IFF_* change mask
 * };
 * }</pre>
 */
public final class Ifinfomsg {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("ifi_family"),
            JAVA_BYTE.withName("__ifi_pad"),
            JAVA_SHORT.withName("ifi_type"),
            JAVA_INT.withName("ifi_index"),
            JAVA_INT.withName("ifi_flags"),
            JAVA_INT.withName("ifi_change"))
            .withName("ifinfomsg");

    public static final long IFI_FAMILY_OFFSET = offsetIn(LAYOUT, "ifi_family");
    public static final long IFI_INDEX_OFFSET = offsetIn(LAYOUT, "ifi_index");

    private Ifinfomsg() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void ifi_index(MemorySegment s, long at, int v) {
        s.set(JAVA_INT, at + IFI_INDEX_OFFSET, v);
    }

    public static int ifi_index(MemorySegment s, long at) {
        return s.get(JAVA_INT, at + IFI_INDEX_OFFSET);
    }
}
