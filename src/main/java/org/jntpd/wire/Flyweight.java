package org.jntpd.wire;

import java.lang.foreign.MemorySegment;

/** What every flyweight of this package points at: {@code length} bytes of a segment from {@code offset}. */
abstract class Flyweight {
    /**
     * Every flyweight class is loaded with the first one (loaded, not initialised): while only one subclass is loaded
     * the JIT compiles the code of {@link #point} and its callers for that subclass alone, and throws it away when a
     * second one loads, e.g. at the first mode 6 request, long after the serving path was warmed up and compiled.
     */
    @SuppressWarnings("unused")
    private static final Class<?>[] ALL_KINDS = {NtpPacket.class, ControlMessage.class, LegacyMac.class};

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
