package org.jntpd.xdp;

import org.jntpd.platform.Bpf;
import org.jntpd.xdp.ebpf.Asm;

/**
 * Leaves an XDP program attached through rtnetlink to args[0] and exits, as a jntpd that died would (args[1] "ours":
 * the steering program under its own name; "foreign": a pass-everything program named "other_xdp").
 */
public final class StaleAttachMain {
    public static void main(String[] args) {
        int ifindex = org.jntpd.platform.Xdp.ifNameToIndex(args[0]);
        boolean ours = args[1].equals("ours");
        try (BpfMap xsk = BpfMap.create(Bpf.BPF_MAP_TYPE_XSKMAP, "xsks", 4, 4, 1, 0);
                BpfMap counters = BpfMap.create(Bpf.BPF_MAP_TYPE_PERCPU_ARRAY, "counters", 4, 8, 8, 0);
                BpfMap local = BpfMap.create(Bpf.BPF_MAP_TYPE_HASH, "local", SteeringProgram.LOCAL_KEY_BYTES, 1, 1,
                        0)) {
            long[] insns = ours
                    ? SteeringProgram.build(SteeringProgram.StampPlacement.HEAD_PREFIX, new int[] {123}, xsk.fd(),
                            counters.fd(), local.fd(), -1, 0, 0)
                    : new Asm().ret(Bpf.XDP_PASS).assemble();
            try (BpfProgram p = BpfProgram.load(insns, ours ? SteeringProgram.NAME : "other_xdp", Bpf.BPF_PROG_TYPE_XDP,
                    Bpf.BPF_XDP)) {
                XdpAttachment.attachNetlink(p, ifindex, Bpf.XDP_FLAGS_DRV_MODE); // not closed: it stays
                System.out.println("ATTACHED " + XdpAttachment.attachedProgram(ifindex));
            }
        }
    }
}
