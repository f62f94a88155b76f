package org.jntpd.server.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Log;
import org.jntpd.base.WarmupWindow;
import org.jntpd.config.Config;
import org.jntpd.config.Location;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.ServerCore;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerStateSource;
import org.jntpd.time.NtpTimestamp;

/**
 * Runs the serving path on a private loopback socket before the real workers start, so that the first client's reply
 * is not stamped by interpreted code. A basic-mode reply's transmit timestamp is read before the send: while
 * {@link ServerWorker}, the responder and the FFM send path still run in the interpreter, T3 is taken 35-55 us before
 * the reply leaves (7 us once compiled), which a client sees as delay and, split between the two directions, as an
 * offset bias. A lightly loaded server would stay so for thousands of requests. The launcher lowers the compile
 * thresholds of the serving path's classes ({@code CompileThresholdScaling} on {@code org.jntpd.server} and
 * {@code Libc}, among others), so a few hundred exchanges have them compiled; without those flags the warm-up gives up
 * after {@value #MAX_MS} ms.
 *
 * <p>The warm-up worker is a real {@link ServerWorker} with its own responder, counters and sockets (bound to
 * 127.0.0.1, port 0), so the real workers' counters, rate limiters and interleaved table see none of it. It reads the
 * real workers' state source and clock mapping: the JIT compiles calls through an interface with one implementation
 * loaded as direct calls, and a second implementation loaded later (a warm-up's own) would throw that code away.
 */
final class ServingWarmup {
    /** System property: exchanges to run (0 turns the warm-up off). */
    static final String EXCHANGES_PROP_NAME = "jntpd.server.warmupExchanges";
    static final int EXCHANGES_DEFAULT = 384; // six windows
    private static final int REPLY_WAIT_MS = 100;
    /** Exchanges per median of the worker's time. */
    static final int WINDOW = 64;
    /**
     * Done when the worker's median time per exchange is this many times shorter than at first: interpreted 150-180
     * us here, 70-80 us with part of the path compiled, 18 us with all of it (each exchange two syscalls).
     */
    static final int SPEED_UP = 6;
    /** At most this many times the configured exchanges, and this long. */
    static final int MAX_FACTOR = 10;
    static final int MAX_MS = 3_000;
    private static final int REQUEST_BYTES = 48; // a basic NTPv4 client request: header only
    private static final byte LI0_V4_MODE3 = 0x23;
    private static final long TRANSMIT_OFFSET = 40;
    private static final ValueLayout.OfLong NTP64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    private ServingWarmup() {
    }

    /**
     * What a warm-up did: exchanges made, replies received, and the median time the worker took per exchange over the
     * first and the last {@value #WINDOW} (0 when fewer were made).
     */
    record Outcome(int exchanges, int replies, long firstMedianNs, long lastMedianNs) {
    }

    /**
     * Runs at least {@code minExchanges} request/reply exchanges through a worker of the configured idle kind, and goes
     * on (up to {@value #MAX_FACTOR} times as many, {@value #MAX_MS} ms) until the worker's median time per exchange is
     * a {@value #SPEED_UP}th of what it was at first: the JIT drops a queued compilation of a method that stopped
     * being called (it looks stale), so stopping at a fixed count while the compiler is still busy with the start's
     * other methods would leave the packet path interpreted after all. A warm-up that cannot bind or send is logged and skipped: it only
     * makes the first replies better.
     */
    static Outcome run(Config.Serving.Idle idle, int minExchanges, ServerStateSource state,
            LongUnaryOperator kernelToServedNs) {
        if (minExchanges <= 0) {
            return new Outcome(0, 0, 0, 0);
        }
        long startNs = System.nanoTime();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0);
        ServerCounters counters = new ServerCounters();
        // The smallest interleaved table: a larger one would stay resident as garbage in the old generation.
        ServerCore core = new ServerCore(Config.RateLimit.DEFAULT, List.of(), ServerAuth.NONE,
                Config.ClientLog.ofEntries(1, Location.BUILT_IN), 1);
        WarmupWindow progress = new WarmupWindow(WINDOW, SPEED_UP, minExchanges, minExchanges * MAX_FACTOR, MAX_MS);
        int replies = 0;
        try (UdpSocket serverSocket = UdpSocket.open(loopback, UdpSocket.Options.DEFAULT);
                UdpSocket client = UdpSocket.open(loopback, UdpSocket.Options.DEFAULT);
                PacketBatch request = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES);
                PacketBatch reply = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES)) {
            ServerWorker worker = new ServerWorker(0, -1, idle, new UdpSocket[] {serverSocket},
                    core.newResponder(counters), counters, state, kernelToServedNs, null);
            try {
                MemorySegment packet = request.data(0);
                packet.asSlice(0, REQUEST_BYTES).fill((byte) 0);
                packet.set(ValueLayout.JAVA_BYTE, 0, LI0_V4_MODE3);
                InetSocketAddress to = serverSocket.localAddress();
                boolean done = false;
                while (!done) {
                    packet.set(NTP64, TRANSMIT_OFFSET,
                            NtpTimestamp.fromUnixNs(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME)));
                    request.length(0, REQUEST_BYTES);
                    request.address(0, to);
                    if (client.send(request, 1) != 1) {
                        break;
                    }
                    long beforeNs = System.nanoTime();
                    worker.doWork();
                    done = progress.add(System.nanoTime() - beforeNs);
                    if (client.poll(Net.POLLIN, REPLY_WAIT_MS) > 0 && client.receive(reply) == 1) {
                        replies++;
                    }
                }
            } finally {
                worker.onClose();
            }
        } catch (RuntimeException e) {
            Log.warn("serving warm-up skipped (" + e.getMessage() + "): the first replies may be stamped early");
            return new Outcome(progress.steps(), replies, progress.firstMedianNs(), progress.lastMedianNs());
        }
        Outcome o = new Outcome(progress.steps(), replies, progress.firstMedianNs(), progress.lastMedianNs());
        Log.debug("serving warm-up: " + o.replies() + " replies to " + o.exchanges() + " requests in "
                + (System.nanoTime() - startNs) / 1_000_000 + " ms; the worker's median per exchange "
                + o.firstMedianNs() / 1000 + " us at first, " + o.lastMedianNs() / 1000 + " us at the end");
        return o;
    }

    /** The configured number of exchanges ({@value #EXCHANGES_PROP_NAME}, default {@value #EXCHANGES_DEFAULT}). */
    static int configuredExchanges() {
        return Integer.getInteger(EXCHANGES_PROP_NAME, EXCHANGES_DEFAULT);
    }
}
