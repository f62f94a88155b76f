package org.jntpd.server.linux;

import java.util.function.LongUnaryOperator;
import org.jntpd.config.Config;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.Poller;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;
import org.jntpd.platform.ThreadAffinity;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateSource;
import org.jntpd.time.NtpTimestamp;

/**
 * One serving worker: a platform thread, optionally pinned to a CPU, running a duty cycle over its sockets (one per
 * bound address, shared with the other workers through SO_REUSEPORT): batch receive (recvmmsg), answer each request
 * ({@link Responder}), read the clock once and stamp T3 into every basic reply, batch send (sendmmsg), then collect the
 * kernel's TX timestamps for interleaved mode. When idle it busy-polls or blocks in epoll, as configured.
 *
 * <p>TX timestamps are asked for per reply, only for replies with an interleave key (whose stamp a later interleaved
 * reply may carry), as chrony does: a stamp costs the kernel a clone of the datagram onto the error queue and the
 * worker a read of it. The error queue is read only while stamps are awaited, or when epoll reports it non-empty.
 *
 * <p>Nothing on this path allocates, logs or locks; errors are counted and the loop goes on. The server state is read
 * once per batch from a volatile reference the synchronisation side publishes.
 */
public final class ServerWorker implements Runnable {
    private static final int BATCH = 32;
    private static final int TX_RING = 1024; // outstanding TX timestamp ids remembered per socket
    private static final int BLOCK_TIMEOUT_MS = 200; // how soon a blocked worker notices stop()
    private static final int MAX_BATCHES_PER_WAKE_UP = 16; // then back to epoll, which lets the other sockets in
    // How long a busy-polling worker keeps looking for awaited TX stamps that have not come (lost when the error
    // queue was full, or late from a NIC); a blocking one is woken by EPOLLERR instead and stops looking at once.
    private static final long TX_STAMP_PATIENCE_NS = 10_000_000L;
    private static final long NO_ID = -1L;

    private final int cpu;
    private final UdpSocket[] sockets;
    private final Responder responder;
    private final ServerCounters counters;
    private final ServerStateSource state;
    private final LongUnaryOperator kernelToServedNs;
    private final PacketBatch rx = new PacketBatch(BATCH);
    // As large as a request slot: an NTS reply is padded to its request's length (up to 2 KB with AEAD 17 cookies).
    private final PacketBatch tx = new PacketBatch(BATCH, PacketBatch.DEFAULT_DATA_BYTES);
    private final PacketBatch reports = new PacketBatch(BATCH, PacketBatch.MIN_DATA_BYTES);
    private final long[] pendingKey; // per socket ring: interleave key of the reply with that TX id
    private final long[] pendingId; // the TX id (unsigned) the key waits for, or NO_ID
    private final int[] awaitedStamps; // per socket: stamps asked for and not yet read
    private final long[] giveUpNs; // per socket: CLOCK_MONOTONIC time to stop looking for them, 0 = not set
    private final long[] slotKey = new long[BATCH];
    private final long[] slotRxNs = new long[BATCH]; // each reply's receive stamp, for the latency histogram
    private final boolean[] slotStamp = new boolean[BATCH];
    private final Poller poller; // null when busy-polling: no epoll callback on every packet's arrival
    private volatile boolean running = true;

