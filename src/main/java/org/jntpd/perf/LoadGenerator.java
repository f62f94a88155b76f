package org.jntpd.perf;

import static org.jntpd.time.Units.NS_PER_S;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.List;
import org.jntpd.io.PacketBatch;
import org.jntpd.nts.CookieJar;
import org.jntpd.nts.NtsClientCodec;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.ThreadAffinity;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;

/**
 * The open-loop engine of {@code jntpc perf}: one thread sends NTP client requests over several connected UDP sockets
 * at the scheduled times of each rate step, whatever the replies do, and matches every reply to its request.
 *
 * <p>Matching: a request's transmit timestamp is {nonce (23 bits), 0, sequence number (40 bits)}; the server echoes it
 * in origin. An interleaved request also carries {nonce, 1, sequence} in its receive field, which an interleaved reply
 * echoes instead (chrony's and jntpd's rule), so the flag bit tells the two kinds of reply apart. A ring indexed by
 * sequence number holds each request's step, T1 and state until it is answered or overwritten.
 *
 * <p>Timestamps: T1 is the kernel's software TX stamp (matched through the socket's OPT_ID counter) or, with
 * {@code --user-tx-stamps} or when none came, a CLOCK_REALTIME reading before sendmmsg; T4 the kernel's RX stamp (or a
 * reading after recvmmsg). T2 and T3 are the server's. In interleaved mode T3 is the server's precise TX stamp of an
 * earlier reply, so the server time is that T3 minus the T2 this request echoed, and the delay is computed for that
 * earlier exchange.
 *
 * <p>NTS ({@code --nts}): each socket has the keys and one cookie of an NTS-KE exchange of its own
 * ({@link NtsSession}); every request is sealed with them (Unique Identifier and nonce derived from its sequence number,
 * so a reply's identifier can be checked without keeping it), and one reply in {@code --nts-verify} is checked.
 *
 * <p>The loop allocates nothing per packet: flyweights over preallocated batches, primitive arrays, histograms of
 * fixed size. Each step measures the bytes its thread allocated (its reporting excluded), so the claim is checked on
 * every run. Everything is bounded: the run ends when the last step's timeout has passed.
 */
public final class LoadGenerator implements AutoCloseable {
    /** Called on the generator thread when a step is final (its allocations are not counted against the step). */
    @FunctionalInterface
    public interface StepListener {
        void stepDone(StepStats step);
    }

    static final long NONCE_MASK = 0xFFFF_FE00_0000_0000L;
    static final long RECEIVE_FIELD_BIT = 1L << 40;
    static final long SEQ_MASK = RECEIVE_FIELD_BIT - 1;

    private static final int STEP_MASK = 0xFFFF;
    private static final int KERNEL_T1 = 1 << 16;
    private static final int ANSWERED = 1 << 17;
    /** Batches sent per socket pass before the loop looks for replies again. */
    private static final int SEND_BATCHES_PER_PASS = 4;
    /** Batches read per socket per pass. */
    private static final int RECEIVE_BATCHES_PER_PASS = 4;
    /** Idle gaps longer than this are parked through (kernel stamps keep T1 and T4 exact across a park). */
    private static final long PARK_THRESHOLD_NS = 150_000;
    private static final long PARK_MARGIN_NS = 100_000;
    private static final long MAX_PARK_NS = 1_000_000;
    /** Socket buffers: room for bursts, so that losses are the server's. */
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    private static final int ECHO_CAPACITY = 4096;

    /** The keys and one cookie an NTS-KE exchange gave (one per socket). */
    public record NtsSession(int aead, byte[] c2s, byte[] s2c, byte[] cookie) {}

    private static final int NTS_UID_LENGTH = 32;
    private static final int NTS_NONCE_LENGTH = 16;

