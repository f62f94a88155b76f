package org.jntpd.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 48-byte packet over loopback with kernel timestamps, per operation: send (sendmsg / sendmmsg), receive
 * with its RX software stamp (recvmsg / recvmmsg), and the TX stamp read back from the error queue. Kernel time
 * (the UDP path) dominates; the figure to watch besides ns/op is B/op (-prof gc), which must be 0.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class TimestampedSocketBench {
    private static final int BATCH = 16;

    private UdpSocket tx;
    private UdpSocket rx;
    private PacketBatch out;
    private PacketBatch in;
    private PacketBatch reports;

    @Setup(Level.Trial)
    public void setUp() {
        InetSocketAddress lo = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        tx = UdpSocket.open(lo, UdpSocket.Options.DEFAULT);
        rx = UdpSocket.open(lo, UdpSocket.Options.DEFAULT);
        out = new PacketBatch(BATCH);
        in = new PacketBatch(BATCH);
        reports = new PacketBatch(2 * BATCH, PacketBatch.MIN_DATA_BYTES);
        InetSocketAddress to = rx.localAddress();
        for (int i = 0; i < BATCH; i++) {
            out.address(i, to);
            out.length(i, 48);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tx.close();
        rx.close();
        out.close();
        in.close();
        reports.close();
    }

    /** sendmsg + recvmsg + one error-queue read; returns RX - TX stamp (ns) so nothing is optimised away. */
    @Benchmark
    public long onePacket() {
        tx.sendOne(out, 0);
        rx.receiveOne(in, 0);
        tx.receiveTxTimestamps(reports);
        return in.rxSoftwareNs(0) - reports.txSoftwareNs(0);
    }

    /** sendmmsg + recvmmsg + error-queue reads of 16 packets, per packet. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long batchOf16() {
        tx.send(out, BATCH);
        int got = rx.receive(in);
        int reportCount = tx.receiveTxTimestamps(reports);
        return got + reportCount + in.rxSoftwareNs(BATCH - 1);
    }
}
