package org.jntpd.server.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;
import org.jntpd.server.ServerCore;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerState;
import org.jntpd.time.NtpTimestamp;

/**
 * Runs the serving path on a private loopback socket before the real workers start, so that the first client's reply
 * is not stamped by interpreted code. A basic-mode reply's transmit timestamp is read before the send: while
 * {@link ServerWorker}, the responder and the FFM send path still run in the interpreter, T3 is taken 35-55 us before
 * the reply leaves (7 us once compiled), which a client sees as delay and, split between the two directions, as an
 * offset bias. A lightly loaded server would stay so for thousands of requests. The launcher lowers the compile
 * thresholds of jntpd's and the FFM implementation's methods ({@code CompileThresholdScaling}), so these exchanges
 * are enough to have them compiled; without those flags they only cost a few milliseconds.
 *
 * <p>The warm-up worker is a real {@link ServerWorker} with its own responder, counters and sockets (bound to
 * 127.0.0.1, port 0), so the real workers' counters, rate limiters and interleaved table see none of it.
 */
final class ServingWarmup {
    /** System property: exchanges to run (0 turns the warm-up off). */
    static final String EXCHANGES_PROP_NAME = "jntpd.server.warmupExchanges";
    static final int EXCHANGES_DEFAULT = 400;
    private static final int REPLY_WAIT_MS = 100;
    private static final int REQUEST_BYTES = 48; // a basic NTPv4 client request: header only
    private static final byte LI0_V4_MODE3 = 0x23;
    private static final long TRANSMIT_OFFSET = 40;
    private static final ValueLayout.OfLong NTP64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    private ServingWarmup() {
    }

    /**
     * Runs {@code exchanges} request/reply exchanges through a worker of the configured idle kind; returns the replies
     * received (a warm-up that cannot bind or send is logged and skipped: it only makes the first replies better).
     */
    static int run(Config.Serving.Idle idle, int exchanges) {
        if (exchanges <= 0) {
            return 0;
        }
        long startNs = System.nanoTime();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0);
        ServerCounters counters = new ServerCounters();
        ServerCore core = new ServerCore(Config.RateLimit.DEFAULT, List.of());
        ServerState state = ServerState.local(2, -20, 0, 0);
        int replies = 0;
        try (UdpSocket serverSocket = UdpSocket.open(loopback, UdpSocket.Options.DEFAULT);
                UdpSocket client = UdpSocket.open(loopback, UdpSocket.Options.DEFAULT);
                PacketBatch request = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES);
                PacketBatch reply = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES)) {
            ServerWorker worker = new ServerWorker(0, -1, idle, new UdpSocket[] {serverSocket},
                    core.newResponder(counters), counters, () -> state, LongUnaryOperator.identity(), null);
            try {
                MemorySegment packet = request.data(0);
                packet.asSlice(0, REQUEST_BYTES).fill((byte) 0);
                packet.set(ValueLayout.JAVA_BYTE, 0, LI0_V4_MODE3);
                InetSocketAddress to = serverSocket.localAddress();
                for (int i = 0; i < exchanges; i++) {
                    packet.set(NTP64, TRANSMIT_OFFSET,
                            NtpTimestamp.fromUnixNs(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME)));
                    request.length(0, REQUEST_BYTES);
                    request.address(0, to);
                    if (client.send(request, 1) != 1) {
                        break;
                    }
                    worker.doWork();
                    if (client.poll(Net.POLLIN, REPLY_WAIT_MS) > 0 && client.receive(reply) == 1) {
                        replies++;
                    }
                }
            } finally {
                worker.onClose();
            }
        } catch (RuntimeException e) {
            Log.warn("serving warm-up skipped (" + e.getMessage() + "): the first replies may be stamped early");
            return replies;
        }
        Log.debug("serving warm-up: " + replies + " of " + exchanges + " exchanges in "
                + (System.nanoTime() - startNs) / 1_000_000 + " ms");
        return replies;
    }

    /** The configured number of exchanges ({@value #EXCHANGES_PROP_NAME}, default {@value #EXCHANGES_DEFAULT}). */
    static int configuredExchanges() {
        return Integer.getInteger(EXCHANGES_PROP_NAME, EXCHANGES_DEFAULT);
    }
}