    private final PerfOptions options;
    private final UdpSocket[] sockets;
    private final NtsClientCodec[] ntsCodecs; // per socket; empty: plain NTP
    private final byte[][] ntsCookies;
    private final byte[] ntsUid = new byte[NTS_UID_LENGTH];
    private final byte[] ntsNonce = new byte[NTS_NONCE_LENGTH];
    private final CookieJar ntsJar = new CookieJar(); // cookies of verified replies land here and are dropped
    private long ntsReplies;
    private long ntsNotAuthentic;
    private final PacketBatch out;
    private final PacketBatch in;
    private final PacketBatch reports;
    private final NtpPacket packet = new NtpPacket();
    private final long nonce;
    private final boolean xleave;
    private final boolean kernelTx;
    private final long timeoutNs;

    private final int ringMask;
    private final long[] ringSeq; // seq + 1; 0 = free
    private final long[] ringT1Ns;
    private final int[] ringInfo; // step index | KERNEL_T1 | ANSWERED
    private final long[] ringT4Ns; // xleave: arrival of the reply
    private final long[] ringEchoSeq; // xleave: the request whose T2 this one echoed, -1 none
    private final long[] ringEchoT2; // xleave: that T2 (ntp64)
    private final long[][] txSeq; // per socket: TX id -> seq
    private final int txMask;
    private final long[] slotSeq;
    private final long[] echoSeq = new long[ECHO_CAPACITY];
    private final long[] echoT2 = new long[ECHO_CAPACITY];
    private int echoTop;
    private int echoCount;

    private final StepStats[] steps;
    private final long[] stepDurationNs;
    private final boolean[] stepFinal;
    private int stepsRun;
    private long nextSeq;
    private int nextSocket;
    private long unmatched;
    private long duplicates;
    private long malformed;
    private long lateAfterFinal;
    private boolean generatorLimited;
    private boolean stoppedOnLoss;
    private boolean ran;

    /** Opens the sockets and allocates every buffer. {@code server} must be resolved. */
    public LoadGenerator(PerfOptions options, InetSocketAddress server) {
        this(options, server, List.of());
    }

