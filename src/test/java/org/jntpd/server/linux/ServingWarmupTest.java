package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
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
            assertEquals(0, server.total(Counter.RECEIVED));
            assertEquals(0, server.total(Counter.REPLIED));
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
