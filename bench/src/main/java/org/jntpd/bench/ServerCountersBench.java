package org.jntpd.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jntpd.server.ServerCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the serving path pays per reply for the RX->TX latency histogram ({@link ServerCounters#latency}) beside one
 * plain counter increment; latencies spread over the buckets (100 ns to 100 ms, log-uniform) so the bucket index is
 * not predictable. Run with {@code bench/jmh -prof gc ServerCountersBench} (expected 0 B/op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class ServerCountersBench {
    private final ServerCounters counters = new ServerCounters();
    private final long[] latenciesNs = new long[1024];
    private int next;

    public ServerCountersBench() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < latenciesNs.length; i++) {
            latenciesNs[i] = (long) Math.pow(10, 2 + 6 * r.nextDouble());
        }
    }

    @Benchmark
    public void increment() {
        counters.increment(ServerCounters.Counter.REPLIED);
    }

    @Benchmark
    public void latency() {
        counters.latency(latenciesNs[next++ & (latenciesNs.length - 1)]);
    }
}