    /** As above, with NTS: one session per socket (empty: plain NTP). */
    public LoadGenerator(PerfOptions options, InetSocketAddress server, List<NtsSession> nts) {
        this.options = options;
        if (!nts.isEmpty() && nts.size() != options.sockets()) {
            throw new IllegalArgumentException(nts.size() + " NTS sessions for " + options.sockets() + " sockets");
        }
        ntsCodecs = new NtsClientCodec[nts.size()];
        ntsCookies = new byte[nts.size()][];
        for (int k = 0; k < nts.size(); k++) {
            ntsCodecs[k] = new NtsClientCodec();
            ntsCodecs[k].keys(nts.get(k).aead(), nts.get(k).c2s(), nts.get(k).s2c());
            ntsCookies[k] = nts.get(k).cookie().clone();
        }
        this.xleave = options.xleave();
        this.kernelTx = options.kernelTxStamps();
        this.timeoutNs = options.timeoutNs();
        long[] rates = options.stepRates();
        boolean warmUp = options.warmUpNs() > 0;
        steps = new StepStats[rates.length + (warmUp ? 1 : 0)];
        stepDurationNs = new long[steps.length];
        stepFinal = new boolean[steps.length];
        if (steps.length > STEP_MASK) {
            throw new IllegalArgumentException("too many rate steps: " + steps.length);
        }
        int s = 0;
        if (warmUp) {
            stepDurationNs[s] = options.warmUpNs();
            steps[s++] = new StepStats(0, rates[0]);
        }
        for (int i = 0; i < rates.length; i++, s++) {
            stepDurationNs[s] = options.stepNs();
            steps[s] = new StepStats(i + 1, rates[i]);
        }
        // The ring holds every request that may still be answered: the top rate for the timeout, twice over.
        long inFlight = Math.max(4096, options.maxRate() * (timeoutNs + 100_000_000L) / NS_PER_S * 2);
        int ringSize = Integer.highestOneBit((int) Math.min(1 << 26, inFlight) - 1) << 1;
        ringMask = ringSize - 1;
        ringSeq = new long[ringSize];
        ringT1Ns = new long[ringSize];
        ringInfo = new int[ringSize];
        ringT4Ns = new long[xleave ? ringSize : 0];
        ringEchoSeq = new long[xleave ? ringSize : 0];
        ringEchoT2 = new long[xleave ? ringSize : 0];
        txMask = (Integer.highestOneBit(Math.max(1024, 4 * options.batch()) - 1) << 1) - 1;
        txSeq = new long[options.sockets()][txMask + 1];
        slotSeq = new long[options.batch()];
        nonce = new java.security.SecureRandom().nextLong() & NONCE_MASK;

        InetAddress bindAddress = bindAddressFor(server.getAddress());
        UdpSocket.Options socketOptions = UdpSocket.Options.DEFAULT
                .withTimestamps(kernelTx ? UdpSocket.TimestampMode.TIMESTAMPING : UdpSocket.TimestampMode.TIMESTAMPNS)
                .withBufferBytes(SOCKET_BUFFER_BYTES, SOCKET_BUFFER_BYTES);
        sockets = new UdpSocket[options.sockets()];
        PacketBatch o = null;
        PacketBatch i = null;
        PacketBatch r = null;
        try {
            for (int k = 0; k < sockets.length; k++) {
                sockets[k] = UdpSocket.open(new InetSocketAddress(bindAddress, 0), socketOptions);
                sockets[k].connect(server);
            }
            o = new PacketBatch(options.batch(), PacketBatch.MIN_DATA_BYTES);
            i = new PacketBatch(options.batch(), PacketBatch.MIN_DATA_BYTES);
            r = new PacketBatch(Math.min(1024, 2 * options.batch()), PacketBatch.MIN_DATA_BYTES);
        } catch (RuntimeException e) {
            for (UdpSocket k : sockets) {
                if (k != null) {
                    k.close();
                }
            }
            for (PacketBatch b : new PacketBatch[] {o, i, r}) {
                if (b != null) {
                    b.close();
                }
            }
            throw e;
        }
        out = o;
        in = i;
        reports = r;

        for (int k = 0; k < out.capacity(); k++) {
            out.clearAddress(k);
            out.requestTxTimestamp(k, kernelTx); // T1 = the kernel's TX stamp of each request
            out.length(k, NtpPacket.HEADER_LENGTH);
            packet.wrap(out.data(k), 0, NtpPacket.HEADER_LENGTH).clearHeader()
                    .leapVersionMode(NtpPacket.LEAP_NONE, options.version(), NtpPacket.MODE_CLIENT)
                    .pollLog2(6).precisionLog2(-20);
        }
    }

