package org.jntpd.xdp;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Agent;
import org.jntpd.base.Log;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Net;
import org.jntpd.platform.PollFd;
import org.jntpd.platform.ThreadAffinity;
import org.jntpd.platform.Xdp;
import org.jntpd.server.ControlHandoff;
import org.jntpd.server.ServerState;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.xdp.RawCounters.Counter;
import org.jntpd.xdp.SteeringProgram.StampPlacement;

/**
 * The raw path's worker for one queue: owns one {@link XskSocket} (its UMEM and four rings) on a platform thread,
 * optionally pinned, and answers every request in the frame it came in. A duty cycle: move completed TX frames back
 * to the fill ring; take a batch of RX descriptors; per frame read the XDP program's RX stamp, check the framing
 * ({@link FrameCodec}) and that the frame was sent to an address served ({@link ServedAddresses}), copy the NTP
 * payload aside (the responder reads the request while it writes the reply) and let the serving logic answer into the
 * same frame, turn the headers around; then read the clock once, stamp T3 into the basic replies, checksum, put them
 * on the TX ring and kick the kernel. Frames not answered go straight back to the
 * fill ring; a mode 6 (ntpq) request is first copied to the {@link ControlHandoff} (the mode 6 thread, which answers
 * through the kernel's socket). Idle: poll(2) on the socket (or spin, when busy-polling).
 *
 * <p>Nothing here allocates, logs or locks per packet; drops are counted by reason.
 */
public final class RawWorker implements Agent {
    static final int BATCH = 64;
    private static final int POLL_TIMEOUT_MS = 100; // also bounds how long stop() takes
    private static final long NS_PER_S = 1_000_000_000L;

    private final XskSocket xsk;
    private final MemorySegment umem;
    private final XskRing fill;
    private final XskRing completion;
    private final XskRing rx;
    private final XskRing tx;
    private final ServingLogic logic;
    private final ServedAddresses served;
    private final StampPlacement placement;
    private final LongUnaryOperator kernelToServedNs;
    private final int cpu;
    private final boolean busyPoll;
    private final long chunkMask;
    private final FrameCodec codec = new FrameCodec();
    private final RawCounters counters = new RawCounters();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment request;
    private final MemorySegment pollfd;
    private final long[] recycle = new long[BATCH];
    private final long[] replyFrame = new long[BATCH];
    private final int[] replyLength = new int[BATCH];
    private final int[] replyL3 = new int[BATCH];
    private final int[] replyIpVersion = new int[BATCH];
    private final long[] replyPayload = new long[BATCH];
    private final boolean[] replyStamp = new boolean[BATCH];
    private final long[] replyKey = new long[BATCH];
    private final long[] replyRxNs = new long[BATCH]; // each reply's receive stamp, for the latency histogram
    private ControlHandoff control; // where mode 6 requests go (set before the thread starts), or null: counted only

    public RawWorker(XskSocket xsk, ServingLogic logic, ServedAddresses served, StampPlacement placement,
            LongUnaryOperator kernelToServedNs, int cpu, boolean busyPoll) {
        this.xsk = xsk;
        this.umem = xsk.umem();
        this.fill = xsk.fill();
        this.completion = xsk.completion();
        this.rx = xsk.rx();
        this.tx = xsk.tx();
        this.logic = logic;
        this.served = served;
        this.placement = placement;
        this.kernelToServedNs = kernelToServedNs;
        this.cpu = cpu;
        this.busyPoll = busyPoll;
        this.chunkMask = xsk.frameBytes() - 1L;
        this.request = arena.allocate(xsk.frameBytes(), 8);
        this.pollfd = arena.allocate(PollFd.LAYOUT);
        org.jntpd.platform.JitDirectives.ensureInstalled(); // errno-capturing calls compile allocation-free
        primeFillRing();
    }

    public RawCounters counters() {
        return counters;
    }

    public ServingLogic logic() {
        return logic;
    }

    /** Hands mode 6 requests to {@code handoff} (before the worker's thread starts); without one they are dropped. */
    void control(ControlHandoff handoff) {
        this.control = handoff;
    }

    /** Every frame of the UMEM starts in the fill ring (it has one entry per frame). */
    private void primeFillRing() {
        int n = Math.min(fill.free(), xsk.frameCount());
        for (int i = 0; i < n; i++) {
            fill.putAddress(i, (long) i * xsk.frameBytes());
        }
        fill.submit(n);
    }

    @Override
    public String roleName() {
        return "raw path worker of queue " + xsk.queue();
    }

