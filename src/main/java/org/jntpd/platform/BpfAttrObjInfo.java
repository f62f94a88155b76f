package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * union bpf_attr as BPF_PROG_GET_FD_BY_ID and BPF_OBJ_GET_INFO_BY_FD read it (linux/bpf.h), padded to the whole
 * union: 144 bytes. The two commands' structs overlap: prog_id and bpf_fd are both the first u32.
 *
 * <pre>{@code
 * union bpf_attr {
 *     struct { // anonymous struct used by BPF_*_GET_*_ID
 *         union { __u32 start_id; __u32 prog_id; __u32 map_id; __u32 btf_id; __u32 link_id; };
 *         __u32 next_id;
 *         __u32 open_flags;
 *     };
 *     struct { // anonymous struct used by BPF_OBJ_GET_INFO_BY_FD
 *         __u32         bpf_fd;
 *         __u32         info_len;
 *         __aligned_u64 info;
 *     } info;
 *     ...
 * };
 * }</pre>
 */
public final class BpfAttrObjInfo {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("bpf_fd"),
            JAVA_INT.withName("info_len"),
            ADDRESS.withName("info"),
            MemoryLayout.paddingLayout(144 - 16))
            .withName("bpf_attr_obj_info");

    public static final long BPF_FD_OFFSET = offsetIn(LAYOUT, "bpf_fd");
    /** BPF_PROG_GET_FD_BY_ID's prog_id shares the first u32 with bpf_fd. */
    public static final long PROG_ID_OFFSET = BPF_FD_OFFSET;
    public static final long INFO_LEN_OFFSET = offsetIn(LAYOUT, "info_len");
    public static final long INFO_OFFSET = offsetIn(LAYOUT, "info");

    private BpfAttrObjInfo() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void bpf_fd(MemorySegment s, int v) {
        s.set(JAVA_INT, BPF_FD_OFFSET, v);
    }

    public static void prog_id(MemorySegment s, int v) {
        s.set(JAVA_INT, PROG_ID_OFFSET, v);
    }

    public static void info_len(MemorySegment s, int v) {
        s.set(JAVA_INT, INFO_LEN_OFFSET, v);
    }

    public static void info(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, INFO_OFFSET, v);
    }
}
