package org.jntpd.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Network byte order accessors shared by the flyweights. The layouts are built once here: a layout built with
 * {@code withOrder} inside a hot method allocates on every call. Unaligned variants because NTP fields sit at any
 * offset a caller's buffer puts them (a packet inside a larger receive buffer need not be 8-byte aligned).
 */
final class BigEndian {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private BigEndian() {}

    static int u8(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    static int i8(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset);
    }

    static void u8(MemorySegment segment, long offset, int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    static int u16(MemorySegment segment, long offset) {
        return segment.get(U16, offset) & 0xFFFF;
    }

    static void u16(MemorySegment segment, long offset, int value) {
        segment.set(U16, offset, (short) value);
    }

    static int i32(MemorySegment segment, long offset) {
        return segment.get(U32, offset);
    }

    static void i32(MemorySegment segment, long offset, int value) {
        segment.set(U32, offset, value);
    }

    static long i64(MemorySegment segment, long offset) {
        return segment.get(U64, offset);
    }

    static void i64(MemorySegment segment, long offset, long value) {
        segment.set(U64, offset, value);
    }
}
