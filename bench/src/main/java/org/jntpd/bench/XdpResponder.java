package org.jntpd.bench;

import static org.jntpd.platform.Bpf.BPF_ADD;
import static org.jntpd.platform.Bpf.BPF_AND;
import static org.jntpd.platform.Bpf.BPF_B;
import static org.jntpd.platform.Bpf.BPF_DIV;
import static org.jntpd.platform.Bpf.BPF_DW;
import static org.jntpd.platform.Bpf.BPF_H;
import static org.jntpd.platform.Bpf.BPF_JGT;
import static org.jntpd.platform.Bpf.BPF_JNE;
import static org.jntpd.platform.Bpf.BPF_LSH;
import static org.jntpd.platform.Bpf.BPF_MUL;
import static org.jntpd.platform.Bpf.BPF_OR;
import static org.jntpd.platform.Bpf.BPF_SUB;
import static org.jntpd.platform.Bpf.BPF_W;
import static org.jntpd.platform.Bpf.XDP_PASS;
import static org.jntpd.platform.Bpf.XDP_TX;
import static org.jntpd.xdp.ebpf.Asm.R0;
import static org.jntpd.xdp.ebpf.Asm.R1;
import static org.jntpd.xdp.ebpf.Asm.R2;
import static org.jntpd.xdp.ebpf.Asm.R3;
import static org.jntpd.xdp.ebpf.Asm.R4;
import static org.jntpd.xdp.ebpf.Asm.R5;
import static org.jntpd.xdp.ebpf.Asm.R6;
import static org.jntpd.xdp.ebpf.Asm.R7;
import static org.jntpd.xdp.ebpf.Asm.R8;
import static org.jntpd.xdp.ebpf.Asm.R9;

import org.jntpd.platform.Bpf;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.XdpMd;
import org.jntpd.xdp.BpfProgram;
import org.jntpd.xdp.XdpAttachment;
import org.jntpd.xdp.ebpf.Asm;

/**
 * An EXPERIMENT, not the product: an NTP server answering basic-mode client requests inside XDP (XDP_TX), to
 * measure the floor of an in-kernel answer path on this machine's veth. It has none of the serving logic of jntpd
 * (no restrict rules, rate limiting, kiss codes, interleaved mode, authentication, leap or sync state: a fixed
 * stratum 1 "XDPR" reply), which is why the product does not do this. Usage: {@code XdpResponder DEV PORT SECONDS}
 * (attaches natively, serves for SECONDS, detaches).
 *
 * <p>A request is IPv4 without options, UDP to PORT with a 48-byte NTP mode-3 payload; the frame is turned around in
 * place (MACs, addresses and ports swapped: the IP checksum is unchanged; UDP checksum 0, which IPv4 allows), T2 is
 * read first, T3 just before XDP_TX, both CLOCK_TAI made UTC by the TAI offset read at start.
 */
public final class XdpResponder {
    private static final long NTP_UNIX_S = 2_208_988_800L;
    private static final int NS = 1_000_000_000;

    private XdpResponder() {
    }

    public static void main(String[] args) throws Exception {
        String dev = args[0];
        int port = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        long real = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        long tai = Libc.clockGettimeNs(Clocks.CLOCK_TAI);
        long taiOffsetS = Math.floorDiv(tai - real + NS / 2, NS);
        int ifindex = org.jntpd.platform.Xdp.ifNameToIndex(dev);
        try (BpfProgram p = BpfProgram.load(build(port, NTP_UNIX_S - taiOffsetS), "jntpd_xdp_resp",
                Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP);
                XdpAttachment a = XdpAttachment.link(p, ifindex, Bpf.XDP_FLAGS_DRV_MODE)) {
            System.out.println("READY in-XDP responder on " + dev + " port " + port);
            Thread.sleep(seconds * 1000);
        }
    }

