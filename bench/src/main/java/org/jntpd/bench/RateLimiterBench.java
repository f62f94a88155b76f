package org.jntpd.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jntpd.server.RateLimiter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the serving path pays per request for the rate limiter ({@link RateLimiter#check}) with the default table
 * (2^16 slots): {@code clients} distinct IPv4 sources in random order, 100 ns apart; 1000 of them stay in cache, a
 * million are a flood of fresh sources (every check a miss that probes and evicts). Run with {@code bench/jmh
 * RateLimiterBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class RateLimiterBench {
    @Param({"1000", "1000000"})
    int clients;

    private final RateLimiter limiter = new RateLimiter(16, 0, 16, 2, 1);
    private long[] addresses;
    private int next;
    private long nowNs = 1_000_000_000_000L;

    @org.openjdk.jmh.annotations.Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(1);
        addresses = new long[1 << 20];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = 0x0000_FFFF_0000_0000L | (r.nextInt(clients) & 0xFFFF_FFFFL);
        }
    }

    @Benchmark
    public int check() {
        nowNs += 100;
        return limiter.check(0, addresses[next++ & (addresses.length - 1)], nowNs, true);
    }
}
