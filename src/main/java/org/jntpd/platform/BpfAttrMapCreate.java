package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * union bpf_attr as BPF_MAP_CREATE reads it (linux/bpf.h), padded to the whole union: 144 bytes (6.1 headers).
 *
 * <pre>{@code
 * union bpf_attr {
 *     struct { // anonymous struct used by BPF_MAP_CREATE command
 *         __u32 map_type;      // one of enum bpf_map_type
 *         __u32 key_size;      // size of key in bytes
 *         __u32 value_size;    // size of value in bytes
 *         __u32 max_entries;   // max number of entries in a map
 *         __u32 map_flags;     // BPF_MAP_CREATE related flags
 *         __u32 inner_map_fd;
 *         __u32 numa_node;
 *         char  map_name[BPF_OBJ_NAME_LEN];
 *         ...
 *     };
 *     ...
 * };
 * }</pre>
 */
public final class BpfAttrMapCreate {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("map_type"),
            JAVA_INT.withName("key_size"),
            JAVA_INT.withName("value_size"),
            JAVA_INT.withName("max_entries"),
            JAVA_INT.withName("map_flags"),
            JAVA_INT.withName("inner_map_fd"),
            JAVA_INT.withName("numa_node"),
            MemoryLayout.sequenceLayout(Bpf.BPF_OBJ_NAME_LEN, JAVA_BYTE).withName("map_name"),
            MemoryLayout.paddingLayout(144 - 44))
            .withName("bpf_attr_map_create");

    public static final long MAP_TYPE_OFFSET = offsetIn(LAYOUT, "map_type");
    public static final long KEY_SIZE_OFFSET = offsetIn(LAYOUT, "key_size");
    public static final long VALUE_SIZE_OFFSET = offsetIn(LAYOUT, "value_size");
    public static final long MAX_ENTRIES_OFFSET = offsetIn(LAYOUT, "max_entries");
    public static final long MAP_FLAGS_OFFSET = offsetIn(LAYOUT, "map_flags");
    public static final long MAP_NAME_OFFSET = offsetIn(LAYOUT, "map_name");

    private BpfAttrMapCreate() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void map_type(MemorySegment s, int v) {
        s.set(JAVA_INT, MAP_TYPE_OFFSET, v);
    }

    public static void key_size(MemorySegment s, int v) {
        s.set(JAVA_INT, KEY_SIZE_OFFSET, v);
    }

    public static void value_size(MemorySegment s, int v) {
        s.set(JAVA_INT, VALUE_SIZE_OFFSET, v);
    }

    public static void max_entries(MemorySegment s, int v) {
        s.set(JAVA_INT, MAX_ENTRIES_OFFSET, v);
    }

    public static void map_flags(MemorySegment s, int v) {
        s.set(JAVA_INT, MAP_FLAGS_OFFSET, v);
    }

    /** Writes {@code name} (ASCII, at most 15 characters, NUL-terminated) into map_name. */
    public static void map_name(MemorySegment s, String name) {
        Structs.putName(s, MAP_NAME_OFFSET, Bpf.BPF_OBJ_NAME_LEN, name);
    }
}
