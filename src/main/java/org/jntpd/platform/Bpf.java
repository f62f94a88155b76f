package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The bpf(2) system call and its constants (linux/bpf.h, linux/bpf_common.h, linux/if_link.h; x86_64 values): map and
 * program commands, map and program types, the eBPF instruction encoding, helper function ids and XDP attach flags.
 * glibc has no bpf() wrapper: it goes through syscall(2). Checked against the headers by AbiTest.
 */
@SuppressWarnings("restricted")
public final class Bpf {
    /** The system call number of bpf on x86_64 (asm/unistd_64.h). */
    public static final int __NR_bpf = 321;

    // enum bpf_cmd
    public static final int BPF_MAP_CREATE = 0;
    public static final int BPF_MAP_LOOKUP_ELEM = 1;
    public static final int BPF_MAP_UPDATE_ELEM = 2;
    public static final int BPF_MAP_DELETE_ELEM = 3;
    public static final int BPF_PROG_LOAD = 5;
    public static final int BPF_PROG_GET_FD_BY_ID = 13;
    public static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    public static final int BPF_LINK_CREATE = 28;
    public static final int BPF_LINK_DETACH = 34;

    // enum bpf_map_type
    public static final int BPF_MAP_TYPE_HASH = 1;
    public static final int BPF_MAP_TYPE_ARRAY = 2;
    public static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    public static final int BPF_MAP_TYPE_LRU_HASH = 9;
    public static final int BPF_MAP_TYPE_XSKMAP = 17;

    /** enum bpf_prog_type: an XDP program. */
    public static final int BPF_PROG_TYPE_XDP = 6;
    /** enum bpf_attach_type: XDP, for BPF_LINK_CREATE. */
    public static final int BPF_XDP = 37;

    // BPF_MAP_UPDATE_ELEM flags
    public static final int BPF_ANY = 0;
    public static final int BPF_NOEXIST = 1;
    public static final int BPF_EXIST = 2;

    public static final int BPF_OBJ_NAME_LEN = 16;
    /** map_flags: an array map user space may mmap (and read without a syscall). */
    public static final int BPF_F_MMAPABLE = 1024;
    /** src_reg of a 64-bit immediate load whose imm is a map fd (the kernel swaps in the map's address). */
    public static final int BPF_PSEUDO_MAP_FD = 1;

    // Instruction classes (low 3 bits of the opcode).
    public static final int BPF_LD = 0x00;
    public static final int BPF_LDX = 0x01;
    public static final int BPF_ST = 0x02;
    public static final int BPF_STX = 0x03;
    public static final int BPF_ALU = 0x04;
    public static final int BPF_JMP = 0x05;
    public static final int BPF_JMP32 = 0x06;
    public static final int BPF_ALU64 = 0x07;
    // Load/store sizes and modes.
    public static final int BPF_W = 0x00;
    public static final int BPF_H = 0x08;
    public static final int BPF_B = 0x10;
    public static final int BPF_DW = 0x18;
    public static final int BPF_IMM = 0x00;
    public static final int BPF_MEM = 0x60;
    public static final int BPF_ATOMIC = 0xc0;
    // Operand source.
    public static final int BPF_K = 0x00;
    public static final int BPF_X = 0x08;
    // ALU operations.
    public static final int BPF_ADD = 0x00;
    public static final int BPF_SUB = 0x10;
    public static final int BPF_MUL = 0x20;
    public static final int BPF_DIV = 0x30;
    public static final int BPF_OR = 0x40;
    public static final int BPF_AND = 0x50;
    public static final int BPF_LSH = 0x60;
    public static final int BPF_RSH = 0x70;
    public static final int BPF_NEG = 0x80;
    public static final int BPF_MOD = 0x90;
    public static final int BPF_XOR = 0xa0;
    public static final int BPF_MOV = 0xb0;
    public static final int BPF_ARSH = 0xc0;
    public static final int BPF_END = 0xd0;
    public static final int BPF_TO_LE = 0x00;
    public static final int BPF_TO_BE = 0x08;
    // Jump operations.
    public static final int BPF_JA = 0x00;
    public static final int BPF_JEQ = 0x10;
    public static final int BPF_JGT = 0x20;
    public static final int BPF_JGE = 0x30;
    public static final int BPF_JSET = 0x40;
    public static final int BPF_JNE = 0x50;
    public static final int BPF_JSGT = 0x60;
    public static final int BPF_JSGE = 0x70;
    public static final int BPF_CALL = 0x80;
    public static final int BPF_EXIT = 0x90;
    public static final int BPF_JLT = 0xa0;
    public static final int BPF_JLE = 0xb0;
    public static final int BPF_JSLT = 0xc0;
    public static final int BPF_JSLE = 0xd0;

    // enum bpf_func_id: the helpers the XDP programs call.
    public static final int BPF_FUNC_map_lookup_elem = 1;
    public static final int BPF_FUNC_map_update_elem = 2;
    public static final int BPF_FUNC_ktime_get_ns = 5;
    public static final int BPF_FUNC_xdp_adjust_head = 44;
    public static final int BPF_FUNC_redirect_map = 51;
    public static final int BPF_FUNC_xdp_adjust_meta = 54;
    public static final int BPF_FUNC_ktime_get_boot_ns = 125;
    public static final int BPF_FUNC_ktime_get_tai_ns = 208;

    // enum xdp_action
    public static final int XDP_ABORTED = 0;
    public static final int XDP_DROP = 1;
    public static final int XDP_PASS = 2;
    public static final int XDP_TX = 3;
    public static final int XDP_REDIRECT = 4;

    // XDP attach flags (linux/if_link.h), for netlink IFLA_XDP_FLAGS and BPF_LINK_CREATE.
    public static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    public static final int XDP_FLAGS_SKB_MODE = 2;
    public static final int XDP_FLAGS_DRV_MODE = 4;
    public static final int XDP_FLAGS_HW_MODE = 8;
    public static final int XDP_FLAGS_REPLACE = 16;

    /** long syscall(long number, ...): every argument passed as a long (the kernel truncates the int ones). */
    private static final MethodHandle SYSCALL_3 = Libc.link("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), Linker.Option.firstVariadicArg(1));

    private Bpf() {
    }

    /**
     * bpf(cmd, attr, size): the result (a new fd for the create and load commands, 0 for the others) or -1 with
     * errno set ({@link Libc#errno()}). {@code attr} is one of the bpf_attr views (BpfAttr*), zeroed beyond the fields
     * the command reads: the kernel refuses non-zero bytes it does not know.
     */
    public static int bpf(int cmd, MemorySegment attr, long size) {
        try {
            return (int) (long) SYSCALL_3.invokeExact(Libc.callState(), (long) __NR_bpf, (long) cmd, attr, size);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }
}
