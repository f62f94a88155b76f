package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Shared pieces of the struct classes: network-order layouts and offset lookup (all at class init, never per call). */
final class Structs {
    /** A big-endian u16 (ports), read and written as host values. */
    static final ValueLayout.OfShort U16_BE = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** A big-endian u32 (IPv4 addresses, flow info). */
    static final ValueLayout.OfInt U32_BE = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** A big-endian u64 (halves of IPv6 addresses). */
    static final ValueLayout.OfLong U64_BE = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Structs() {
    }

    static long offsetIn(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
