package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * union bpf_attr as BPF_PROG_LOAD reads it (linux/bpf.h), padded to the whole union: 144 bytes.
 *
 * <pre>{@code
 * union bpf_attr {
 *     struct { // anonymous struct used by BPF_PROG_LOAD command
 *         __u32         prog_type;      // one of enum bpf_prog_type
 *         __u32         insn_cnt;
 *         __aligned_u64 insns;
 *         __aligned_u64 license;
 *         __u32         log_level;      // verbosity level of verifier
 *         __u32         log_size;       // size of user buffer
 *         __aligned_u64 log_buf;        // user supplied buffer
 *         __u32         kern_version;
 *         __u32         prog_flags;
 *         char          prog_name[BPF_OBJ_NAME_LEN];
 *         __u32         prog_ifindex;   // ifindex of netdev to prep for
 *         __u32         expected_attach_type;
 *         ...
 *     };
 *     ...
 * };
 * }</pre>
 */
public final class BpfAttrProgLoad {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("prog_type"),
            JAVA_INT.withName("insn_cnt"),
            ADDRESS.withName("insns"),
            ADDRESS.withName("license"),
            JAVA_INT.withName("log_level"),
            JAVA_INT.withName("log_size"),
            ADDRESS.withName("log_buf"),
            JAVA_INT.withName("kern_version"),
            JAVA_INT.withName("prog_flags"),
            MemoryLayout.sequenceLayout(Bpf.BPF_OBJ_NAME_LEN, JAVA_BYTE).withName("prog_name"),
            JAVA_INT.withName("prog_ifindex"),
            JAVA_INT.withName("expected_attach_type"),
            MemoryLayout.paddingLayout(144 - 72))
            .withName("bpf_attr_prog_load");

    public static final long PROG_TYPE_OFFSET = offsetIn(LAYOUT, "prog_type");
    public static final long INSN_CNT_OFFSET = offsetIn(LAYOUT, "insn_cnt");
    public static final long INSNS_OFFSET = offsetIn(LAYOUT, "insns");
    public static final long LICENSE_OFFSET = offsetIn(LAYOUT, "license");
    public static final long LOG_LEVEL_OFFSET = offsetIn(LAYOUT, "log_level");
    public static final long LOG_SIZE_OFFSET = offsetIn(LAYOUT, "log_size");
    public static final long LOG_BUF_OFFSET = offsetIn(LAYOUT, "log_buf");
    public static final long PROG_NAME_OFFSET = offsetIn(LAYOUT, "prog_name");
    public static final long EXPECTED_ATTACH_TYPE_OFFSET = offsetIn(LAYOUT, "expected_attach_type");

    private BpfAttrProgLoad() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void prog_type(MemorySegment s, int v) {
        s.set(JAVA_INT, PROG_TYPE_OFFSET, v);
    }

    public static void insn_cnt(MemorySegment s, int v) {
        s.set(JAVA_INT, INSN_CNT_OFFSET, v);
    }

    public static void insns(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, INSNS_OFFSET, v);
    }

    public static void license(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, LICENSE_OFFSET, v);
    }

    public static void log_level(MemorySegment s, int v) {
        s.set(JAVA_INT, LOG_LEVEL_OFFSET, v);
    }

    public static void log_size(MemorySegment s, int v) {
        s.set(JAVA_INT, LOG_SIZE_OFFSET, v);
    }

    public static void log_buf(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, LOG_BUF_OFFSET, v);
    }

    public static void prog_name(MemorySegment s, String name) {
        Structs.putName(s, PROG_NAME_OFFSET, Bpf.BPF_OBJ_NAME_LEN, name);
    }

    public static void expected_attach_type(MemorySegment s, int v) {
        s.set(JAVA_INT, EXPECTED_ATTACH_TYPE_OFFSET, v);
    }
}
