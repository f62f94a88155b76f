package org.jntpd.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.jntpd.platform.Bpf;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.xdp.ebpf.Asm;
import org.junit.jupiter.api.Test;

/**
 * The kernel's verifier accepts the generated programs: the steering program with its stamp in a frame prefix and the
 * flood filter, and the load generator's reply counter; the metadata variant loads where the kernel lets XDP programs
 * call bpf_xdp_adjust_meta, and otherwise fails with that reason in the verifier log (the raw path's fallback relies
 * on it). A refused program's exception carries the verifier's log.
 */
class SteeringProgramLoadTest {
    @Test
    void shouldPassTheVerifier() {
        assumeTrue(ExternalProgram.isRoot(), "loading BPF programs needs root (CAP_BPF)");
        try (BpfMap xsk = BpfMap.create(Bpf.BPF_MAP_TYPE_XSKMAP, "t_xsks", 4, 4, 4, 0);
                BpfMap counters = BpfMap.create(Bpf.BPF_MAP_TYPE_PERCPU_ARRAY, "t_counters", 4, 8,
                        SteeringProgram.Counter.values().length, 0);
                BpfMap flood = BpfMap.create(Bpf.BPF_MAP_TYPE_LRU_HASH, "t_flood", 16, 8, 1024, 0);
                BpfMap local = BpfMap.create(Bpf.BPF_MAP_TYPE_HASH, "t_local", SteeringProgram.LOCAL_KEY_BYTES, 1, 16,
                        0);
                BpfMap hist = BpfMap.create(Bpf.BPF_MAP_TYPE_ARRAY, "t_hist", 4, 8, 2 * ReplyCounterProgram.BUCKETS,
                        Bpf.BPF_F_MMAPABLE)) {
            try (BpfProgram p = BpfProgram.load(SteeringProgram.build(SteeringProgram.StampPlacement.HEAD_PREFIX,
                    new int[] {123, 10123}, xsk.fd(), counters.fd(), local.fd(), flood.fd(), 1_000_000L, 8),
                    SteeringProgram.NAME, Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP)) {
                assertEquals(SteeringProgram.NAME, BpfProgram.info(p.fd()).name());
                assertEquals(Bpf.BPF_PROG_TYPE_XDP, BpfProgram.info(p.fd()).type());
            }
            try (BpfProgram p = BpfProgram.load(SteeringProgram.build(SteeringProgram.StampPlacement.METADATA,
                    new int[] {123}, xsk.fd(), counters.fd(), local.fd(), -1, 0, 0), SteeringProgram.NAME,
                    Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP)) {
                assertTrue(p.id() > 0);
            } catch (BpfProgram.LoadException e) {
                assertTrue(e.verifierLog().contains("bpf_xdp_adjust_meta"), e.getMessage());
            }
            try (BpfProgram p = BpfProgram.load(ReplyCounterProgram.build(123, hist.fd(), 37_000_000_000L), ReplyCounterProgram.NAME,
                    Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP)) {
                assertTrue(p.id() > 0);
            }
        }
    }

    @Test
    void shouldCarryTheVerifierLogWhenAProgramIsRefused() {
        assumeTrue(ExternalProgram.isRoot(), "loading BPF programs needs root (CAP_BPF)");
        // reads r2 before anything wrote it
        long[] bad = new Asm().mov64Reg(Asm.R0, Asm.R2).exit().assemble();
        try (BpfProgram p = BpfProgram.load(bad, "t_bad", Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP)) {
            throw new AssertionError("the verifier accepted a read of an uninitialised register");
        } catch (BpfProgram.LoadException e) {
            assertEquals(org.jntpd.platform.Errno.EACCES, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("R2 !read_ok"), e.getMessage());
        }
    }
}