    /** @param taiToNtpS added to CLOCK_TAI seconds to give NTP era-0 seconds of UTC */
    static long[] build(int port, long taiToNtpS) {
        Asm a = new Asm();
        a.mov64Reg(R6, R1);
        a.call(Bpf.BPF_FUNC_ktime_get_tai_ns).mov64Reg(R9, R0); // T2, first
        a.load(BPF_W, R2, R6, (int) XdpMd.DATA_OFFSET);
        a.load(BPF_W, R3, R6, (int) XdpMd.DATA_END_OFFSET);
        a.mov64Reg(R4, R2).alu64(BPF_ADD, R4, 90).jumpReg(BPF_JGT, R4, R3, "pass");
        a.mov64Reg(R4, R2).alu64(BPF_ADD, R4, 90).jumpReg(BPF_JNE, R4, R3, "pass"); // exactly 48 bytes of NTP
        a.load(BPF_H, R4, R2, 12).jump(BPF_JNE, R4, 0x0008, "pass");
        a.load(BPF_B, R4, R2, 14).jump(BPF_JNE, R4, 0x45, "pass");
        a.load(BPF_B, R4, R2, 23).jump(BPF_JNE, R4, 17, "pass");
        a.load(BPF_H, R4, R2, 36).jump(BPF_JNE, R4, Short.toUnsignedInt(Short.reverseBytes((short) port)), "pass");
        a.load(BPF_B, R5, R2, 42).mov64Reg(R4, R5).alu64(BPF_AND, R4, 7).jump(BPF_JNE, R4, 3, "pass"); // mode 3
        // Ethernet: swap the addresses (6 bytes each, as u32 + u16)
        a.load(BPF_W, R4, R2, 0).load(BPF_W, R7, R2, 6).store(BPF_W, R2, 0, R7).store(BPF_W, R2, 6, R4);
        a.load(BPF_H, R4, R2, 4).load(BPF_H, R7, R2, 10).store(BPF_H, R2, 4, R7).store(BPF_H, R2, 10, R4);
        // IPv4 addresses, UDP ports; UDP checksum 0
        a.load(BPF_W, R4, R2, 26).load(BPF_W, R7, R2, 30).store(BPF_W, R2, 26, R7).store(BPF_W, R2, 30, R4);
        a.load(BPF_H, R4, R2, 34).load(BPF_H, R7, R2, 36).store(BPF_H, R2, 34, R7).store(BPF_H, R2, 36, R4);
        a.storeImm(BPF_H, R2, 40, 0);
        // NTP header: LI 0, the request's version, mode 4; stratum 1, poll as asked, precision -20
        a.alu64(BPF_AND, R5, 0x38).alu64(BPF_OR, R5, 4).store(BPF_B, R2, 42, R5);
        a.storeImm(BPF_B, R2, 43, 1).storeImm(BPF_B, R2, 45, -20);
        a.storeImm(BPF_W, R2, 46, 0).storeImm(BPF_W, R2, 50, Integer.reverseBytes(0x10)); // root delay 0, dispersion
        a.storeImm(BPF_W, R2, 54, Integer.reverseBytes(0x5844_5052)); // refid "XDPR"
        a.load(BPF_DW, R4, R2, 82).store(BPF_DW, R2, 66, R4); // origin = the request's transmit
        ntp(a, R9, taiToNtpS); // R9 = T2 as NTP, big-endian
        a.load(BPF_W, R2, R6, (int) XdpMd.DATA_OFFSET); // the calls clobbered r1-r5
        a.load(BPF_W, R3, R6, (int) XdpMd.DATA_END_OFFSET);
        a.mov64Reg(R4, R2).alu64(BPF_ADD, R4, 90).jumpReg(BPF_JGT, R4, R3, "pass");
        a.store(BPF_DW, R2, 74, R9); // receive
        a.store(BPF_DW, R2, 58, R9); // reference = T2
        a.call(Bpf.BPF_FUNC_ktime_get_tai_ns).mov64Reg(R9, R0); // T3, last
        ntp(a, R9, taiToNtpS);
        a.load(BPF_W, R2, R6, (int) XdpMd.DATA_OFFSET);
        a.load(BPF_W, R3, R6, (int) XdpMd.DATA_END_OFFSET);
        a.mov64Reg(R4, R2).alu64(BPF_ADD, R4, 90).jumpReg(BPF_JGT, R4, R3, "pass");
        a.store(BPF_DW, R2, 82, R9); // transmit
        a.ret(XDP_TX);
        a.label("pass");
        a.ret(XDP_PASS);
        return a.assemble();
    }

    /** {@code reg} = the NTP timestamp (big-endian, as stored) of CLOCK_TAI ns {@code reg}; uses r1, r2. */
    private static void ntp(Asm a, int reg, long taiToNtpS) {
        a.mov64Reg(R1, reg).alu64(BPF_DIV, R1, NS); // seconds
        a.mov64Reg(R2, R1).alu64(BPF_MUL, R2, NS).alu64Reg(BPF_SUB, reg, R2); // reg = ns of the second
        a.alu64(BPF_LSH, reg, 32).alu64(BPF_DIV, reg, NS); // fraction
        a.loadImm64(R2, taiToNtpS).alu64Reg(BPF_ADD, R1, R2).alu64(BPF_LSH, R1, 32);
        a.alu64Reg(BPF_OR, reg, R1).toBigEndian(reg, 64);
    }
}
