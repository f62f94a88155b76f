package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.RawNtp;
import org.jntpd.testing.UdpClient;
import org.junit.jupiter.api.Test;

/**
 * A flood from many sources on real sockets: each source is a socket bound to its own 127.x.y.z address (all of
 * 127/8 is loopback on Linux), talking to the real daemon configured with {@code restrict default limited kod} and
 * {@code ratelimit interval -1 burst 4 leak 3} (on average one reply per 0.5 s per client, bursts of 4, one in 8
 * limited requests answered anyway). Shown: a single heavy source gets the configured rate plus the leak and RATE
 * kisses; many distinct sources are each answered in full within their burst; 200,000 requests from 50,000 sources
 * leave the daemon's resident memory flat (its tables are fixed in size); and a well-behaved client polling all the
 * while is always answered.
 *
 * <p>Senders are closed-loop windows of {@value #WINDOW_SOURCES} sources, so the daemon's socket buffer never
 * overflows (drops are measured and reported); every phase is bounded in count and time.
 */
class FloodTest {
    private static final int BURST = 4;
    private static final long INTERVAL_NS = 500_000_000L; // ratelimit interval -1
    private static final int LEAK_ONE_IN = 8; // leak 3
    private static final int STRATUM = 3;
    private static final int WINDOW_SOURCES = 32;
    private static final long WINDOW_TIMEOUT_MS = 3_000;
    private static final int HEAVY_REQUESTS = 2_000;
    private static final int DISTINCT_SOURCES = 2_000;
    private static final int FLOOD_SOURCES = 50_000;
    /** Resident memory may grow by this much over the 200,000-request flood (JIT and allocator noise). */
    private static final long MAX_RSS_GROWTH_KIB = 4 * 1024;
    /** Live objects may grow by this much (under 3 bytes a request: nothing is kept per client or request). */
    private static final long MAX_LIVE_HEAP_GROWTH_KIB = 512;
    private static final long POLL_INTERVAL_MS = 500; // plus the round trip: just within one per 0.5 s
    /**
     * Time served under load is still right: the true offset (0, same clock) lies within the measured offset plus or
     * minus half the delay, give or take this (a stall of either side only widens the delay).
     */
    private static final long MAX_POLL_ERROR_NS = 1_000_000;

    private long nextTransmit = 0x2000_0000_0000_0000L;

