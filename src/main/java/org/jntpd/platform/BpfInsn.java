package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct bpf_insn (linux/bpf.h): one eBPF instruction, 8 bytes. The two register numbers share one byte as
 * bitfields (on little-endian: dst_reg in the low nibble); AbiTest checks where the compiler puts them.
 *
 * <pre>{@code
 * struct bpf_insn {
 *     __u8  code;        // opcode
 *     __u8  dst_reg:4;   // dest register
 *     __u8  src_reg:4;   // source register
 *     __s16 off;         // signed offset
 *     __s32 imm;         // signed immediate constant
 * };
 * }</pre>
 */
public final class BpfInsn {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("code"),
            JAVA_BYTE.withName("dst_reg_src_reg"),
            JAVA_SHORT.withName("off"),
            JAVA_INT.withName("imm"))
            .withName("bpf_insn");

    public static final long CODE_OFFSET = offsetIn(LAYOUT, "code");
    public static final long REGS_OFFSET = offsetIn(LAYOUT, "dst_reg_src_reg");
    public static final long OFF_OFFSET = offsetIn(LAYOUT, "off");
    public static final long IMM_OFFSET = offsetIn(LAYOUT, "imm");

    private BpfInsn() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    /** Writes instruction {@code index} of the array at {@code s}. */
    public static void set(MemorySegment s, int index, int code, int dstReg, int srcReg, int off, int imm) {
        long base = index * LAYOUT.byteSize();
        s.set(JAVA_BYTE, base + CODE_OFFSET, (byte) code);
        s.set(JAVA_BYTE, base + REGS_OFFSET, (byte) ((srcReg & 0xF) << 4 | dstReg & 0xF));
        s.set(JAVA_SHORT, base + OFF_OFFSET, (short) off);
        s.set(JAVA_INT, base + IMM_OFFSET, imm);
    }
}
