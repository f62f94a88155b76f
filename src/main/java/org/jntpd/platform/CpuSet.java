package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * cpu_set_t (sched.h): a 1024-bit CPU mask, 128 bytes; the helpers play CPU_ZERO/CPU_SET/CPU_ISSET.
 *
 * <pre>{@code
 * typedef struct {
 *     __cpu_mask __bits[1024 / (8 * sizeof(__cpu_mask))];  // one bit per CPU
 * } cpu_set_t;
 * }</pre>
 */
public final class CpuSet {
    /** The C layout; named "cpu_set_t" as in the headers (typedef). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("__bits"))
            .withName("cpu_set_t");

    public static final long BITS_OFFSET = offset("__bits");

    private CpuSet() {
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

    public static long __bits(MemorySegment s, int i) {
        return s.getAtIndex(JAVA_LONG, BITS_OFFSET / 8 + i);
    }

    public static void __bits(MemorySegment s, int i, long v) {
        s.setAtIndex(JAVA_LONG, BITS_OFFSET / 8 + i, v);
    }

    /** CPU_ZERO. */
    public static void zero(MemorySegment s) {
        s.asSlice(0, LAYOUT.byteSize()).fill((byte) 0);
    }

    /** CPU_SET. */
    public static void set(MemorySegment s, int cpu) {
        long word = s.getAtIndex(JAVA_LONG, cpu >>> 6);
        s.setAtIndex(JAVA_LONG, cpu >>> 6, word | (1L << (cpu & 63)));
    }

    /** CPU_ISSET. */
    public static boolean isSet(MemorySegment s, int cpu) {
        return (s.getAtIndex(JAVA_LONG, cpu >>> 6) & (1L << (cpu & 63))) != 0;
    }

    /** CPU_COUNT. */
    public static int count(MemorySegment s) {
        int n = 0;
        for (int i = 0; i < LAYOUT.byteSize() / 8; i++) {
            n += Long.bitCount(s.getAtIndex(JAVA_LONG, i));
        }
        return n;
    }
}
