package org.jntpd.server.linux;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jntpd.base.Agent;
import org.jntpd.base.LoopRunner;
import org.jntpd.base.RateLimitedLog;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;

/**
 * The thread that answers mode 6 (ntpq) off the serving path: it drains every worker's {@link ControlQueue}, hands
 * each request to the {@link Answerer} (which may allocate: this is not a serving thread) and sends the reply
 * fragments through the socket the request came in on, from the address it was sent to. It parks while the queues
 * are empty ({@link #IDLE_PARK_NS}); a worker that queues a request unparks it.
 *
 * <p>An {@link Agent} run by a {@link LoopRunner} ("jntpd-mode6") under the one error policy, with one refinement:
 * a request whose answer throws an {@link Exception} is the request's fault, not the loop's (remote input, so a
 * repeated one must not make the runner give up and stop the daemon): it is counted ({@link #failures()}), logged
 * rate-limited, dropped, and the next request is answered. Anything else, an {@link Error} included, goes to the
 * runner: an Error ends the loop as dead and the daemon exits non-zero.
 */
public final class ControlWorker implements Agent {
    /** How long the idle loop parks when nothing is queued (a queued request unparks it; a stop does too). */
    public static final long IDLE_PARK_NS = 200_000_000L;

    /** Answers one request into reply fragments. */
    @FunctionalInterface
    public interface Answerer {
        /**
         * @param clientHi, clientLo the sender's address ({@link PacketBatch#addressHigh} form), {@code clientPort} its
         *                port (what a nonce is bound to)
         * @param nowNs   CLOCK_MONOTONIC now, ns (for rate budgets)
         * @param out     fragment buffers ({@link #FRAGMENT_BYTES} each)
         * @param lengths out: each fragment's length
         * @return the number of fragments to send (0: none)
         */
        int answer(MemorySegment request, int length, long clientHi, long clientLo, int clientPort, long nowNs,
                MemorySegment[] out, int[] lengths);
    }

    public static final int MAX_FRAGMENTS = 8;
    public static final int FRAGMENT_BYTES = PacketBatch.MIN_DATA_BYTES;

    private final List<ControlQueue> queues;
    private final List<UdpSocket[]> sockets;
    private final Answerer answerer;
    private final PacketBatch replies = new PacketBatch(MAX_FRAGMENTS, FRAGMENT_BYTES);
    private final MemorySegment[] out = new MemorySegment[MAX_FRAGMENTS];
    private final int[] lengths = new int[MAX_FRAGMENTS];
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final RateLimitedLog log = new RateLimitedLog("mode 6: ");

    /** {@code queues.get(w)} holds requests that came in on {@code sockets.get(w)}[...]. */
    ControlWorker(List<ControlQueue> queues, List<UdpSocket[]> sockets, Answerer answerer) {
        this.queues = List.copyOf(queues);
        this.sockets = List.copyOf(sockets);
        this.answerer = answerer;
        for (int i = 0; i < MAX_FRAGMENTS; i++) {
            out[i] = replies.data(i);
        }
    }

    /** Requests answered with at least one fragment sent. */
    public long answered() {
        return answered.get();
    }

    /** Replies the socket refused. */
    public long sendErrors() {
        return sendErrors.get();
    }

    /** Requests whose answer threw (each dropped, logged rate-limited). */
    public long failures() {
        return failures.get();
    }

    @Override
    public String roleName() {
        return "mode 6";
    }

    /** From now on the workers queue requests for this thread (until then they drop them). */
    @Override
    public void onStart() {
        for (ControlQueue q : queues) {
            q.consumer(Thread.currentThread());
        }
    }

    @Override
    public int doWork() {
        return drain();
    }

    @Override
    public void onClose() {
        for (ControlQueue q : queues) {
            q.consumer(null);
        }
        replies.close();
    }

    /** Answers every waiting request once; returns how many. */
    int drain() {
        int work = 0;
        for (int w = 0; w < queues.size(); w++) {
            ControlQueue q = queues.get(w);
            int slot;
            while ((slot = q.peek()) >= 0) {
                try {
                    answer(q, slot, sockets.get(w)[q.socketIndex(slot)]);
                } catch (RuntimeException e) {
                    failures.incrementAndGet(); // one request's fault: it must not end mode 6 for everybody
                    log.warn("a request failed and was dropped: " + e + where(e));
                } finally {
                    q.release();
                }
                work++;
            }
        }
        return work;
    }

    private static String where(Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        return trace.length > 0 ? " (at " + trace[0] + ")" : "";
    }

    private void answer(ControlQueue q, int slot, UdpSocket socket) {
        PacketBatch requests = q.slots();
        int n = answerer.answer(requests.data(slot), requests.length(slot), requests.addressHigh(slot),
                requests.addressLow(slot), requests.port(slot), Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC), out,
                lengths);
        for (int j = 0; j < n; j++) {
            replies.length(j, lengths[j]);
            replies.copyAddress(requests, slot, j);
            replies.requestTxTimestamp(j, false);
        }
        int from = 0;
        while (from < n) {
            int sent = socket.send(replies, from, n - from);
            if (sent <= 0) {
                sendErrors.incrementAndGet();
                return;
            }
            from += sent;
        }
        if (n > 0) {
            answered.incrementAndGet();
        }
    }
}
