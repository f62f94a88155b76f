package org.jntpd.wire;

import java.lang.foreign.MemorySegment;

/** What every flyweight of this package points at: {@code length} bytes of a segment from {@code offset}. */
abstract class Flyweight {
    MemorySegment segment;
    long offset;
    int length;

    final void point(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.offset = offset;
        this.length = length;
    }

    public final MemorySegment segment() {
        return segment;
    }

    /** Absolute offset of the first byte in {@link #segment()}. */
    public final long offset() {
        return offset;
    }

    /** Length given to {@code wrap}: the whole packet, message or MAC. */
    public final int length() {
        return length;
    }
}