    /** Pins the thread; a CPU the process may not use leaves it unpinned, said once (as the socket workers do). */
    @Override
    public void onStart() {
        if (cpu < 0) {
            return;
        }
        try {
            ThreadAffinity.pinCurrentThread(cpu);
        } catch (NativeException | IllegalArgumentException e) {
            Log.warn(roleName() + ": cannot pin to CPU " + cpu + " (" + e.getMessage() + "); serving unpinned");
        }
    }

    /** One pass, then the idle wait when it found nothing: a spin, or up to {@value #POLL_TIMEOUT_MS} ms in poll. */
    @Override
    public int doWork() {
        int work = pass();
        if (work == 0) {
            idle();
        }
        return work;
    }

    @Override
    public void onClose() {
        arena.close();
    }

    private void idle() {
        if (busyPoll) {
            Thread.onSpinWait(); // doWork's recvfrom runs the queue's NAPI: no sleep, no wake-up
            return;
        }
        PollFd.fd(pollfd, xsk.fd());
        PollFd.events(pollfd, (short) Net.POLLIN);
        PollFd.revents(pollfd, (short) 0);
        Libc.poll(pollfd, 1, POLL_TIMEOUT_MS);
    }

    /** One pass: completions, then one RX batch; returns the frames handled (0 = idle). */
    int pass() {
        int work = recycleCompletions();
        if (busyPoll) {
            xsk.pollRx(); // busy poll: the XDP program and the copy into the UMEM run here, in this thread
        }
        int n = rx.available();
        if (n <= 0) {
            return work;
        }
        if (n > BATCH) {
            n = BATCH;
        }
        counters.increment(Counter.BATCHES);
        counters.add(Counter.FRAMES_RECEIVED, n);
        ServerState current = logic.current();
        long realNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        long monoNs = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC); // the rate limiter's time: never stepped
        long taiOffsetNs = taiOffsetNs(realNs);
        int replies = 0;
        int recycled = 0;
        for (int i = 0; i < n; i++) {
            long addr = rx.descAddrAt(i);
            int len = rx.descLenAt(i);
            long frame = addr;
            long rxNs;
            long stampAt = placement == StampPlacement.HEAD_PREFIX ? addr : addr - SteeringProgram.META_BYTES;
            boolean stamped = placement == StampPlacement.HEAD_PREFIX
                    ? len >= SteeringProgram.META_BYTES && hasStamp(stampAt)
                    : (addr & chunkMask) >= SteeringProgram.META_BYTES && hasStamp(stampAt);
            if (stamped) {
                rxNs = umem.get(JAVA_LONG, stampAt) - taiOffsetNs;
                umem.set(JAVA_INT, stampAt + 8, 0); // the next frame in this chunk must not find it
                if (placement == StampPlacement.HEAD_PREFIX) {
                    frame += SteeringProgram.META_BYTES;
                    len -= SteeringProgram.META_BYTES;
                }
            } else {
                counters.increment(Counter.NO_RX_STAMP);
                rxNs = realNs;
            }
            int verdict = codec.parse(umem, frame, len);
            if (verdict != FrameCodec.OK) {
                counters.dropped(verdict);
                recycle[recycled++] = addr;
                continue;
            }
            if (!served.contains(codec.serverHi, codec.serverLo)) {
                // the XDP program hands such frames to the kernel; answered, the reply would claim an address this
                // host does not own (or one the server is not bound to)
                counters.increment(Counter.NOT_LOCAL);
                recycle[recycled++] = addr;
                continue;
            }
            int payloadLength = codec.payloadLength;
            MemorySegment.copy(umem, frame + codec.payloadOffset, request, 0, payloadLength);
            long replyAt = frame + codec.replyPayloadOffset();
            long servedRxNs = kernelToServedNs.applyAsLong(rxNs);
            int answer = logic.respond(request, 0, payloadLength, codec.clientHi, codec.clientLo, codec.clientPort,
                    servedRxNs, monoNs, current, umem, replyAt);
            if (answer == ServingLogic.SEAL) { // authenticated: T3 goes in before the seal, read for this reply
                answer = logic.seal(umem, replyAt, NtpTimestamp.fromUnixNs(
                        kernelToServedNs.applyAsLong(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME))));
            }
            if (answer != ServingLogic.REPLY) {
                if (answer == ServingLogic.CONTROL && control != null) {
                    // mode 6 (ntpq): copied to the mode 6 thread, which answers through the kernel's socket; a full
                    // queue drops it (counted there)
                    control.offer(request, 0, payloadLength, codec.clientHi, codec.clientLo, codec.clientPort,
                            codec.serverHi, codec.serverLo, xsk.ifindex());
                }
                recycle[recycled++] = addr;
                continue;
            }
            replyFrame[replies] = frame;
            replyLength[replies] = codec.turnAround(umem, frame, logic.replyLength());
            replyL3[replies] = codec.l3Offset;
            replyIpVersion[replies] = codec.ipVersion;
            replyPayload[replies] = replyAt;
            replyStamp[replies] = logic.needsTransmitTs();
            replyKey[replies] = logic.interleaveKey();
            replyRxNs[replies] = servedRxNs;
            replies++;
        }
        rx.release(n);
        if (replies > 0) {
            recycled = transmit(replies, recycled);
        }
        if (recycled > 0) {
            refill(recycled);
        }
        return work + n;
    }

    private boolean hasStamp(long at) {
        return umem.get(JAVA_INT, at + 8) == SteeringProgram.META_MAGIC && umem.get(JAVA_INT, at + 12) == Clocks.CLOCK_TAI;
    }

    /** CLOCK_TAI - CLOCK_REALTIME: the kernel's TAI offset, whole seconds (the two readings are ns apart). */
    private static long taiOffsetNs(long realNs) {
        long taiNs = Libc.clockGettimeNs(Clocks.CLOCK_TAI);
        return Math.floorDiv(taiNs - realNs + NS_PER_S / 2, NS_PER_S) * NS_PER_S;
    }

    /** Stamps, checksums and queues {@code replies} frames; those that do not fit go to {@code recycle}. */
    private int transmit(int replies, int recycled) {
        int room = tx.free();
        int send = Math.min(replies, room);
        for (int j = send; j < replies; j++) {
            counters.increment(Counter.TX_RING_FULL);
            recycle[recycled++] = replyFrame[j];
        }
        // T3 as late as possible: one clock reading for the batch, just before the frames go on the ring. It is
        // also the TX time remembered for interleaved mode: AF_XDP in copy mode has no TX timestamp, and a reading
        // after the kick is worse on veth, where the kick runs the peer's whole receive path first (chronyd measured
        // +40..+100 us of offset with it).
        long t3Ns = kernelToServedNs.applyAsLong(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
        long t3 = NtpTimestamp.fromUnixNs(t3Ns);
        for (int j = 0; j < send; j++) {
            if (replyStamp[j]) {
                logic.stampTransmit(umem, replyPayload[j], t3, replyKey[j]); // remembered under its key, if any
            } else if (replyKey[j] != 0) { // an interleaved reply: the client's next request names it too
                logic.transmitted(replyKey[j], t3Ns);
            }
            logic.counters().latency(t3Ns - replyRxNs[j]); // RX stamp to T3: the time the request spent here
            FrameCodec.finishUdpChecksum(umem, replyFrame[j], replyL3[j], replyIpVersion[j]);
            tx.putDesc(j, replyFrame[j], replyLength[j]);
        }
        tx.submit(send);
        counters.add(Counter.FRAMES_SENT, send);
        kick(send);
        return recycled;
    }

    /**
     * Asks the kernel to transmit: in copy mode one sendto sends at most 32 frames (the kernel's TX batch) and says
     * EAGAIN when more wait, so it is repeated until the ring is empty (bounded).
     */
    private void kick(int queued) {
        for (int k = 0; k <= queued / 32 + 1 && tx.needsWakeup() && tx.outstanding() > 0; k++) {
            if (xsk.kickTx() < 0) {
                int e = Libc.errno();
                if (e != org.jntpd.platform.Errno.EAGAIN && e != org.jntpd.platform.Errno.ENOBUFS
                        && e != org.jntpd.platform.Errno.EBUSY) {
                    counters.increment(Counter.TX_KICK_ERRORS);
                    return;
                }
            }
        }
    }

    /** Completed TX frames go back to the fill ring. */
    private int recycleCompletions() {
        int n = completion.available();
        if (n <= 0) {
            return 0;
        }
        int room = fill.free();
        if (n > room) {
            n = room; // cannot happen while the fill ring has an entry per frame; the rest waits for the next pass
        }
        for (int i = 0; i < n; i++) {
            fill.putAddress(i, completion.addressAt(i));
        }
        fill.submit(n);
        completion.release(n);
        wakeFillIfNeeded();
        return n;
    }

    private void refill(int recycled) {
        int room = fill.free();
        int n = Math.min(recycled, room);
        for (int i = 0; i < n; i++) {
            fill.putAddress(i, recycle[i]);
        }
        fill.submit(n);
        wakeFillIfNeeded();
    }

    private void wakeFillIfNeeded() {
        if (fill.needsWakeup()) {
            Xdp.recv(xsk.fd(), MemorySegment.NULL, 0, Net.MSG_DONTWAIT);
        }
    }
}
