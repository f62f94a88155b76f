package org.jntpd.xdp;

import static org.jntpd.platform.Bpf.BPF_B;
import static org.jntpd.platform.Bpf.BPF_DW;
import static org.jntpd.platform.Bpf.BPF_FUNC_map_lookup_elem;
import static org.jntpd.platform.Bpf.BPF_H;
import static org.jntpd.platform.Bpf.BPF_JEQ;
import static org.jntpd.platform.Bpf.BPF_JGT;
import static org.jntpd.platform.Bpf.BPF_JNE;
import static org.jntpd.platform.Bpf.BPF_JSLT;
import static org.jntpd.platform.Bpf.BPF_RSH;
import static org.jntpd.platform.Bpf.BPF_SUB;
import static org.jntpd.platform.Bpf.BPF_W;
import static org.jntpd.platform.Bpf.XDP_DROP;
import static org.jntpd.platform.Bpf.XDP_PASS;
import static org.jntpd.xdp.ebpf.Asm.R0;
import static org.jntpd.xdp.ebpf.Asm.R1;
import static org.jntpd.xdp.ebpf.Asm.R10;
import static org.jntpd.xdp.ebpf.Asm.R2;
import static org.jntpd.xdp.ebpf.Asm.R3;
import static org.jntpd.xdp.ebpf.Asm.R4;
import static org.jntpd.xdp.ebpf.Asm.R6;
import static org.jntpd.xdp.ebpf.Asm.R7;
import static org.jntpd.xdp.ebpf.Asm.R8;

import org.jntpd.platform.Bpf;
import org.jntpd.platform.XdpMd;
import org.jntpd.xdp.ebpf.Asm;

/**
 * The load generator's receive side as an XDP program: an NTP reply (IPv4 without options, UDP from the server's
 * port) is counted into a histogram of the server's T3 - T2 (its transmit minus receive timestamp, in buckets of
 * 2^-20 s = 0.954 us; the last bucket holds 3.9 ms and more, and negative values) and dropped; everything else goes to
 * the kernel. Counting in XDP costs the generator's core almost nothing per reply, so the generator's sender, not its
 * receiver, bounds the rate it can drive. The histogram is an mmap-able array: read without a syscall.
 */
public final class ReplyCounterProgram {
    public static final String NAME = "jntpd_replies";
    /** Histogram buckets; bucket i holds T3 - T2 in [i, i+1) x 2^-20 s. */
    public static final int BUCKETS = 4096;
    /** log2 of the bucket width in NTP fraction units (2^-32 s): 2^12 units = 2^-20 s. */
    public static final int BUCKET_SHIFT = 12;

    private ReplyCounterProgram() {
    }

    public static long[] build(int serverPort, int histogramFd) {
        Asm a = new Asm();
        a.mov64Reg(R6, R1);
        a.load(BPF_W, R2, R6, (int) XdpMd.DATA_OFFSET);
        a.load(BPF_W, R3, R6, (int) XdpMd.DATA_END_OFFSET);
        a.mov64Reg(R4, R2).alu64(Bpf.BPF_ADD, R4, 14 + 20 + 8 + 48).jumpReg(BPF_JGT, R4, R3, "pass");
        a.load(BPF_H, R4, R2, 12).jump(BPF_JNE, R4, 0x0008, "pass");
        a.load(BPF_B, R4, R2, 14).jump(BPF_JNE, R4, 0x45, "pass");
        a.load(BPF_B, R4, R2, 23).jump(BPF_JNE, R4, 17, "pass");
        a.load(BPF_H, R4, R2, 34).jump(BPF_JNE, R4, Short.toUnsignedInt(Short.reverseBytes((short) serverPort)), "pass");
        a.load(BPF_DW, R7, R2, 42 + 32).toBigEndian(R7, 64); // receive timestamp (T2)
        a.load(BPF_DW, R8, R2, 42 + 40).toBigEndian(R8, 64); // transmit timestamp (T3)
        a.alu64Reg(BPF_SUB, R8, R7);
        a.jump(BPF_JSLT, R8, 0, "overflow");
        a.alu64(BPF_RSH, R8, BUCKET_SHIFT);
        a.jump(BPF_JGT, R8, BUCKETS - 1, "overflow");
        a.jump("bucket");
        a.label("overflow");
        a.mov64(R8, BUCKETS - 1);
        a.label("bucket");
        a.store(BPF_W, R10, -4, R8);
        a.loadMapFd(R1, histogramFd).mov64Reg(R2, R10).alu64(Bpf.BPF_ADD, R2, -4).call(BPF_FUNC_map_lookup_elem);
        a.jump(BPF_JEQ, R0, 0, "drop");
        a.mov64(R1, 1).atomicAdd(BPF_DW, R0, 0, R1);
        a.label("drop");
        a.ret(XDP_DROP);
        a.label("pass");
        a.ret(XDP_PASS);
        return a.assemble();
    }
}
