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
import org.jntpd.platform.Net;

/**
 * The thread that answers mode 6 (ntpq) off the serving path: it drains every worker's {@link ControlQueue}, hands
 * each request to the {@link Answerer} (which may allocate: this is not a serving thread) and sends the reply
 * fragments through the socket the request came in on (for one the raw path received: the socket serving the address
 * it was sent to; XDP only sees what comes in, so the kernel's reply leaves as any other), from the address it was
 * sent to. It parks while the queues
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
    private final AtomicLong noSocket = new AtomicLong();
    private final List<Served[]> served; // per queue: what each of its sockets is bound to
    private final RateLimitedLog log = new RateLimitedLog("mode 6: ");

    /** {@code queues.get(w)} holds requests that came in on {@code sockets.get(w)}[...]. */
    ControlWorker(List<ControlQueue> queues, List<UdpSocket[]> sockets, Answerer answerer) {
        this.queues = List.copyOf(queues);
        this.sockets = List.copyOf(sockets);
        this.answerer = answerer;
        this.served = this.sockets.stream().map(ss -> java.util.Arrays.stream(ss).map(Served::of)
                .toArray(Served[]::new)).toList();
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

    /**
     * Requests from the raw path dropped unanswered because none of the sockets serves the address they were sent to
     * (a reply from another address would be dropped by the client).
     */
    public long noSocket() {
        return noSocket.get();
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
                    int index = q.socketIndex(slot);
                    UdpSocket socket = index == ControlQueue.BY_LOCAL_ADDRESS ? servingLocal(w, q.slots(), slot)
                            : sockets.get(w)[index];
                    if (socket == null) {
                        noSocket.incrementAndGet();
                    } else {
                        answer(q, slot, socket);
                    }
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

    /** What a socket is bound to: family, wildcard, the address (IPv4 in {@code low}). */
    private record Served(int family, boolean any, long high, long low) {
        static Served of(UdpSocket s) {
            java.net.InetAddress a = s.localAddress().getAddress();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(a.getAddress());
            return a instanceof java.net.Inet4Address ? new Served(Net.AF_INET, a.isAnyLocalAddress(), 0,
                    b.getInt() & 0xFFFF_FFFFL) : new Served(Net.AF_INET6, a.isAnyLocalAddress(), b.getLong(), b.getLong());
        }

        boolean has(PacketBatch b, int slot) {
            return family == Net.AF_INET ? low == (b.localIpv4(slot) & 0xFFFF_FFFFL)
                    : high == b.localIpv6High(slot) && low == b.localIpv6Low(slot);
        }
    }

    /**
     * The socket of queue {@code w} bound to the slot's local address, else one of its family bound to the wildcard
     * (it sends from that address with IP_PKTINFO); null when none serves it.
     */
    private UdpSocket servingLocal(int w, PacketBatch b, int slot) {
        Served[] bound = served.get(w);
        int wildcard = -1;
        for (int i = 0; i < bound.length; i++) {
            if (bound[i].family() != b.localFamily(slot)) {
                continue;
            }
            if (!bound[i].any() && bound[i].has(b, slot)) {
                return sockets.get(w)[i];
            }
            if (bound[i].any() && wildcard < 0) {
                wildcard = i;
            }
        }
        return wildcard < 0 ? null : sockets.get(w)[wildcard];
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
