package org.jntpd.wire;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

/** Test helpers: hex, and segments sized exactly to their content so any read past the end throws. */
final class Bytes {
    private Bytes() {}

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** A heap segment of exactly {@code bytes.length} bytes over a copy of {@code bytes}. */
    static MemorySegment heap(byte[] bytes) {
        return MemorySegment.ofArray(bytes.clone());
    }

    /** A native segment of exactly {@code bytes.length} bytes holding {@code bytes}, in {@code arena}. */
    static MemorySegment nativeCopy(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(bytes.length, 1)).asSlice(0, bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        return s;
    }
}