    private static InetAddress bindAddressFor(InetAddress server) {
        try {
            if (server.isLoopbackAddress()) {
                return server; // 127.0.0.x answers from itself; ::1 likewise
            }
            return InetAddress.getByName(server instanceof java.net.Inet6Address ? "::" : "0.0.0.0");
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Local ports of the client sockets (setup: allocates). */
    public int[] localPorts() {
        return Arrays.stream(sockets).mapToInt(k -> k.localAddress().getPort()).toArray();
    }

    /** The socket timestamping granted (TIMESTAMPNS when kernel TX stamps were not asked for or refused). */
    public UdpSocket.TimestampMode timestampMode() {
        return sockets[0].timestampMode();
    }

    /**
     * Runs every step, then waits out the timeout of the last one. Returns the steps that ran (the warm-up, if any,
     * first, with number 0). Call once, on the thread that should generate the load (a platform thread).
     */
    public StepStats[] run(StepListener listener) {
        if (ran) {
            throw new IllegalStateException("a LoadGenerator runs once");
        }
        ran = true;
        if (options.cpu() >= 0) {
            ThreadAffinity.pinCurrentThread(options.cpu());
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        boolean measureAllocation = threads.isThreadAllocatedMemorySupported()
                && threads.isThreadAllocatedMemoryEnabled();
        long hardDeadlineNs = System.nanoTime() + Arrays.stream(stepDurationNs).sum() + timeoutNs + 30 * NS_PER_S;

        int current = 0; // the step sending
        int finalized = 0; // steps [0, finalized) are final
        long stepStartNs = System.nanoTime();
        long stepTotal = scheduledIn(steps[0].targetRate, stepDurationNs[0]);
        long sentInStep = 0;
        long allocatedAtStepStart = measureAllocation ? threads.getCurrentThreadAllocatedBytes() : 0;
        long excludedBytes = 0;
        steps[0].startNs = stepStartNs;
        stepsRun = 1;
        while (true) {
            long nowNs = System.nanoTime();
            int work = 0;
            if (current < steps.length) {
                StepStats step = steps[current];
                long elapsedNs = nowNs - stepStartNs;
                if (elapsedNs >= stepDurationNs[current] || nextSeq >= options.maxRequests()) {
                    step.endNs = stepStartNs + Math.min(elapsedNs, stepDurationNs[current]);
                    if (nextSeq >= options.maxRequests() && sentInStep < stepTotal) {
                        step.truncated = true;
                    }
                    step.behind = stepTotal - sentInStep;
                    // The first step of a cold JVM may lag while the JIT compiles this loop: no verdict on it.
                    boolean warm = step.number > 1 || (step.number == 1 && steps[0].number == 0);
                    if (step.behind > stepTotal / 10 && !step.truncated && warm) {
                        generatorLimited = true;
                    }
                    if (measureAllocation) {
                        step.allocatedBytes = threads.getCurrentThreadAllocatedBytes() - allocatedAtStepStart
                                - excludedBytes;
                    }
                    current++;
                    if (generatorLimited || step.truncated) {
                        current = steps.length; // nothing more can be offered
                    }
                    if (current < steps.length) {
                        stepStartNs += stepDurationNs[current - 1]; // back to back: the schedule runs on
                        steps[current].startNs = stepStartNs;
                        stepTotal = scheduledIn(steps[current].targetRate, stepDurationNs[current]);
                        sentInStep = 0;
                        stepsRun = current + 1;
                        excludedBytes = 0;
                        allocatedAtStepStart = measureAllocation ? threads.getCurrentThreadAllocatedBytes() : 0;
                    }
                } else {
                    long due = Math.min(stepTotal, dueBy(step.targetRate, elapsedNs));
                    for (int b = 0; b < SEND_BATCHES_PER_PASS && sentInStep < due && nextSeq < options.maxRequests();
                            b++) {
                        int n = (int) Math.min(Math.min(options.batch(), due - sentInStep),
                                options.maxRequests() - nextSeq);
                        sendBatch(n, current, step);
                        sentInStep += n;
                        work += n;
                    }
                }
            }
            work += receiveAll();
            while (finalized < Math.min(current, stepsRun) && isFinal(finalized, nowNs)) {
                long before = measureAllocation ? threads.getCurrentThreadAllocatedBytes() : 0;
                StepStats done = steps[finalized];
                stepFinal[finalized++] = true;
                if (done.number > 0 && done.lossPercent() > options.stopLossPercent() && current < steps.length) {
                    stoppedOnLoss = true;
                    steps[current].truncated = true;
                    steps[current].endNs = nowNs;
                    if (measureAllocation) {
                        steps[current].allocatedBytes = -1; // cut short: not a steady-state measurement
                    }
                    current = steps.length;
                }
                listener.stepDone(done);
                if (measureAllocation) {
                    excludedBytes += threads.getCurrentThreadAllocatedBytes() - before;
                }
            }
            if (finalized >= stepsRun && current >= steps.length) {
                break;
            }
            if (nowNs - hardDeadlineNs > 0) {
                throw new IllegalStateException("perf run overran its time bound");
            }
            if (work == 0) {
                idle(current < steps.length ? stepStartNs + scheduledAt(steps[current].targetRate, sentInStep)
                        : nowNs + MAX_PARK_NS, nowNs);
            }
        }
        return Arrays.copyOf(steps, stepsRun);
    }

    /** A step is final once its last request's timeout has passed, or when every request it sent was answered. */
    private boolean isFinal(int index, long nowNs) {
        StepStats s = steps[index];
        return nowNs - (s.endNs + timeoutNs) >= 0 || s.replies + s.kissOfDeath + s.late >= s.sent;
    }

    /** Requests scheduled in {@code durationNs} at {@code rate}/s. */
    static long scheduledIn(long rate, long durationNs) {
        return durationNs / NS_PER_S * rate + durationNs % NS_PER_S * rate / NS_PER_S;
    }

    /** Requests whose scheduled time is at or before {@code elapsedNs} into the step (request 0 leaves at 0). */
    static long dueBy(long rate, long elapsedNs) {
        return scheduledIn(rate, elapsedNs) + 1;
    }

    /** Offset of request {@code i} of a step at {@code rate}/s from the step's start (rounded up, as {@link #dueBy}). */
    static long scheduledAt(long rate, long i) {
        return i / rate * NS_PER_S + Math.ceilDiv(i % rate * NS_PER_S, rate);
    }

    private static void idle(long nextSendNs, long nowNs) {
        long gapNs = nextSendNs - nowNs;
        if (gapNs > PARK_THRESHOLD_NS) {
            LockSupport.parkNanos(Math.min(gapNs - PARK_MARGIN_NS, MAX_PARK_NS));
        } else {
            Thread.onSpinWait();
        }
    }

    // ---------------------------------------------------------------------------------------------- send

    private void sendBatch(int n, int stepIndex, StepStats step) {
        int socketIndex = nextSocket;
        nextSocket = socketIndex + 1 == sockets.length ? 0 : socketIndex + 1;
        UdpSocket socket = sockets[socketIndex];
        long userT1Ns = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        for (int i = 0; i < n; i++) {
            prepareRequest(i, nextSeq + i, stepIndex, userT1Ns);
            if (ntsCodecs.length > 0) {
                sealRequest(i, nextSeq + i, socketIndex);
            }
        }
        int sent = Math.max(0, socket.send(out, n));
        for (int i = sent; i < n; i++) {
            ringSeq[(int) slotSeq[i] & ringMask] = 0; // never left: never matched; its number is used again
        }
        nextSeq += sent;
        step.sent += sent;
        step.sendFailures += n - sent;
        if (kernelTx && sent > 0) {
            long[] ids = txSeq[socketIndex];
            for (int i = 0; i < sent; i++) {
                ids[out.txId(i) & txMask] = slotSeq[i];
            }
            drainTxStamps(socket, ids);
        }
    }

    private void prepareRequest(int slot, long seq, int stepIndex, long userT1Ns) {
        int idx = (int) seq & ringMask;
        ringSeq[idx] = seq + 1;
        ringT1Ns[idx] = userT1Ns;
        ringInfo[idx] = stepIndex;
        slotSeq[slot] = seq;
        packet.wrap(out.data(slot), 0, NtpPacket.HEADER_LENGTH).transmitTs(nonce | seq);
        if (xleave) {
            ringT4Ns[idx] = 0;
            if (echoCount > 0) {
                echoTop = (echoTop - 1) & (ECHO_CAPACITY - 1);
                echoCount--;
                ringEchoSeq[idx] = echoSeq[echoTop];
                ringEchoT2[idx] = echoT2[echoTop];
                packet.originTs(echoT2[echoTop]).receiveTs(nonce | RECEIVE_FIELD_BIT | seq);
            } else {
                ringEchoSeq[idx] = -1;
                packet.originTs(0).receiveTs(0);
            }
        }
    }

    /** NTS: the Unique Identifier and nonce of request {@code seq} (unique per run: the run's nonce and the sequence). */
    private void ntsIds(long seq) {
        long id = nonce | seq;
        for (int i = 0; i < NTS_UID_LENGTH; i += 8) {
            long v = id ^ (long) i << 56;
            for (int b = 0; b < 8; b++) {
                ntsUid[i + b] = (byte) (v >>> (56 - 8 * b));
            }
        }
        for (int b = 0; b < 8; b++) {
            ntsNonce[b] = (byte) (id >>> (56 - 8 * b));
            ntsNonce[8 + b] = (byte) ~(id >>> (56 - 8 * b));
        }
    }

    /** Appends the NTS fields to the header of slot {@code slot} with socket {@code socketIndex}'s keys. */
    private void sealRequest(int slot, long seq, int socketIndex) {
        ntsIds(seq);
        byte[] cookie = ntsCookies[socketIndex];
        int n = ntsCodecs[socketIndex].request(out.data(slot), 0, out.dataBytes(), NtpPacket.HEADER_LENGTH, ntsUid,
                NTS_UID_LENGTH, cookie, cookie.length, 0, ntsNonce, NTS_NONCE_LENGTH);
        out.length(slot, n);
    }

    private void drainTxStamps(UdpSocket socket, long[] ids) {
        for (int round = 0; round < 8; round++) {
            int got = socket.receiveTxTimestamps(reports);
            for (int r = 0; r < got; r++) {
                if (reports.isTxTimestamp(r) && reports.txSoftwareNs(r) != 0) {
                    long seq = ids[reports.txId(r) & txMask];
                    int idx = (int) seq & ringMask;
                    if (ringSeq[idx] == seq + 1) {
                        ringT1Ns[idx] = reports.txSoftwareNs(r);
                        ringInfo[idx] |= KERNEL_T1;
                    }
                }
            }
            if (got < reports.capacity()) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- receive

    private int receiveAll() {
        int work = 0;
        for (int k = 0; k < sockets.length; k++) {
            UdpSocket socket = sockets[k];
            for (int round = 0; round < RECEIVE_BATCHES_PER_PASS; round++) {
                int got = socket.receive(in);
                if (got <= 0) {
                    break;
                }
                long userT4Ns = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
                for (int i = 0; i < got; i++) {
                    handleReply(i, userT4Ns, k);
                }
                work += got;
                if (got < in.capacity()) {
                    break;
                }
            }
        }
        return work;
    }

    private void handleReply(int slot, long userT4Ns, int socketIndex) {
        int length = in.length(slot);
        if (length < NtpPacket.HEADER_LENGTH) {
            malformed++;
            return;
        }
        packet.wrap(in.data(slot), 0, NtpPacket.HEADER_LENGTH);
        long origin = packet.originTs();
        if (packet.mode() != NtpPacket.MODE_SERVER || (origin & NONCE_MASK) != nonce) {
            malformed++;
            return;
        }
        long seq = origin & SEQ_MASK;
        int idx = (int) seq & ringMask;
        if (ringSeq[idx] != seq + 1) {
            unmatched++; // overwritten long ago, or never ours
            return;
        }
        int info = ringInfo[idx];
        if ((info & ANSWERED) != 0) {
            duplicates++;
            return;
        }
        ringInfo[idx] = info | ANSWERED;
        int stepIndex = info & STEP_MASK;
        StepStats step = steps[stepIndex];
        long t4Ns = in.rxSoftwareNs(slot);
        if (t4Ns == 0) {
            t4Ns = userT4Ns;
            step.userT4++;
        }
        long t1Ns = ringT1Ns[idx];
        if (kernelTx && (info & KERNEL_T1) == 0) {
            step.userT1++;
        }
        long roundTripNs = t4Ns - t1Ns;
        if (stepFinal[stepIndex]) {
            lateAfterFinal++;
            return;
        }
        if (roundTripNs > timeoutNs) {
            step.late++;
            return;
        }
        if (packet.stratum() == NtpPacket.STRATUM_UNSPECIFIED) {
            step.kissOfDeath++; // an NTS NAK too (refid NTSN)
            return;
        }
        if (ntsCodecs.length > 0 && !authentic(slot, length, seq, socketIndex)) {
            step.late++; // not authentic: a reply the client would drop
            return;
        }
        step.replies++;
        step.roundTripNs.record(roundTripNs);
        long t2 = packet.receiveTs();
        long t3 = packet.transmitTs();
        step.rxStampErrorNs.record(NtpTimestamp.diffNs(t2, NtpTimestamp.fromUnixNs(t1Ns)));
        if (!xleave) {
            long serverNs = NtpTimestamp.diffNs(t3, t2);
            step.serverNs.record(serverNs);
            step.delayNs.record(roundTripNs - serverNs);
            step.txStampErrorNs.record(NtpTimestamp.diffNs(t3, NtpTimestamp.fromUnixNs(t4Ns)));
            return;
        }
        ringT4Ns[idx] = t4Ns;
        if ((origin & RECEIVE_FIELD_BIT) != 0) {
            // t3 is the precise TX stamp of the reply whose T2 this request echoed: the earlier exchange's times.
            step.interleavedReplies++;
            long serverNs = NtpTimestamp.diffNs(t3, ringEchoT2[idx]);
            step.serverNs.record(serverNs);
            long earlier = ringEchoSeq[idx];
            int e = (int) earlier & ringMask;
            if (earlier >= 0 && ringSeq[e] == earlier + 1 && ringT4Ns[e] != 0) {
                step.delayNs.record(ringT4Ns[e] - ringT1Ns[e] - serverNs);
                step.txStampErrorNs.record(NtpTimestamp.diffNs(t3, NtpTimestamp.fromUnixNs(ringT4Ns[e])));
            }
        }
        echoSeq[echoTop] = seq;
        echoT2[echoTop] = t2;
        echoTop = (echoTop + 1) & (ECHO_CAPACITY - 1);
        echoCount = Math.min(ECHO_CAPACITY, echoCount + 1);
    }

    /** NTS: every {@code --nts-verify}-th reply's authenticator checked with its socket's keys. */
    private boolean authentic(int slot, int length, long seq, int socketIndex) {
        if (length <= NtpPacket.HEADER_LENGTH) {
            ntsNotAuthentic++;
            return false;
        }
        int every = options.ntsVerifyEvery();
        if (every == 0 || ntsReplies++ % every != 0) {
            return true;
        }
        ntsIds(seq);
        if (ntsCodecs[socketIndex].response(in.data(slot), 0, length, ntsUid, NTS_UID_LENGTH, ntsJar)
                == NtsClientCodec.OK) {
            return true; // its cookies go to a jar that drops the oldest
        }
        ntsNotAuthentic++;
        return false;
    }

    // ---------------------------------------------------------------------------------------------- results

    /** NTS: replies whose authenticator failed the check (or that carried none). */
    public long ntsNotAuthentic() {
        return ntsNotAuthentic;
    }

    /** Replies whose origin named a request no longer (or never) in the ring. */
    public long unmatched() {
        return unmatched;
    }

    /** Second replies to one request. */
    public long duplicates() {
        return duplicates;
    }

    /** Datagrams that were not an NTP server reply to this run (short, wrong mode, foreign origin). */
    public long malformed() {
        return malformed;
    }

    /** Replies that came after their step's report. */
    public long lateAfterFinal() {
        return lateAfterFinal;
    }

    /** The generator fell behind its schedule by more than 10% of a step: the run ended there. */
    public boolean generatorLimited() {
        return generatorLimited;
    }

    /** A step lost more than the stop-loss percentage: the run ended there. */
    public boolean stoppedOnLoss() {
        return stoppedOnLoss;
    }

    @Override
    public void close() {
        for (UdpSocket s : sockets) {
            s.close();
        }
        out.close();
        in.close();
        reports.close();
    }
}