    @Test
    void shouldLimitAHeavySourceAnswerManySourcesStayFlatAndKeepServingAWellBehavedClient() throws Exception {
        try (JntpdProcess jntpd = JntpdProcess.start("local stratum " + STRATUM, "restrict default limited kod",
                "ratelimit interval -1 burst " + BURST + " leak 3");
                WellBehavedClient good = new WellBehavedClient(jntpd.address())) {
            long dropsAtStart = jntpd.receiveDrops();

            // 1. One heavy source: 2000 requests paced over about 2 s.
            HeavyResult heavy = heavySource(jntpd.address(), "127.1.0.1");
            double seconds = heavy.spanNs / 1e9;
            long rateAllowedMin = BURST + (long) Math.floor(heavy.spanNs / (double) INTERVAL_NS) - 1;
            long rateAllowedMax = BURST + (long) Math.ceil(heavy.spanNs / (double) INTERVAL_NS) + 1;
            long over = HEAVY_REQUESTS - rateAllowedMax;
            double leakMean = over / (double) LEAK_ONE_IN;
            double leakSigma = Math.sqrt(over * (1.0 / LEAK_ONE_IN) * (1 - 1.0 / LEAK_ONE_IN));
            String heavyWhere = String.format("heavy source: %d requests in %.2f s -> %d replies (ratio %.3f), %d RATE"
                    + " kisses, %d other; expected %d..%d by rate + %.0f +/- %.0f by the leak (ratio ~%.3f)",
                    HEAVY_REQUESTS, seconds, heavy.replies, heavy.replies / (double) HEAVY_REQUESTS, heavy.kisses,
                    heavy.other, rateAllowedMin, rateAllowedMax, leakMean, leakSigma,
                    (rateAllowedMax + leakMean) / HEAVY_REQUESTS);
            System.out.println("FloodTest " + heavyWhere);
            assertEquals(0, heavy.other, heavyWhere);
            assertTrue(heavy.replies >= rateAllowedMin + leakMean - 5 * leakSigma
                    && heavy.replies <= rateAllowedMax + leakMean + 5 * leakSigma, heavyWhere);
            assertTrue(heavy.kisses >= 1 && heavy.kisses <= heavy.spanNs / INTERVAL_NS + 2,
                    "at most one RATE kiss per interval: " + heavyWhere);

            // 2. Many distinct sources, each within its burst: all answered, no kiss.
            FloodResult distinct = flood(jntpd.address(), 2, DISTINCT_SOURCES, false);
            System.out.println("FloodTest distinct sources: " + distinct);
            assertEquals(DISTINCT_SOURCES * (long) BURST, distinct.replies, distinct.toString());
            assertEquals(0, distinct.kisses, distinct.toString());
            assertEquals(DISTINCT_SOURCES, distinct.sourcesFullyAnswered, distinct.toString());

            // 3. 200,000 requests from 50,000 sources, half in the interleaved form (each interleaved reply is
            // remembered in the daemon's fixed interleaved table), twice: the first run fills the rate limiter's
            // table and lets the JIT compile every path (its compiler arenas move the RSS by megabytes), the second
            // is measured.
            flood(jntpd.address(), 4, FLOOD_SOURCES, true);
            long heapBeforeKiB = jntpd.liveHeapKiB();
            long rssBeforeKiB = jntpd.rssKiB();
            long dropsBefore = jntpd.receiveDrops();
            long startNs = System.nanoTime();
            FloodResult flood = flood(jntpd.address(), 3, FLOOD_SOURCES, true);
            long floodNs = System.nanoTime() - startNs;
            long rssAfterKiB = jntpd.rssKiB();
            long heapAfterKiB = jntpd.liveHeapKiB();
            long drops = jntpd.receiveDrops() - dropsBefore;
            String floodWhere = String.format("%s in %.1f s; VmRSS %d -> %d KiB (%+d); live heap %d -> %d KiB (%+d);"
                    + " %d dropped by the kernel", flood, floodNs / 1e9, rssBeforeKiB, rssAfterKiB,
                    rssAfterKiB - rssBeforeKiB, heapBeforeKiB, heapAfterKiB, heapAfterKiB - heapBeforeKiB, drops);
            System.out.println("FloodTest flood: " + floodWhere);
            assertTrue(flood.replies >= 0.99 * FLOOD_SOURCES * BURST, "nearly every request answered: " + floodWhere);
            assertEquals(0, flood.kisses, floodWhere);
            assertTrue(rssAfterKiB - rssBeforeKiB < MAX_RSS_GROWTH_KIB, "memory stays flat: " + floodWhere);
            assertTrue(heapAfterKiB - heapBeforeKiB < MAX_LIVE_HEAP_GROWTH_KIB,
                    "no objects kept per client: " + floodWhere);

            // 4. The well-behaved client was answered throughout.
            good.close();
            long duringFlood = good.answeredBetween(startNs, startNs + floodNs);
            String problem = good.problem.get() == null ? "" : good.problem.get() + "; ";
            String goodWhere = "well-behaved client: " + good.answered + " of " + good.sent + " polls answered, "
                    + duringFlood + " during the 200,000-request flood; " + problem + "kernel drops at the daemon "
                    + (jntpd.receiveDrops() - dropsAtStart);
            System.out.println("FloodTest " + goodWhere);
            // It polls about twice a second: at least one answer per second of flood (a slack of half).
            assertTrue(good.sent >= 8 && duringFlood >= floodNs / 1_000_000_000L, goodWhere);
            assertEquals(good.sent, good.answered, goodWhere);
            assertTrue(jntpd.isAlive());
            assertFalse(jntpd.log().contains("Exception"), jntpd.log());
        }
    }

