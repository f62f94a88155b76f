package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.jntpd.config.Config;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerState;
import org.jntpd.testing.JntpdProcess;
import org.junit.jupiter.api.Test;

/**
 * The serving warm-up: real exchanges through a real {@link ServerWorker} of the configured kind on its own loopback
 * sockets, none of them counted by the server that starts after it; and in the daemon (the launcher's flags), the
 * packet path compiled before any client asked.
 */
class ServingWarmupTest {
    private static final String SEND_PATH_COMPILED = "org.jntpd.server.linux.ServerWorker::sendReplies";
    // Compiled on its own, so -XX:+PrintCompilation names it (inlined, it hides in its callers, which an idle worker's
    // epoll loop compiles too); only a reply calls it, so without the warm-up and without clients it stays cold.
    private static final String[] SEE_SEND_PATH = {"-XX:+PrintCompilation",
        "-XX:CompileCommand=dontinline,org.jntpd.server.linux.ServerWorker::sendReplies"};

    private static final ServerState SYNCHRONISED = ServerState.local(2, -20, 0, 0);

    @Test
    void shouldAnswerEveryWarmUpRequestThroughAWorkerOfEitherIdleKind() {
        for (Config.Serving.Idle idle : Config.Serving.Idle.values()) {
            ServingWarmup.Outcome o = ServingWarmup.run(idle, 100, () -> SYNCHRONISED, LongUnaryOperator.identity());
            assertTrue(o.exchanges() >= 100 && o.exchanges() <= 100 * ServingWarmup.MAX_FACTOR, o.toString());
            assertEquals(o.exchanges(), o.replies(), o.toString());
            assertTrue(o.firstMedianNs() > 0 && o.lastMedianNs() > 0, o.toString());
        }
        assertEquals(new ServingWarmup.Outcome(0, 0, 0, 0), ServingWarmup.run(Config.Serving.Idle.BLOCK, 0, () -> SYNCHRONISED,
                LongUnaryOperator.identity()));
    }

    /**
     * The warm-up's garbage is what it allocates: a server-sized interleaved table (1.5 MiB, too large for the young
     * generation) went straight to the old generation and stayed resident until a full collection.
     */
    @Test
    void shouldAllocateFarLessThanTheServersInterleavedTable() {
        ServingWarmup.run(Config.Serving.Idle.BLOCK, 100, () -> SYNCHRONISED, LongUnaryOperator.identity()); // classes
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        ServingWarmup.Outcome o = ServingWarmup.run(Config.Serving.Idle.BLOCK, 100, () -> SYNCHRONISED,
                LongUnaryOperator.identity());
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(o.replies() >= 100, o.toString());
        // 0.46 MB here for the 1,000 exchanges such a run makes at most (the loop's own allocations in the interpreter)
        assertTrue(allocated < 1024 * 1024, allocated + " bytes allocated by a warm-up of " + o);
    }

    @Test
    void shouldLeaveTheRealServersCountersUntouched() {
        Config.Serving serving = new Config.Serving(0, List.of("127.0.0.1"), 1, false, List.of(),
                Config.Serving.Idle.BLOCK, Config.RateLimit.DEFAULT);
        ServerState state = ServerState.unsynchronised(-20);
        try (Server server = Server.open(serving, List.of(), () -> state, LongUnaryOperator.identity())) {
            server.warmUp();
            assertEquals(0, server.total(Counter.RECEIVED));
            assertEquals(0, server.total(Counter.REPLIED));
        }
    }

    /**
     * The daemon starts its sources before the warm-up, not after it: with a warm-up made to last minutes (ten million
     * exchanges at least), the first request to the configured server still comes at once, while the daemon is not yet
     * serving ({@value JntpdProcess#READY} is logged once the warm-up is over and the workers run). Before, the
     * warm-up ran first (3 s of it in the emulated guest, a fifth of jntpd's time to converge on its PPS). A stop
     * during the warm-up is an ordinary one.
     */
    @Test
    void shouldNotHoldTheFirstPollBackWhileItRuns() throws Exception {
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0))) {
            upstream.setSoTimeout(90_000); // as long as JntpdProcess waits for a start on a loaded machine
            try (JntpdProcess jntpd = JntpdProcess.builder().noWait()
                    .config("server 127.0.0.1 port " + upstream.getLocalPort() + " iburst minpoll 0 maxpoll 0")
                    .javaOptions("-D" + ServingWarmup.EXCHANGES_PROP_NAME + "=10000000").start()) {
                DatagramPacket request = new DatagramPacket(new byte[128], 128);
                try {
                    upstream.receive(request);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("no request to the server while the warm-up runs:\n" + jntpd.log(), e);
                }
                String log = jntpd.log();
                assertEquals(0x23, request.getData()[0] & 0x3f, "an NTPv4 client request\n" + log);
                assertFalse(log.contains(JntpdProcess.READY), "the warm-up was over already: it proves nothing\n" + log);
                assertEquals(0, jntpd.terminate(10_000), jntpd::log);
            }
        }
    }

    /**
     * The daemon with the launcher's flags compiles the send path during the warm-up, before any request came; with
     * the warm-up off, the same daemon still runs it in the interpreter after the same wait (the control).
     */
    @Test
    void shouldHaveTheDaemonsSendPathCompiledBeforeAnyClientAsks() throws Exception {
        try (JntpdProcess jntpd = JntpdProcess.builder().bindAddress("127.0.0.1").config("local stratum 1")
                .javaOptions(SEE_SEND_PATH).start()) {
            // No request is sent meanwhile, so the wait can be long: at a load average of 12-15 on 2 cores (a suite
            // under stress-ng beside other builds) the one compiler thread took more than 60 s to get to it.
            jntpd.awaitLog(SEND_PATH_COMPILED, 180_000);
        }
        try (JntpdProcess jntpd = JntpdProcess.builder().bindAddress("127.0.0.1").config("local stratum 1")
                .javaOptions(SEE_SEND_PATH[0], SEE_SEND_PATH[1], "-D" + ServingWarmup.EXCHANGES_PROP_NAME + "=0").start()) {
            Thread.sleep(5_000);
            assertFalse(jntpd.log().contains(SEND_PATH_COMPILED), "compiled without a warm-up: the control proves nothing");
        }
    }
}
