package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.LoopRunner;
import org.jntpd.config.Config;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.JitDirectives;
import org.jntpd.platform.Net;
import org.jntpd.server.AccessControl;
import org.jntpd.server.InterleavedTable;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.wire.ControlMessage;
import org.junit.jupiter.api.Test;

/**
 * Mode 6 on real sockets: the serving worker queues each request (its duty cycle allocating nothing), the control
 * thread answers through the worker's socket, and the client gets every fragment back from the server's address.
 */
class ControlWorkerTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final int FRAGMENTS = 2;

    @Test
    void shouldAnswerModeSixOffTheServingThreadWithoutAllocatingOnIt() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(JitDirectives.ensureInstalled(), JitDirectives.outcome());
        ControlMessage reply = new ControlMessage();
        ServerCounters counters = new ServerCounters();
        Responder responder = new Responder(AccessControl.compile(List.of()), null, false, new InterleavedTable(8),
                counters);
        AtomicLong asked = new AtomicLong();
        // Echoes the request's sequence in two fragments of 16 and 12 bytes.
        ControlWorker.Answerer echo = (request, length, hi, lo, port, nowNs, out, lengths) -> {
            asked.incrementAndGet();
            for (int f = 0; f < FRAGMENTS; f++) {
                MemorySegment.copy(request, 0, out[f], 0, ControlMessage.HEADER_LENGTH);
                out[f].set(ValueLayout.JAVA_BYTE, 1, (byte) (0x80 | (f == 0 ? 0x20 : 0) | 1));
                lengths[f] = f == 0 ? 16 : 12;
            }
            return FRAGMENTS;
        };
        try (UdpSocket serverSocket = UdpSocket.open(LOOPBACK, UdpSocket.Options.DEFAULT);
                UdpSocket client = UdpSocket.open(LOOPBACK,
                        UdpSocket.Options.DEFAULT.withTimestamps(UdpSocket.TimestampMode.NONE));
                PacketBatch out = new PacketBatch(1);
                PacketBatch in = new PacketBatch(4);
                ControlQueue queue = new ControlQueue()) {
            ServerWorker worker = new ServerWorker(-1, Config.Serving.Idle.BUSY_POLL, new UdpSocket[] {serverSocket},
                    responder, counters, new ServerStateHolder(ServerState.unsynchronised(-20)),
                    java.util.function.LongUnaryOperator.identity(), queue);
            ControlWorker control = new ControlWorker(List.of(queue), List.<UdpSocket[]>of(new UdpSocket[] {serverSocket}),
                    echo);
            LoopRunner runner = new LoopRunner("test-mode6", control, IdleStrategy.park(ControlWorker.IDLE_PARK_NS),
                    LoopRunner.DEFAULT, (r, cause) -> {});
            runner.start();
            Thread thread = runner.thread();
            try {
                out.address(0, serverSocket.localAddress());
                out.length(0, ControlMessage.HEADER_LENGTH);
                ControlMessage m = new ControlMessage().wrap(out.data(0), 0, ControlMessage.HEADER_LENGTH);
                while (queue.dropped() == 0 && asked.get() == 0) { // until the control thread is there
                    Thread.onSpinWait();
                    if (thread.getState() == Thread.State.TIMED_WAITING) {
                        break;
                    }
                }
                int wrong = 0;
                int sent = 0;
                int quietWindows = 0;
                for (int w = 0; w < 40 && quietWindows < 2; w++) { // warm-up: until the JIT has removed every allocation
                    long before = servingBytes;
                    for (int i = 0; i < 5_000; i++) {
                        wrong += exchange(worker, client, out, in, m, reply, sent++, threads);
                    }
                    quietWindows = servingBytes == before ? quietWindows + 1 : 0;
                }
                long before = servingBytes;
                int measured = 5_000;
                for (int i = 0; i < measured; i++) {
                    wrong += exchange(worker, client, out, in, m, reply, sent++, threads);
                }
                long allocated = servingBytes - before;
                assertEquals(0, wrong, "requests without both fragments back, in order, with their sequence");
                assertEquals(sent, counters.get(Counter.MODE6_RECEIVED));
                // The control thread counts an answer after sending it: the last may be on its way (14999 of 15000
                // seen under stress-ng).
                for (long deadlineNs = System.nanoTime() + 5_000_000_000L;
                        control.answered() < sent && System.nanoTime() - deadlineNs < 0; ) {
                    Thread.sleep(1);
                }
                assertEquals(sent, control.answered());
                // Less than a byte per request: an allocation per request is 16 bytes or more (24 added to
                // ControlQueue.offer gave 120,000 here), while a deoptimisation that lands in the window once
                // materialises a few objects (256 bytes seen under stress-ng).
                assertTrue(allocated < measured, allocated + " bytes allocated on the serving side for " + measured
                        + " mode 6 requests");
            } finally {
                runner.close();
            }
        }
    }

    @Test
    void shouldDropARequestWhoseAnswerThrowsCountItAndAnswerTheNextOnTheSameLoop() throws Exception {
        AtomicLong asked = new AtomicLong();
        ControlWorker.Answerer throwsOnce = (request, length, hi, lo, port, nowNs, out, lengths) -> {
            if (asked.incrementAndGet() == 1) {
                throw new IllegalStateException("injected: the first answer fails");
            }
            MemorySegment.copy(request, 0, out[0], 0, ControlMessage.HEADER_LENGTH);
            lengths[0] = ControlMessage.HEADER_LENGTH;
            return 1;
        };
        List<Throwable> deaths = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (UdpSocket serverSocket = UdpSocket.open(LOOPBACK, UdpSocket.Options.DEFAULT);
                UdpSocket client = UdpSocket.open(LOOPBACK,
                        UdpSocket.Options.DEFAULT.withTimestamps(UdpSocket.TimestampMode.NONE));
                PacketBatch in = new PacketBatch(4);
                ControlQueue queue = new ControlQueue()) {
            LoopRunner runner = startControl(queue, serverSocket, throwsOnce, (r, cause) -> deaths.add(cause));
            ControlWorker control = (ControlWorker) runner.agent();
            try (PacketBatch rx = new PacketBatch(1)) {
                for (int sequence = 1; sequence <= 3; sequence++) {
                    request(rx, client.localAddress(), sequence);
                    offerWhenConsumerIsThere(queue, rx);
                    int got = receiveOne(client, in, 2_000);
                    if (sequence == 1) {
                        assertEquals(0, got, "the failed request is dropped, not answered");
                    } else {
                        assertEquals(1, got, "request " + sequence + " answered after the failure");
                        assertEquals(sequence, new ControlMessage().wrap(in.data(0), 0, in.length(0)).sequence());
                    }
                }
                assertEquals(1, control.failures(), "the failure is counted");
                for (int i = 0; i < 200 && control.answered() < 2; i++) {
                    Thread.sleep(10); // counted just after the send: the reply can arrive first
                }
                assertEquals(2, control.answered());
                assertEquals(LoopRunner.State.RUNNING, runner.state());
                assertTrue(deaths.isEmpty(), "one bad request does not end the loop: " + deaths);
            } finally {
                runner.close();
            }
        }
    }

    @Test
    void shouldEndTheLoopAsDeadThroughTheDeathHandlerWhenAnAnswerThrowsAnError() throws Exception {
        ControlWorker.Answerer broken = (request, length, hi, lo, port, nowNs, out, lengths) -> {
            throw new StackOverflowError("injected");
        };
        java.util.concurrent.CompletableFuture<Throwable> died = new java.util.concurrent.CompletableFuture<>();
        try (UdpSocket serverSocket = UdpSocket.open(LOOPBACK, UdpSocket.Options.DEFAULT);
                UdpSocket client = UdpSocket.open(LOOPBACK,
                        UdpSocket.Options.DEFAULT.withTimestamps(UdpSocket.TimestampMode.NONE));
                PacketBatch rx = new PacketBatch(1);
                ControlQueue queue = new ControlQueue()) {
            LoopRunner runner = startControl(queue, serverSocket, broken, (r, cause) -> died.complete(cause));
            try {
                request(rx, client.localAddress(), 1);
                offerWhenConsumerIsThere(queue, rx);
                Throwable cause = died.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(cause instanceof StackOverflowError, "the death handler got " + cause);
                assertEquals(LoopRunner.State.DEAD, runner.state());
                runner.thread().join(5_000);
                assertEquals(false, queue.offer(rx, 0, 0), "a dead mode 6 loop takes no more requests");
            } finally {
                runner.close();
            }
        }
    }

    @Test
    void shouldAnswerARawPathRequestThroughTheSocketServingTheAddressItWasSentTo() throws Exception {
        ControlWorker.Answerer echo = (request, length, hi, lo, port, nowNs, out, lengths) -> {
            MemorySegment.copy(request, 0, out[0], 0, length);
            lengths[0] = length;
            return 1;
        };
        try (UdpSocket bound = UdpSocket.open(LOOPBACK, UdpSocket.Options.DEFAULT);
                UdpSocket wildcard = UdpSocket.open(new InetSocketAddress("0.0.0.0", 0),
                        UdpSocket.Options.DEFAULT.withPacketInfo(true));
                UdpSocket client = UdpSocket.open(LOOPBACK,
                        UdpSocket.Options.DEFAULT.withTimestamps(UdpSocket.TimestampMode.NONE));
                PacketBatch rx = new PacketBatch(1);
                PacketBatch in = new PacketBatch(4);
                ControlQueue queue = new ControlQueue()) {
            ControlWorker control = new ControlWorker(List.of(queue), List.<UdpSocket[]>of(new UdpSocket[] {bound,
                    wildcard}), echo);
            queue.consumer(Thread.currentThread());
            int clientPort = client.localAddress().getPort();
            // {client lo, local lo} (hi 0): from 127.0.0.1 sent to 127.0.0.1 (a socket is bound to it), to 127.0.0.3
            // (only the wildcard serves it); from ::1 to ::1 (no IPv6 socket)
            long[][] addresses = {{0xFFFF_7F00_0001L, 0xFFFF_7F00_0001L}, {0xFFFF_7F00_0001L, 0xFFFF_7F00_0003L},
                {1, 1}};
            for (int sequence = 1; sequence <= addresses.length; sequence++) {
                request(rx, client.localAddress(), sequence);
                assertTrue(queue.offer(rx.data(0), 0, ControlMessage.HEADER_LENGTH, 0, addresses[sequence - 1][0],
                        clientPort, 0, addresses[sequence - 1][1], 1));
            }
            assertEquals(3, control.drain());
            assertEquals(1, receiveOne(client, in, 2_000));
            assertEquals(1, new ControlMessage().wrap(in.data(0), 0, in.length(0)).sequence());
            assertEquals(bound.localAddress(), in.socketAddress(0), "from the socket bound to 127.0.0.1");
            assertEquals(1, receiveOne(client, in, 2_000));
            assertEquals(2, new ControlMessage().wrap(in.data(0), 0, in.length(0)).sequence());
            assertEquals(new InetSocketAddress("127.0.0.3", wildcard.localAddress().getPort()), in.socketAddress(0),
                    "from the wildcard socket, with the address the request was sent to");
            assertEquals(0, receiveOne(client, in, 200), "no IPv6 socket: no reply from another address");
            assertEquals(2, control.answered());
            assertEquals(1, control.noSocket());
            assertEquals(0, control.sendErrors());
        }
    }

    /** The mode 6 loop as the server runs it: one queue and socket, under a LoopRunner with the default policy. */
    private static LoopRunner startControl(ControlQueue queue, UdpSocket socket, ControlWorker.Answerer answerer,
            LoopRunner.DeathHandler onDeath) {
        ControlWorker control = new ControlWorker(List.of(queue), List.<UdpSocket[]>of(new UdpSocket[] {socket}),
                answerer);
        LoopRunner runner = new LoopRunner("test-mode6", control, IdleStrategy.park(ControlWorker.IDLE_PARK_NS),
                LoopRunner.DEFAULT, onDeath);
        runner.start();
        return runner;
    }

    private static void request(PacketBatch rx, InetSocketAddress from, int sequence) {
        rx.address(0, from);
        rx.length(0, ControlMessage.HEADER_LENGTH);
        new ControlMessage().wrap(rx.data(0), 0, ControlMessage.HEADER_LENGTH).leapVersionMode(0, 2, 6)
                .responseErrorMoreOpcode(ControlMessage.OP_READ_STATUS).sequence(sequence).status(0).associationId(0)
                .dataOffset(0).count(0);
    }

    /** Queues the request once the control loop has started taking requests (bounded wait). */
    private static void offerWhenConsumerIsThere(ControlQueue queue, PacketBatch rx) throws InterruptedException {
        for (int i = 0; i < 500 && !queue.offer(rx, 0, 0); i++) {
            Thread.sleep(10);
        }
    }

    /** Datagrams received within {@code timeoutMs} (0 or 1 expected). */
    private static int receiveOne(UdpSocket client, PacketBatch in, int timeoutMs) {
        int n = 0;
        if (client.poll(Net.POLLIN, timeoutMs) > 0) {
            n = Math.max(0, client.receive(in, 1));
        }
        return n;
    }

    /** Bytes this thread allocated inside the worker's duty cycle (not the test's client around it). */
    private long servingBytes;

    /** One request, served by the worker on this thread, answered by the control thread; 0 when both fragments came. */
    private int exchange(ServerWorker worker, UdpSocket client, PacketBatch out, PacketBatch in,
            ControlMessage m, ControlMessage r, int sequence, com.sun.management.ThreadMXBean threads) {
        m.leapVersionMode(0, 2, 6).responseErrorMoreOpcode(ControlMessage.OP_READ_STATUS).sequence(sequence & 0xFFFF)
                .status(0).associationId(0).dataOffset(0).count(0);
        if (client.send(out, 1) != 1) {
            return 1;
        }
        int handled = 0;
        for (int spin = 0; handled == 0 && spin < 1_000_000; spin++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            handled = worker.doWork();
            servingBytes += threads.getCurrentThreadAllocatedBytes() - before;
        }
        int got = 0;
        int bad = 0;
        for (int spin = 0; got < FRAGMENTS && spin < 1_000; spin++) {
            client.poll(Net.POLLIN, 1_000); // the answer comes from the other thread
            int n = client.receive(in, FRAGMENTS - got);
            for (int i = 0; i < Math.max(0, n); i++) {
                r.wrap(in.data(i), 0, in.length(i));
                boolean first = got + i == 0;
                if (r.sequence() != (sequence & 0xFFFF) || r.hasMore() != first || in.length(i) != (first ? 16 : 12)) {
                    bad++;
                }
            }
            got += Math.max(0, n);
        }
        return got == FRAGMENTS && bad == 0 ? 0 : 1;
    }
}
