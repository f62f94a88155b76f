package org.jntpd.xdp.ebpf;

import static org.jntpd.platform.Bpf.BPF_ALU;
import static org.jntpd.platform.Bpf.BPF_ALU64;
import static org.jntpd.platform.Bpf.BPF_ATOMIC;
import static org.jntpd.platform.Bpf.BPF_CALL;
import static org.jntpd.platform.Bpf.BPF_DW;
import static org.jntpd.platform.Bpf.BPF_END;
import static org.jntpd.platform.Bpf.BPF_EXIT;
import static org.jntpd.platform.Bpf.BPF_IMM;
import static org.jntpd.platform.Bpf.BPF_JA;
import static org.jntpd.platform.Bpf.BPF_JMP;
import static org.jntpd.platform.Bpf.BPF_K;
import static org.jntpd.platform.Bpf.BPF_LD;
import static org.jntpd.platform.Bpf.BPF_LDX;
import static org.jntpd.platform.Bpf.BPF_MEM;
import static org.jntpd.platform.Bpf.BPF_MOV;
import static org.jntpd.platform.Bpf.BPF_PSEUDO_MAP_FD;
import static org.jntpd.platform.Bpf.BPF_ST;
import static org.jntpd.platform.Bpf.BPF_STX;
import static org.jntpd.platform.Bpf.BPF_TO_BE;
import static org.jntpd.platform.Bpf.BPF_X;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An eBPF assembler: instructions are appended one call each, jumps name a label that may be defined later, and
 * {@link #assemble()} resolves the labels into the instruction-relative offsets the kernel expects. A 64-bit
 * immediate load takes two instruction slots (the second holds the upper half); a map reference is such a load with
 * src_reg = BPF_PSEUDO_MAP_FD and the map's fd as the immediate, which the kernel relocates at load time.
 *
 * <p>Instructions are encoded as the kernel's struct bpf_insn in a long (little-endian byte order: code, registers,
 * off, imm), so {@link #assemble()} is pure and testable byte for byte. Registers: R0 return value and helper
 * result, R1-R5 helper arguments (clobbered by calls), R6-R9 callee-saved, R10 read-only frame pointer.
 */
public final class Asm {
    public static final int R0 = 0;
    public static final int R1 = 1;
    public static final int R2 = 2;
    public static final int R3 = 3;
    public static final int R4 = 4;
    public static final int R5 = 5;
    public static final int R6 = 6;
    public static final int R7 = 7;
    public static final int R8 = 8;
    public static final int R9 = 9;
    public static final int R10 = 10;

    private final List<long[]> code = new ArrayList<>(); // {code, dst, src, off, imm}
    private final Map<String, Integer> labels = new HashMap<>();
    private final List<Object[]> fixups = new ArrayList<>(); // {instruction index, label}

    /** Number of instruction slots so far (a 64-bit immediate load counts two). */
    public int size() {
        return code.size();
    }

    private Asm emit(int opcode, int dst, int src, int off, int imm) {
        checkReg(dst);
        checkReg(src);
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset out of 16-bit range: " + off);
        }
        code.add(new long[] {opcode, dst, src, off, imm});
        return this;
    }

    private static void checkReg(int r) {
        if (r < 0 || r > 10) {
            throw new IllegalArgumentException("no register r" + r);
        }
    }

    /** Defines {@code name} at the next instruction. */
    public Asm label(String name) {
        if (labels.putIfAbsent(name, code.size()) != null) {
            throw new IllegalArgumentException("label defined twice: " + name);
        }
        return this;
    }

    // ------------------------------------------------------------------------------------------ ALU

    /** 64-bit {@code dst = dst OP imm} (op: BPF_ADD, BPF_AND, ... ; BPF_MOV for dst = imm, sign-extended). */
    public Asm alu64(int op, int dst, int imm) {
        return emit(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
    }

    /** 64-bit {@code dst = dst OP src}. */
    public Asm alu64Reg(int op, int dst, int src) {
        return emit(BPF_ALU64 | op | BPF_X, dst, src, 0, 0);
    }

    /** 32-bit {@code dst = dst OP imm} (the upper half of dst is zeroed). */
    public Asm alu32(int op, int dst, int imm) {
        return emit(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
    }

    /** 32-bit {@code dst = dst OP src}. */
    public Asm alu32Reg(int op, int dst, int src) {
        return emit(BPF_ALU | op | BPF_X, dst, src, 0, 0);
    }

    public Asm mov64(int dst, int imm) {
        return alu64(BPF_MOV, dst, imm);
    }

    public Asm mov64Reg(int dst, int src) {
        return alu64Reg(BPF_MOV, dst, src);
    }

    /** {@code dst = htobe(dst)} of the low {@code bits} (16, 32 or 64) bits: a byte swap on this little-endian host. */
    public Asm toBigEndian(int dst, int bits) {
        if (bits != 16 && bits != 32 && bits != 64) {
            throw new IllegalArgumentException("byte swap width 16, 32 or 64, not " + bits);
        }
        return emit(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, bits);
    }

    /** {@code dst = imm64} (two slots). */
    public Asm loadImm64(int dst, long imm) {
        emit(BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int) imm);
        return emit(0, 0, 0, 0, (int) (imm >>> 32));
    }

    /** {@code dst = &map} for the map whose fd is {@code mapFd} (two slots; relocated by the kernel). */
    public Asm loadMapFd(int dst, int mapFd) {
        emit(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, mapFd);
        return emit(0, 0, 0, 0, 0);
    }

    // ------------------------------------------------------------------------------------------ memory

    /** {@code dst = *(size *)(src + off)}; size BPF_B, BPF_H, BPF_W or BPF_DW. */
    public Asm load(int size, int dst, int src, int off) {
        return emit(BPF_LDX | size | BPF_MEM, dst, src, off, 0);
    }

    /** {@code *(size *)(dst + off) = src}. */
    public Asm store(int size, int dst, int off, int src) {
        return emit(BPF_STX | size | BPF_MEM, dst, src, off, 0);
    }

    /** {@code *(size *)(dst + off) = imm}. */
    public Asm storeImm(int size, int dst, int off, int imm) {
        return emit(BPF_ST | size | BPF_MEM, dst, 0, off, imm);
    }

    /** {@code lock *(u64 *)(dst + off) += src}: an atomic add (size BPF_W or BPF_DW). */
    public Asm atomicAdd(int size, int dst, int off, int src) {
        return emit(BPF_STX | size | BPF_ATOMIC, dst, src, off, org.jntpd.platform.Bpf.BPF_ADD);
    }

    // ------------------------------------------------------------------------------------------ control

    /** {@code if (dst OP imm) goto label} (op: BPF_JEQ, BPF_JGT, ...; 64-bit compare, imm sign-extended). */
    public Asm jump(int op, int dst, int imm, String label) {
        fixups.add(new Object[] {code.size(), label});
        return emit(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
    }

    /** {@code if (dst OP src) goto label}. */
    public Asm jumpReg(int op, int dst, int src, String label) {
        fixups.add(new Object[] {code.size(), label});
        return emit(BPF_JMP | op | BPF_X, dst, src, 0, 0);
    }

    /** {@code goto label}. */
    public Asm jump(String label) {
        fixups.add(new Object[] {code.size(), label});
        return emit(BPF_JMP | BPF_JA, 0, 0, 0, 0);
    }

    /** Calls helper {@code id} (BPF_FUNC_*): arguments in R1-R5, result in R0, R1-R5 clobbered. */
    public Asm call(int helperId) {
        return emit(BPF_JMP | BPF_CALL, 0, 0, 0, helperId);
    }

    public Asm exit() {
        return emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }

    /** {@code r0 = action; exit}. */
    public Asm ret(int action) {
        return mov64(R0, action).exit();
    }

    // ------------------------------------------------------------------------------------------ output

    /** The program as struct bpf_insn values (little-endian in a long), labels resolved. */
    public long[] assemble() {
        long[][] insns = code.toArray(long[][]::new);
        for (Object[] f : fixups) {
            int at = (Integer) f[0];
            Integer target = labels.get((String) f[1]);
            if (target == null) {
                throw new IllegalStateException("jump to an undefined label: " + f[1]);
            }
            int off = target - (at + 1);
            if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
                throw new IllegalStateException("jump too far: " + f[1]);
            }
            insns[at] = insns[at].clone();
            insns[at][3] = off;
        }
        long[] out = new long[insns.length];
        for (int i = 0; i < insns.length; i++) {
            out[i] = encode((int) insns[i][0], (int) insns[i][1], (int) insns[i][2], (int) insns[i][3],
                    (int) insns[i][4]);
        }
        return out;
    }

    /** One struct bpf_insn in a long: byte 0 code, byte 1 dst (low nibble) and src (high nibble), off, imm. */
    public static long encode(int code, int dst, int src, int off, int imm) {
        return (code & 0xFFL) | ((long) ((src & 0xF) << 4 | dst & 0xF) << 8) | ((off & 0xFFFFL) << 16)
                | ((long) imm << 32);
    }
}
