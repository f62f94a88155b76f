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
import static org.jntpd.xdp.ebpf.Asm.R9;

import org.jntpd.platform.Bpf;
import org.jntpd.platform.XdpMd;
import org.jntpd.xdp.ebpf.Asm;

/**
 * The load generator's receive side as an XDP program: an NTP reply (IPv4 without options, UDP from the server's
 * port) is counted into two histograms and dropped; everything else goes to the kernel. Counting in XDP costs the
 * generator's core almost nothing per reply, so its sender, not its receiver, bounds the rate it can drive. The
 * histograms share one mmap-able array (read without a syscall):
 * <ul>
 * <li>[0, {@link #BUCKETS}): the server's T3 - T2 (its transmit minus receive timestamp) in buckets of 2^-20 s =
 * 0.954 us; the last bucket holds 3.9 ms and more, and negative values;</li>
 * <li>[{@link #BUCKETS}, 2 {@link #BUCKETS}): T3 - T4, T4 being this program's CLOCK_TAI reading on arrival made
 * CLOCK_REALTIME by the TAI offset given at build time, in buckets of 2^{@value #ERROR_SHIFT} ns centred on 0
 * (bucket BUCKETS + BUCKETS/2 holds [0, 256 ns)); both ends clamp. Client and server must share the clock (one
 * machine). The NTP seconds are read as era 0 (until 2036).</li>
 * </ul>
 */
public final class ReplyCounterProgram {
    public static final String NAME = "jntpd_replies";
    /** Buckets of each histogram; bucket i of the first holds T3 - T2 in [i, i+1) x 2^-20 s. */
    public static final int BUCKETS = 4096;
    /** log2 of the first histogram's bucket width in NTP fraction units (2^-32 s): 2^12 units = 2^-20 s. */
    public static final int BUCKET_SHIFT = 12;
    /** log2 of the second histogram's bucket width in ns. */
    public static final int ERROR_SHIFT = 8;

    private static final long UNIX_EPOCH_NTP_S = 2_208_988_800L;
    private static final int NS_PER_S = 1_000_000_000;

    private ReplyCounterProgram() {
    }

    /**
     * @param histogramFd        an array map of u64 with 2 {@link #BUCKETS} entries
     * @param taiMinusRealtimeNs CLOCK_TAI - CLOCK_REALTIME (whole seconds), to make the arrival time comparable to T3
     */
    public static long[] build(int serverPort, int histogramFd, long taiMinusRealtimeNs) {
        Asm a = new Asm();
        a.mov64Reg(R6, R1);
        a.load(BPF_W, R2, R6, (int) XdpMd.DATA_OFFSET);
        a.load(BPF_W, R3, R6, (int) XdpMd.DATA_END_OFFSET);
        a.mov64Reg(R4, R2).alu64(Bpf.BPF_ADD, R4, 14 + 20 + 8 + 48).jumpReg(BPF_JGT, R4, R3, "pass");
        a.load(BPF_H, R4, R2, 12).jump(BPF_JNE, R4, 0x0008, "pass");
        a.load(BPF_B, R4, R2, 14).jump(BPF_JNE, R4, 0x45, "pass");
        a.load(BPF_B, R4, R2, 23).jump(BPF_JNE, R4, 17, "pass");
        a.load(BPF_H, R4, R2, 34).jump(BPF_JNE, R4, Short.toUnsignedInt(Short.reverseBytes((short) serverPort)), "pass");
        a.call(Bpf.BPF_FUNC_ktime_get_tai_ns).mov64Reg(R9, R0); // T4, first: the arrival
        a.load(BPF_W, R2, R6, (int) XdpMd.DATA_OFFSET); // the call clobbered r1-r5: reload and check again
        a.load(BPF_W, R3, R6, (int) XdpMd.DATA_END_OFFSET);
        a.mov64Reg(R4, R2).alu64(Bpf.BPF_ADD, R4, 14 + 20 + 8 + 48).jumpReg(BPF_JGT, R4, R3, "pass");
        a.load(BPF_DW, R7, R2, 42 + 32).toBigEndian(R7, 64); // receive timestamp (T2)
        a.load(BPF_DW, R8, R2, 42 + 40).toBigEndian(R8, 64); // transmit timestamp (T3)
        // T3 - T2 in 2^-20 s buckets
        a.mov64Reg(R1, R8).alu64Reg(BPF_SUB, R1, R7);
        a.jump(BPF_JSLT, R1, 0, "overflow");
        a.alu64(BPF_RSH, R1, BUCKET_SHIFT);
        a.jump(BPF_JGT, R1, BUCKETS - 1, "overflow");
        a.jump("bucket");
        a.label("overflow");
        a.mov64(R1, BUCKETS - 1);
        a.label("bucket");
        count(a, R1, histogramFd, "t3t4");
        // T3 - T4: T3 as Unix ns (era 0), T4 as CLOCK_REALTIME ns
        a.label("t3t4");
        a.mov64Reg(R1, R8).alu64(BPF_RSH, R1, 32);
        a.loadImm64(R2, UNIX_EPOCH_NTP_S).alu64Reg(BPF_SUB, R1, R2).alu64(Bpf.BPF_MUL, R1, NS_PER_S);
        a.mov64Reg(R2, R8).alu64(Bpf.BPF_LSH, R2, 32).alu64(BPF_RSH, R2, 32); // the fraction
        a.alu64(Bpf.BPF_MUL, R2, NS_PER_S).alu64(BPF_RSH, R2, 32).alu64Reg(Bpf.BPF_ADD, R1, R2);
        a.loadImm64(R2, taiMinusRealtimeNs).alu64Reg(BPF_SUB, R9, R2);
        a.alu64Reg(BPF_SUB, R1, R9);
        a.alu64(Bpf.BPF_ARSH, R1, ERROR_SHIFT).alu64(Bpf.BPF_ADD, R1, BUCKETS + BUCKETS / 2);
        a.jump(BPF_JSLT, R1, BUCKETS, "low");
        a.jump(BPF_JGT, R1, 2 * BUCKETS - 1, "high");
        a.jump("error");
        a.label("low");
        a.mov64(R1, BUCKETS);
        a.jump("error");
        a.label("high");
        a.mov64(R1, 2 * BUCKETS - 1);
        a.label("error");
        count(a, R1, histogramFd, "drop");
        a.label("drop");
        a.ret(XDP_DROP);
        a.label("pass");
        a.ret(XDP_PASS);
        return a.assemble();
    }

    /** Adds 1 to the histogram entry whose index is in {@code reg}, then goes on at {@code next}. */
    private static void count(Asm a, int reg, int histogramFd, String next) {
        a.store(BPF_W, R10, -4, reg);
        a.loadMapFd(R1, histogramFd).mov64Reg(R2, R10).alu64(Bpf.BPF_ADD, R2, -4).call(BPF_FUNC_map_lookup_elem);
        a.jump(BPF_JEQ, R0, 0, next);
        a.mov64(R1, 1).atomicAdd(BPF_DW, R0, 0, R1);
        a.jump(next);
    }
}
