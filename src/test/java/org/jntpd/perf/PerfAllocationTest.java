package org.jntpd.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jntpd.io.KernelStamping;
import org.jntpd.platform.JitDirectives;
import org.junit.jupiter.api.Test;

/**
 * The generator's steady state allocates nothing: each step measures the bytes its thread allocated (reporting
 * excluded); once a step allocates nothing (the JIT has settled: typically after 50k-100k packets), every later one
 * must too. Run against {@link FakeServer} with kernel TX stamps, replies on several sockets and interleaved requests,
 * so every per-packet path is taken.
 */
class PerfAllocationTest {
    @Test
    void shouldAllocateNothingPerPacketOnceWarm() throws Exception {
        KernelStamping.ensureEnabled();
        assertTrue(JitDirectives.ensureInstalled(), JitDirectives.outcome());
        try (FakeServer server = new FakeServer(700, 100, 5, 0, 0)) {
            // A warm-up and twelve steps of 0.6 s at 25,000/s: about 195k packets, 1% of them dropped, interleaved. On a
            // busy machine the JIT's compiler threads get the CPU late, so the first clean step may come late: twelve
            // steps leave room for it and still demand that every step after it stays clean.
            PerfResult r = LoadGeneratorTest.run("--ramp", "25000,1,25011", "--duration", "0.6", "--warmup", "0.6", "--kv",
                    "--stop-loss", "100", "--xleave", "127.0.0.1:" + server.port());
            List<StepStats> steps = r.steps();
            assertEquals(12, steps.size());
            int firstClean = -1;
            for (int i = 0; i < steps.size(); i++) {
                if (steps.get(i).allocatedBytes() == 0) {
                    firstClean = i;
                    break;
                }
            }
            assertTrue(firstClean >= 0 && firstClean <= steps.size() - 3,
                    "a step allocated nothing with two more after it; allocations per step: " + allocations(steps));
            for (int i = firstClean; i < steps.size(); i++) {
                assertEquals(0, steps.get(i).allocatedBytes(), "step " + (i + 1) + " after a clean one; per step: "
                        + allocations(steps));
                assertTrue(steps.get(i).replies() > 10_000, "the step carried load");
                assertTrue(steps.get(i).interleavedReplies() > 5_000, "and took the interleaved path");
            }
        }
    }

    private static List<Long> allocations(List<StepStats> steps) {
        return steps.stream().map(StepStats::allocatedBytes).toList();
    }
}
