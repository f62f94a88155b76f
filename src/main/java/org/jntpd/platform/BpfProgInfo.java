package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct bpf_prog_info (linux/bpf.h), the fields jntpd reads (type, id, name: to recognise its own program left on an
 * interface), padded to the 6.1 headers' 232 bytes; the kernel fills at most info_len bytes.
 *
 * <pre>{@code
 * struct bpf_prog_info {
 *     __u32 type;
 *     __u32 id;
 *     __u8  tag[BPF_TAG_SIZE];
 *     ...
 *     char  name[BPF_OBJ_NAME_LEN];   // at 64
 *     __u32 ifindex;
 *     ...
 * } __attribute__((aligned(8)));
 * }</pre>
 */
public final class BpfProgInfo {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("id"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("tag"),
            MemoryLayout.paddingLayout(64 - 16),
            MemoryLayout.sequenceLayout(Bpf.BPF_OBJ_NAME_LEN, JAVA_BYTE).withName("name"),
            JAVA_INT.withName("ifindex"),
            MemoryLayout.paddingLayout(232 - 84))
            .withName("bpf_prog_info");

    public static final long TYPE_OFFSET = offsetIn(LAYOUT, "type");
    public static final long ID_OFFSET = offsetIn(LAYOUT, "id");
    public static final long NAME_OFFSET = offsetIn(LAYOUT, "name");

    private BpfProgInfo() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int type(MemorySegment s) {
        return s.get(JAVA_INT, TYPE_OFFSET);
    }

    public static int id(MemorySegment s) {
        return s.get(JAVA_INT, ID_OFFSET);
    }

    /** The program's name (allocates: setup paths only). */
    public static String name(MemorySegment s) {
        return Structs.getName(s, NAME_OFFSET, Bpf.BPF_OBJ_NAME_LEN);
    }
}
