package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * union bpf_attr as BPF_MAP_LOOKUP_ELEM / BPF_MAP_UPDATE_ELEM / BPF_MAP_DELETE_ELEM read it (linux/bpf.h), padded
 * to the whole union: 144 bytes. The pointers travel as __aligned_u64.
 *
 * <pre>{@code
 * union bpf_attr {
 *     struct { // anonymous struct used by BPF_MAP_*_ELEM commands
 *         __u32         map_fd;
 *         __aligned_u64 key;
 *         union {
 *             __aligned_u64 value;
 *             __aligned_u64 next_key;
 *         };
 *         __u64         flags;
 *     };
 *     ...
 * };
 * }</pre>
 */
public final class BpfAttrMapElem {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("map_fd"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("key"),
            ADDRESS.withName("value"),
            JAVA_LONG.withName("flags"),
            MemoryLayout.paddingLayout(144 - 32))
            .withName("bpf_attr_map_elem");

    public static final long MAP_FD_OFFSET = offsetIn(LAYOUT, "map_fd");
    public static final long KEY_OFFSET = offsetIn(LAYOUT, "key");
    public static final long VALUE_OFFSET = offsetIn(LAYOUT, "value");
    public static final long FLAGS_OFFSET = offsetIn(LAYOUT, "flags");

    private BpfAttrMapElem() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void map_fd(MemorySegment s, int v) {
        s.set(JAVA_INT, MAP_FD_OFFSET, v);
    }

    public static void key(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, KEY_OFFSET, v);
    }

    public static void value(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, VALUE_OFFSET, v);
    }

    public static void flags(MemorySegment s, long v) {
        s.set(JAVA_LONG, FLAGS_OFFSET, v);
    }
}
