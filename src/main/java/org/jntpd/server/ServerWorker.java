package org.jntpd.server;

import java.util.function.Supplier;
import org.jntpd.config.Config;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.Poller;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;
import org.jntpd.platform.ThreadAffinity;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.time.NtpTimestamp;

/**
 * One serving worker: a platform thread, optionally pinned to a CPU, running a duty cycle over its sockets (one per
 * bound address, shared with the other workers through SO_REUSEPORT): batch receive (recvmmsg), answer each request
 * ({@link Responder}), read the clock once and stamp T3 into every basic reply, batch send (sendmmsg), then collect the
 * kernel's TX timestamps for interleaved mode. When idle it busy-polls or blocks in epoll, as configured.
 *
 * <p>Nothing on this path allocates, logs or locks; errors are counted and the loop goes on. The server state is read
 * once per batch from a volatile reference the synchronisation side publishes.
 */
public final class ServerWorker implements Runnable {
    private static final int BATCH = 32;
    private static final int TX_RING = 1024; // outstanding TX timestamp ids remembered per socket
    private static final int BLOCK_TIMEOUT_MS = 200; // how soon a blocked worker notices stop()

    private final int cpu;
    private final Config.Serving.Idle idle;
    private final UdpSocket[] sockets;
    private final Responder responder;
    private final ServerCounters counters;
    private final InterleavedTable interleaved;
    private final StateSource state;
    private final PacketBatch rx = new PacketBatch(BATCH);
    private final PacketBatch tx = new PacketBatch(BATCH, PacketBatch.MIN_DATA_BYTES);
    private final PacketBatch reports = new PacketBatch(BATCH, PacketBatch.MIN_DATA_BYTES);
    private final long[] pendingKey; // per socket ring: interleave key of the reply with that TX id
    private final int[] pendingId;
    private final long[] slotKey = new long[BATCH];
    private final boolean[] slotStamp = new boolean[BATCH];
    private final Poller poller;
    private volatile boolean running = true;

    /** Where the current {@link ServerState} comes from: a volatile read, no allocation. */
    public interface StateSource {
        ServerState current();
    }

    /**
     * @param cpu the CPU to pin the worker's thread to, or -1 to leave it to the scheduler
     */
    public ServerWorker(int cpu, Config.Serving.Idle idle, UdpSocket[] sockets, Responder responder,
            ServerCounters counters, InterleavedTable interleaved, StateSource state) {
        this.cpu = cpu;
        this.idle = idle;
        this.sockets = sockets.clone();
        this.responder = responder;
        this.counters = counters;
        this.interleaved = interleaved;
        this.state = state;
        this.pendingKey = new long[TX_RING * sockets.length];
        this.pendingId = new int[TX_RING * sockets.length];
        java.util.Arrays.fill(pendingId, -1);
        this.poller = new Poller(sockets.length);
        for (int i = 0; i < sockets.length; i++) {
            poller.add(sockets[i].fd(), Net.EPOLLIN | Net.EPOLLERR, i);
        }
    }

    public ServerCounters counters() {
        return counters;
    }

    /** Asks the loop to end; it does within {@value #BLOCK_TIMEOUT_MS} ms. */
    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        if (cpu >= 0) {
            ThreadAffinity.pinCurrentThread(cpu);
        }
        try {
            while (running) {
                if (doWork() == 0) {
                    idle();
                }
            }
        } finally {
            poller.close();
            rx.close();
            tx.close();
            reports.close();
        }
    }

    /** One pass over every socket; returns the number of packets handled (0 = idle). */
    int doWork() {
        int work = 0;
        for (int s = 0; s < sockets.length; s++) {
            work += serviceSocket(s);
        }
        return work;
    }

    private void idle() {
        if (idle == Config.Serving.Idle.BUSY_POLL) {
            Thread.onSpinWait();
        } else {
            poller.await(BLOCK_TIMEOUT_MS);
        }
    }

    private int serviceSocket(int s) {
        UdpSocket socket = sockets[s];
        int n = socket.receive(rx);
        if (n <= 0) {
            if (n != -Errno.EAGAIN && n != -Errno.EINTR && n != 0) {
                counters.increment(Counter.RECEIVE_ERRORS);
            }
            collectTxTimestamps(s);
            return 0;
        }
        counters.increment(Counter.BATCHES);
        ServerState current = state.current();
        long fallbackNs = 0;
        int replies = 0;
        for (int i = 0; i < n; i++) {
            long rxNs = rx.rxSoftwareNs(i);
            if (rxNs == 0) { // no kernel stamp (possible just after start): the clock now is the best we have
                if (fallbackNs == 0) {
                    fallbackNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
                }
                rxNs = fallbackNs;
            }
            int verdict = responder.respond(rx.data(i), 0, rx.length(i), rx.addressHigh(i), rx.addressLow(i),
                    rx.port(i), rxNs, current, tx.data(replies), 0);
            if (verdict == Responder.REPLY) {
                tx.length(replies, responder.replyLength);
                tx.copyAddress(rx, i, replies);
                slotStamp[replies] = responder.needsTransmitTs;
                slotKey[replies] = responder.interleaveKey;
                replies++;
            }
            // Responder.CONTROL: mode 6 is answered by the control handler; until one is attached it is counted only.
        }
        if (replies > 0) {
            sendReplies(s, socket, replies);
        }
        collectTxTimestamps(s);
        return n;
    }

    private void sendReplies(int s, UdpSocket socket, int replies) {
        // T3 as late as possible: one clock reading for the whole batch, just before sendmmsg.
        long t3 = NtpTimestamp.fromUnixNs(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
        for (int j = 0; j < replies; j++) {
            if (slotStamp[j]) {
                long written = responder.stampTransmit(tx.data(j), 0, t3);
                if (slotKey[j] != 0) {
                    interleaved.put(slotKey[j], written); // until the kernel's better TX stamp arrives
                }
            }
        }
        int from = 0;
        while (from < replies) {
            int sent = socket.send(tx, from, replies - from);
            if (sent <= 0) {
                counters.add(Counter.SEND_ERRORS, replies - from);
                break;
            }
            from += sent;
        }
        for (int j = 0; j < from; j++) {
            if (slotKey[j] != 0) {
                int r = s * TX_RING + (tx.txId(j) & (TX_RING - 1));
                pendingKey[r] = slotKey[j];
                pendingId[r] = tx.txId(j);
            }
        }
    }

    private void collectTxTimestamps(int s) {
        UdpSocket socket = sockets[s];
        int n;
        while ((n = socket.receiveTxTimestamps(reports)) > 0) {
            for (int i = 0; i < n; i++) {
                if (!reports.isTxTimestamp(i)) {
                    continue;
                }
                counters.increment(Counter.TX_TIMESTAMPS);
                int id = reports.txId(i);
                int r = s * TX_RING + (id & (TX_RING - 1));
                long txNs = reports.txSoftwareNs(i);
                if (pendingId[r] == id && txNs != 0) {
                    interleaved.put(pendingKey[r], NtpTimestamp.fromUnixNs(txNs) & ~1L);
                    pendingId[r] = -1;
                }
            }
            if (n < BATCH) {
                break;
            }
        }
    }

    /** Adapts a supplier for tests (allocation-free as long as the supplier is). */
    public static StateSource of(Supplier<ServerState> supplier) {
        return supplier::get;
    }
}
