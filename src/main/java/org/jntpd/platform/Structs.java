package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

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

    /** Writes an ASCII name NUL-terminated into a char[size] field (setup paths only). */
    static void putName(MemorySegment s, long offset, int size, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        if (b.length >= size) {
            throw new IllegalArgumentException("name longer than " + (size - 1) + " characters: " + name);
        }
        s.asSlice(offset, size).fill((byte) 0);
        MemorySegment.copy(b, 0, s, JAVA_BYTE, offset, b.length);
    }

    /** Reads a NUL-terminated name from a char[size] field (allocates: setup paths only). */
    static String getName(MemorySegment s, long offset, int size) {
        int n = 0;
        while (n < size && s.get(JAVA_BYTE, offset + n) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        MemorySegment.copy(s, JAVA_BYTE, offset, b, 0, n);
        return new String(b, StandardCharsets.US_ASCII);
    }
}