    private record HeavyResult(long replies, long kisses, long other, long spanNs) {}

    /** {@value #HEAVY_REQUESTS} requests from one address, 10 every 10 ms, replies read as they come. */
    private HeavyResult heavySource(InetSocketAddress server, String address) throws IOException {
        long first = nextTransmit + 2;
        long[] counts = new long[Kind.values().length];
        try (UdpClient c = new UdpClient(address)) {
            long startNs = System.nanoTime();
            long lastSendNs = startNs;
            for (int sent = 0; sent < HEAVY_REQUESTS; ) {
                for (int i = 0; i < 10 && sent < HEAVY_REQUESTS; i++, sent++) {
                    c.send(RawNtp.request(4, nextTransmit()), server);
                }
                lastSendNs = System.nanoTime();
                drain(c, lastSendNs + 10_000_000L, first, counts);
            }
            drain(c, System.nanoTime() + 300_000_000L, first, counts); // the last replies
            return new HeavyResult(counts[Kind.REPLY.ordinal()], counts[Kind.KISS.ordinal()],
                    counts[Kind.OTHER.ordinal()], lastSendNs - startNs);
        }
    }

    /** Reads and classifies replies until {@code untilNs}. */
    private void drain(UdpClient c, long untilNs, long first, long[] counts) throws IOException {
        long leftNs;
        while ((leftNs = untilNs - System.nanoTime()) > 0) {
            byte[] b = c.receive(Math.max(1, leftNs / 1_000_000));
            if (b != null) {
                counts[classify(b, first, nextTransmit).ordinal()]++;
            }
        }
    }

    private enum Kind { REPLY, KISS, OTHER }

    /** A normal reply or a RATE kiss to one of our requests (transmit in [first, last]), or something else. */
    private static Kind classify(byte[] b, long first, long last) {
        RawNtp.Header h = RawNtp.Header.parse(b, b.length);
        if (h == null || b.length != RawNtp.HEADER_BYTES || h.mode() != RawNtp.MODE_SERVER || h.version() != 4
                || h.originTs() < first || h.originTs() > last) {
            return Kind.OTHER;
        }
        if (h.stratum() == STRATUM && h.leap() == 0 && h.refId() == RawNtp.REFID_LOCL) {
            return Kind.REPLY;
        }
        if (h.isKissOfDeath() && h.leap() == 3 && h.refId() == RawNtp.KISS_RATE) {
            return Kind.KISS;
        }
        return Kind.OTHER;
    }

    private record FloodResult(int sources, long sent, long replies, long kisses, long other, long sourcesFullyAnswered,
            long windowTimeouts) {
        @Override
        public String toString() {
            return String.format("%d sources sent %d requests: %d replies, %d kisses, %d other, %d sources fully"
                    + " answered, %d windows timed out", sources, sent, replies, kisses, other, sourcesFullyAnswered,
                    windowTimeouts);
        }
    }

