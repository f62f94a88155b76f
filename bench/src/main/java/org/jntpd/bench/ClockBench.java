package org.jntpd.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Timespec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading CLOCK_REALTIME through FFM (linked critical without errno capture, linked the ordinary way with errno
 * capture, and the per-thread {@code clockGettimeNs} helper) against the JDK's clocks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class ClockBench {
    private Arena arena;
    private MemorySegment timespec;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        timespec = arena.allocate(Timespec.LAYOUT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long ffmClockGettimeCritical() {
        Libc.clockGettime(Clocks.CLOCK_REALTIME, timespec);
        return Timespec.toNanos(timespec);
    }

    @Benchmark
    public long ffmClockGettimeCapturingErrno() {
        Libc.clockGettimeCapturing(Clocks.CLOCK_REALTIME, timespec);
        return Timespec.toNanos(timespec);
    }

    @Benchmark
    public long ffmClockGettimeNsThreadLocal() {
        return Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
    }

    @Benchmark
    public long systemNanoTime() {
        return System.nanoTime();
    }

    @Benchmark
    public long systemCurrentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Benchmark
    public Instant instantNow() {
        return Instant.now();
    }
}
