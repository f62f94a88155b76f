package org.jntpd.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** CPU pinning of the calling platform thread (sched_setaffinity with pid 0 acts on the calling thread only). */
public final class ThreadAffinity {
    private ThreadAffinity() {
    }

    /** Pins the calling thread to {@code cpu}; call it on a platform thread (a virtual one would pin its carrier). */
    public static void pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= Sys.CPU_SETSIZE) {
            throw new IllegalArgumentException("cpu: expected 0.." + (Sys.CPU_SETSIZE - 1) + ", got " + cpu);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CpuSet.LAYOUT);
            CpuSet.set(mask, cpu);
            Libc.check(Libc.schedSetaffinity(0, CpuSet.sizeof(), mask), "sched_setaffinity");
        }
    }

    /** The CPUs the calling thread may run on, ascending. */
    public static int[] currentThreadCpus() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CpuSet.LAYOUT);
            Libc.check(Libc.schedGetaffinity(0, CpuSet.sizeof(), mask), "sched_getaffinity");
            int[] cpus = new int[CpuSet.count(mask)];
            for (int cpu = 0, n = 0; n < cpus.length; cpu++) {
                if (CpuSet.isSet(mask, cpu)) {
                    cpus[n++] = cpu;
                }
            }
            return cpus;
        }
    }
}