    /**
     * {@code sources} sources at 127.{@code net}.y.z, each sending {@link #BURST} requests (every second one in the
     * interleaved form when asked), {@value #WINDOW_SOURCES} sources at a time; a window waits for its replies (at
     * most {@value #WINDOW_TIMEOUT_MS} ms) before the next opens.
     */
    private FloodResult flood(InetSocketAddress server, int net, int sources, boolean interleavedHalf)
            throws IOException {
        long sent = 0;
        long[] counts = new long[Kind.values().length];
        long full = 0;
        long timeouts = 0;
        ByteBuffer in = ByteBuffer.allocate(2048);
        try (Selector selector = Selector.open()) {
            for (int from = 0; from < sources; from += WINDOW_SOURCES) {
                int n = Math.min(WINDOW_SOURCES, sources - from);
                List<DatagramChannel> channels = new ArrayList<>(n);
                int[] answered = new int[n];
                long first = nextTransmit + 2;
                try {
                    for (int s = 0; s < n; s++) {
                        int i = from + s;
                        DatagramChannel ch = DatagramChannel.open();
                        channels.add(ch);
                        ch.bind(new InetSocketAddress(InetAddress.getByAddress(
                                new byte[] {127, (byte) net, (byte) (i >>> 8), (byte) i}), 0));
                        ch.configureBlocking(false);
                        ch.register(selector, SelectionKey.OP_READ, s);
                        for (int k = 0; k < BURST; k++) {
                            long t = nextTransmit();
                            byte[] req = interleavedHalf && (k & 1) == 1
                                    ? RawNtp.packet(4, RawNtp.MODE_CLIENT, t ^ 0x5555_5555_5555_5555L | 1, t + 4, t)
                                    : RawNtp.request(4, t);
                            ch.send(ByteBuffer.wrap(req), server);
                            sent++;
                        }
                    }
                    long last = nextTransmit;
                    int expected = n * BURST;
                    int got = 0;
                    long deadlineNs = System.nanoTime() + WINDOW_TIMEOUT_MS * 1_000_000;
                    while (got < expected && System.nanoTime() - deadlineNs < 0) {
                        selector.select(Math.max(1, (deadlineNs - System.nanoTime()) / 1_000_000));
                        for (SelectionKey key : selector.selectedKeys()) {
                            DatagramChannel ch = (DatagramChannel) key.channel();
                            int s = (Integer) key.attachment();
                            in.clear();
                            while (ch.receive(in) != null) {
                                byte[] b = java.util.Arrays.copyOf(in.array(), in.position());
                                in.clear();
                                got++;
                                Kind kind = classify(b, first, last);
                                counts[kind.ordinal()]++;
                                if (kind == Kind.REPLY) {
                                    answered[s]++;
                                }
                            }
                        }
                        selector.selectedKeys().clear();
                    }
                    if (got < expected) {
                        timeouts++;
                    }
                    for (int a : answered) {
                        if (a == BURST) {
                            full++;
                        }
                    }
                } finally {
                    for (DatagramChannel ch : channels) {
                        ch.close();
                    }
                    selector.selectNow(); // deregisters the closed channels
                }
            }
        }
        return new FloodResult(sources, sent, counts[Kind.REPLY.ordinal()], counts[Kind.KISS.ordinal()],
                counts[Kind.OTHER.ordinal()], full, timeouts);
    }

    private long nextTransmit() {
        nextTransmit += 2;
        return nextTransmit;
    }

    /**
     * A client at 127.0.0.1 polling every {@value #POLL_INTERVAL_MS} ms (within the configured rate) on its own
     * thread until closed, counting the polls answered within a second.
     */
    private static final class WellBehavedClient implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;
        volatile long sent;
        volatile long answered;
        final AtomicReference<String> problem = new AtomicReference<>();
        final java.util.Queue<Long> answeredAtNs = new java.util.concurrent.ConcurrentLinkedQueue<>();

        long answeredBetween(long fromNs, long toNs) {
            return answeredAtNs.stream().filter(t -> t - fromNs >= 0 && toNs - t >= 0).count();
        }

        WellBehavedClient(InetSocketAddress server) {
            thread = Thread.ofPlatform().name("well-behaved-client").start(() -> poll(server));
        }

        private void poll(InetSocketAddress server) {
            try (UdpClient c = new UdpClient("127.0.0.1")) {
                while (running) {
                    sent++;
                    UdpClient.Exchange e = c.query(server, 4, 1_000);
                    if (e == null) {
                        problem.compareAndSet(null, "poll " + sent + " unanswered");
                    } else if (e.reply().stratum() != STRATUM
                            || Math.abs(e.offsetNs()) > e.delayNs() / 2 + MAX_POLL_ERROR_NS) {
                        problem.compareAndSet(null, "poll " + sent + ": " + e);
                    } else {
                        answered++;
                        answeredAtNs.add(System.nanoTime());
                    }
                    Thread.sleep(POLL_INTERVAL_MS);
                }
            } catch (IOException e) {
                problem.compareAndSet(null, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false; // no interrupt: it would cut a poll short and count it as unanswered
            thread.join(5_000);
        }
    }
}