    /**
     * @param cpu              the CPU to pin the worker's thread to, or -1 to leave it to the scheduler
     * @param kernelToServedNs maps kernel timestamps and CLOCK_REALTIME readings onto the time served: the identity
     *                         when the kernel clock is disciplined, the software correction under {@code -x}
     */
    public ServerWorker(int cpu, Config.Serving.Idle idle, UdpSocket[] sockets, Responder responder,
            ServerCounters counters, ServerStateSource state, LongUnaryOperator kernelToServedNs) {
        this.cpu = cpu;
        this.sockets = sockets.clone();
        this.responder = responder;
        this.counters = counters;
        this.state = state;
        this.kernelToServedNs = kernelToServedNs;
        this.pendingKey = new long[TX_RING * sockets.length];
        this.pendingId = new long[TX_RING * sockets.length];
        java.util.Arrays.fill(pendingId, NO_ID);
        this.awaitedStamps = new int[sockets.length];
        this.giveUpNs = new long[sockets.length];
        if (idle == Config.Serving.Idle.BUSY_POLL) {
            poller = null;
        } else {
            poller = new Poller(sockets.length);
            for (int i = 0; i < sockets.length; i++) {
                poller.add(sockets[i].fd(), Net.EPOLLIN | Net.EPOLLERR, i);
            }
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
            if (poller == null) {
                while (running) {
                    if (doWork() == 0) {
                        Thread.onSpinWait();
                    }
                }
            } else {
                while (running) {
                    awaitAndServe(BLOCK_TIMEOUT_MS);
                }
            }
        } finally {
            if (poller != null) {
                poller.close();
            }
            rx.close();
            tx.close();
            reports.close();
        }
    }

    /** One pass over every socket without waiting; returns the number of packets handled (0 = idle). */
    int doWork() {
        int work = 0;
        for (int s = 0; s < sockets.length; s++) {
            int n = serviceSocket(s);
            if (n <= 0) {
                collectTxTimestamps(s, false);
            }
            work += Math.max(0, n);
        }
        return work;
    }

    /**
     * Blocking: waits up to {@code timeoutMs} in epoll, then serves the sockets it reports, each until it has no
     * full batch waiting (at most {@value #MAX_BATCHES_PER_WAKE_UP}), and returns the number of packets handled.
     * A short batch sends the worker back to epoll at once: one more receive would most likely find nothing (a
     * wasted call), while epoll returns at once when something did come. (Polling on for some microseconds before
     * sleeping, to catch bursts, was measured here: it cut p50 to 2 us above 40k requests/s but doubled the CPU
     * time per request at 20k-80k/s.)
     */
    int awaitAndServe(int timeoutMs) {
        int ready = poller.await(timeoutMs);
        int work = 0;
        for (int e = 0; e < ready; e++) {
            int s = (int) poller.token(e);
            if ((poller.events(e) & Net.EPOLLERR) != 0) {
                collectTxTimestamps(s, true); // stamps that came late, after the worker stopped looking
            }
            // A receive also after EPOLLERR alone: it returns (and so clears) a pending socket error.
            for (int b = 0; b < MAX_BATCHES_PER_WAKE_UP; b++) {
                int n = serviceSocket(s);
                work += Math.max(0, n);
                if (n < BATCH) {
                    break;
                }
            }
        }
        return work;
    }

