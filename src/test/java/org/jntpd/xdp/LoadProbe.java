package org.jntpd.xdp;

import org.jntpd.platform.Bpf;

/** Loads the steering program and attaches it to args[0] for args[1] seconds; prints the attachment (dev probe). */
public final class LoadProbe {
    public static void main(String[] args) throws Exception {
        int ifindex = org.jntpd.platform.Xdp.ifNameToIndex(args[0]);
        try (BpfMap xsk = BpfMap.create(Bpf.BPF_MAP_TYPE_XSKMAP, "xsks", 4, 4, 64, 0);
                BpfMap counters = BpfMap.create(Bpf.BPF_MAP_TYPE_PERCPU_ARRAY, "counters", 4, 8, 8, 0);
                BpfMap flood = BpfMap.create(Bpf.BPF_MAP_TYPE_LRU_HASH, "flood", 16, 8, 4096, 0)) {
            long[] insns = SteeringProgram.build(SteeringProgram.StampPlacement.valueOf(args[2]), new int[] {123}, xsk.fd(), counters.fd(), flood.fd(), 1_000_000L, 16);
            try (BpfProgram p = BpfProgram.load(insns, SteeringProgram.NAME, Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP)) {
                System.out.println("loaded " + insns.length + " insns, id " + p.id());
                try (XdpAttachment at = XdpAttachment.link(p, ifindex, Bpf.XDP_FLAGS_DRV_MODE)) {
                    System.out.println("attached: " + XdpAttachment.attachedProgram(ifindex));
                    Thread.sleep(Long.parseLong(args[1]) * 1000);
                }
                System.out.println("after close: " + XdpAttachment.attachedProgram(ifindex));
            }
        }
    }
}
