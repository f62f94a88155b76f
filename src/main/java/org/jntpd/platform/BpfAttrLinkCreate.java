package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * union bpf_attr as BPF_LINK_CREATE reads it for an XDP link (linux/bpf.h), padded to the whole union: 144 bytes.
 * A link holds the program on the interface while its fd is open: when the process dies, the kernel detaches it.
 *
 * <pre>{@code
 * union bpf_attr {
 *     struct { // struct used by BPF_LINK_CREATE command
 *         union { __u32 prog_fd; __u32 map_fd; };
 *         union { __u32 target_fd; __u32 target_ifindex; };  // target_ifindex for XDP
 *         __u32 attach_type;                                 // BPF_XDP
 *         __u32 flags;                                       // XDP_FLAGS_*
 *         ...
 *     } link_create;
 *     ...
 * };
 * }</pre>
 */
public final class BpfAttrLinkCreate {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("prog_fd"),
            JAVA_INT.withName("target_ifindex"),
            JAVA_INT.withName("attach_type"),
            JAVA_INT.withName("flags"),
            MemoryLayout.paddingLayout(144 - 16))
            .withName("bpf_attr_link_create");

    public static final long PROG_FD_OFFSET = offsetIn(LAYOUT, "prog_fd");
    public static final long TARGET_IFINDEX_OFFSET = offsetIn(LAYOUT, "target_ifindex");
    public static final long ATTACH_TYPE_OFFSET = offsetIn(LAYOUT, "attach_type");
    public static final long FLAGS_OFFSET = offsetIn(LAYOUT, "flags");

    private BpfAttrLinkCreate() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static void prog_fd(MemorySegment s, int v) {
        s.set(JAVA_INT, PROG_FD_OFFSET, v);
    }

    public static void target_ifindex(MemorySegment s, int v) {
        s.set(JAVA_INT, TARGET_IFINDEX_OFFSET, v);
    }

    public static void attach_type(MemorySegment s, int v) {
        s.set(JAVA_INT, ATTACH_TYPE_OFFSET, v);
    }

    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, FLAGS_OFFSET, v);
    }
}