    /**
     * Receives one batch on socket {@code s}, answers it and collects the TX stamps it asked for; returns the number
     * of packets received, 0 when none was waiting, or a negative errno.
     */
    private int serviceSocket(int s) {
        UdpSocket socket = sockets[s];
        int n = socket.receive(rx);
        if (n <= 0) {
            if (n != -Errno.EAGAIN && n != -Errno.EINTR && n != 0) {
                counters.increment(Counter.RECEIVE_ERRORS);
            }
            return n;
        }
        counters.increment(Counter.BATCHES);
        ServerState current = state.current();
        long fallbackNs = 0;
        int replies = 0;
        for (int i = 0; i < n; i++) {
            if (rx.truncated(i)) {
                // Longer than the buffer: the prefix read could pass for a whole request while a MAC or an NTS
                // field was cut off, so it is dropped (as chrony drops truncated messages).
                counters.increment(Counter.RECEIVED);
                counters.increment(Counter.DROPPED_TRUNCATED);
                continue;
            }
            long rxNs = rx.rxSoftwareNs(i);
            if (rxNs == 0) { // no kernel stamp (possible just after start): the clock now is the best we have
                if (fallbackNs == 0) {
                    fallbackNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
                }
                rxNs = fallbackNs;
            }
            rxNs = kernelToServedNs.applyAsLong(rxNs);
            int verdict = responder.respond(rx.data(i), 0, rx.length(i), rx.addressHigh(i), rx.addressLow(i),
                    rx.port(i), rxNs, current, tx.data(replies), 0);
            if (verdict == Responder.SEAL) {
                // Authenticated: the header is sealed with T3 in it, so T3 is read now, for this reply alone (one
                // clock read beside the AES work); its kernel TX stamp still serves interleaved mode.
                verdict = responder.seal(tx.data(replies), 0, NtpTimestamp.fromUnixNs(
                        kernelToServedNs.applyAsLong(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME))));
            }
            if (verdict == Responder.REPLY) {
                tx.length(replies, responder.replyLength);
                tx.copyAddress(rx, i, replies);
                slotStamp[replies] = responder.needsTransmitTs;
                slotKey[replies] = responder.interleaveKey;
                slotRxNs[replies] = rxNs;
                tx.requestTxTimestamp(replies, responder.interleaveKey != 0);
                replies++;
            }
            // Responder.CONTROL: mode 6 is answered by the control handler; until one is attached it is counted only.
        }
        if (replies > 0) {
            sendReplies(s, socket, replies);
        }
        collectTxTimestamps(s, false);
        return n;
    }

    private void sendReplies(int s, UdpSocket socket, int replies) {
        // T3 as late as possible: one clock reading for the whole batch, just before sendmmsg.
        long t3Ns = kernelToServedNs.applyAsLong(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
        long t3 = NtpTimestamp.fromUnixNs(t3Ns);
        for (int j = 0; j < replies; j++) {
            if (slotStamp[j]) {
                responder.stampTransmit(tx.data(j), 0, t3, slotKey[j]); // keyed: until the kernel's better TX stamp
            }
            counters.latency(t3Ns - slotRxNs[j]); // RX stamp to T3: the time the request spent in this daemon
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
            if (tx.hasTxId(j)) {
                int id = tx.txId(j);
                int r = s * TX_RING + (id & (TX_RING - 1));
                pendingKey[r] = slotKey[j];
                pendingId[r] = Integer.toUnsignedLong(id);
                awaitedStamps[s]++;
            }
        }
    }

    /**
     * Reads socket {@code s}'s TX stamps into the interleaved table when some are awaited (or {@code force}: epoll
     * said the error queue has something).
     */
    private void collectTxTimestamps(int s, boolean force) {
        if (awaitedStamps[s] == 0 && !force) {
            return;
        }
        UdpSocket socket = sockets[s];
        int n;
        while ((n = socket.receiveTxTimestamps(reports)) > 0) {
            giveUpNs[s] = 0;
            for (int i = 0; i < n; i++) {
                if (reports.isTxTimestamp(i)) {
                    matchTxTimestamp(s, i);
                }
            }
            if (n < BATCH) {
                return;
            }
        }
        if (awaitedStamps[s] > 0 && n == -Errno.EAGAIN) {
            stillAwaiting(s);
        }
    }

    private void matchTxTimestamp(int s, int i) {
        counters.increment(Counter.TX_TIMESTAMPS);
        if (awaitedStamps[s] > 0) {
            awaitedStamps[s]--;
        }
        int id = reports.txId(i);
        int r = s * TX_RING + (id & (TX_RING - 1));
        long txNs = reports.txSoftwareNs(i);
        if (pendingId[r] == Integer.toUnsignedLong(id) && txNs != 0) {
            responder.transmitted(pendingKey[r], kernelToServedNs.applyAsLong(txNs));
            pendingId[r] = NO_ID;
        }
    }

    /** Awaited stamps are not there (yet): a blocking worker leaves them to EPOLLERR, a busy one looks for a while. */
    private void stillAwaiting(int s) {
        if (poller != null) {
            awaitedStamps[s] = 0;
            return;
        }
        long nowNs = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC);
        if (giveUpNs[s] == 0) {
            giveUpNs[s] = nowNs + TX_STAMP_PATIENCE_NS;
        } else if (nowNs - giveUpNs[s] > 0) {
            awaitedStamps[s] = 0; // lost; a late one is still matched by its id at the next read
            giveUpNs[s] = 0;
        }
    }
}
