package org.jntpd.perf;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.jntpd.platform.Bpf;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.ThreadAffinity;
import org.jntpd.platform.Xdp;
import org.jntpd.xdp.BpfMap;
import org.jntpd.xdp.BpfProgram;
import org.jntpd.xdp.FrameCodec;
import org.jntpd.xdp.ReplyCounterProgram;
import org.jntpd.xdp.XdpAttachment;
import org.jntpd.xdp.XskRing;
import org.jntpd.xdp.XskSocket;

/**
 * The raw sender of {@code jntpc perf --raw}: open-loop NTP load through AF_XDP, so that on a 2-core machine the
 * generator is not what limits a server. Requests are prebuilt Ethernet frames (one per source address and port,
 * checksums done once) put on the TX ring in paced batches of {@value #KICK_BATCH}, one sendto each; replies are
 * counted with two histograms by {@link ReplyCounterProgram} on the same device and dropped there. No per-request
 * matching: a step's loss is 1 - replies/sent, its replies counted until {@value #SETTLE_MS} ms after its last send.
 */
public final class RawLoad implements AutoCloseable {
    /** A finished step: counts and the two histograms' deltas. */
    public record Step(int number, long targetRate, long sent, long replies, double durationS, long[] serverBuckets,
            long[] errorBuckets) {
        public double offeredRate() {
            return sent / durationS;
        }

        public double replyRate() {
            return replies / durationS;
        }

        public double lossPercent() {
            return sent == 0 ? 100 : Math.max(0, 100.0 * (sent - replies) / sent);
        }

        /** T3 - T2 at quantile q, ns: the upper edge of its 2^-20 s bucket (the last bucket: 3.9 ms or more). */
        public long serverNs(double q) {
            int b = bucketAt(serverBuckets, q);
            return b < 0 ? 0 : Math.round((b + 1) * 1e9 / (1 << 20));
        }

        /** T3 - T4 at quantile q, ns: the middle of its 256 ns bucket (the end buckets are clamped). */
        public long txErrorNs(double q) {
            int b = bucketAt(errorBuckets, q);
            return b < 0 ? 0 : ((long) (b - ReplyCounterProgram.BUCKETS / 2) << ReplyCounterProgram.ERROR_SHIFT)
                    + (1L << (ReplyCounterProgram.ERROR_SHIFT - 1));
        }
    }

    /** Called as each step is final. */
    @FunctionalInterface
    public interface StepListener {
        void stepDone(Step step);
    }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final int FRAME_LENGTH = 14 + 20 + 8 + 48;
    private static final int FRAMES = 4096;
    private static final int FRAME_BYTES = 2048;
    private static final int KICK_BATCH = 32; // what one sendto transmits in copy mode (the kernel's TX_BATCH_SIZE)
    private static final long SETTLE_MS = 300;
    private static final long PARK_NS = 20_000L;
    private static final long MAX_LATE_NS = 200_000_000L;
    private static final int FAILED_STEPS_TO_STOP = 2;

    private final PerfOptions options;
    private final BpfMap histogramMap;
    private final BpfProgram program;
    private final XdpAttachment attachment;
    private final XskSocket xsk;
    private final MemorySegment histogram;
    private final XskRing tx;
    private final XskRing completion;
    private final String describe;
    private long next;
    private boolean generatorLimited;
    private boolean stoppedOnLoss;

    /** Attaches the counter and binds the AF_XDP socket on the device; builds every request frame. */
    public RawLoad(PerfOptions options) {
        this.options = options;
        PerfOptions.Raw raw = options.raw();
        int ifindex = Xdp.ifNameToIndex(raw.device());
        if (ifindex == 0) {
            throw new IllegalArgumentException("--raw: no network device " + raw.device());
        }
        byte[] srcMac;
        int sourceBase = raw.sourceBase();
        try {
            srcMac = parseMac(Files.readString(Path.of("/sys/class/net", raw.device(), "address")).strip());
            if (sourceBase == 0) {
                sourceBase = firstIpv4(raw.device());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--raw: cannot read " + raw.device() + "'s addresses: " + e.getMessage());
        }
        int dstIp = PerfOptions.ipv4("HOST", options.host());
        long taiOffsetNs = taiMinusRealtimeNs();
        BpfMap map = null;
        BpfProgram prog = null;
        XdpAttachment attach = null;
        XskSocket socket = null;
        try {
            map = BpfMap.create(Bpf.BPF_MAP_TYPE_ARRAY, "jntpc_hist", 4, 8, 2 * ReplyCounterProgram.BUCKETS,
                    Bpf.BPF_F_MMAPABLE);
            prog = BpfProgram.load(ReplyCounterProgram.build(options.port(), map.fd(), taiOffsetNs),
                    ReplyCounterProgram.NAME, Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP);
            attach = XdpAttachment.link(prog, ifindex, Bpf.XDP_FLAGS_DRV_MODE);
            socket = XskSocket.open(ifindex, 0, FRAMES, FRAME_BYTES, 2048, XskSocket.CopyMode.COPY);
        } catch (NativeException | BpfProgram.LoadException e) {
            for (AutoCloseable c : new AutoCloseable[] {socket, attach, prog, map}) {
                closeQuietly(c);
            }
            throw new IllegalStateException("--raw " + raw.device() + ": " + e.getMessage(), e);
        }
        histogramMap = map;
        program = prog;
        attachment = attach;
        xsk = socket;
        histogram = Xdp.mmap(pageRound(2L * ReplyCounterProgram.BUCKETS * 8), Xdp.PROT_READ, Xdp.MAP_SHARED,
                map.fd(), 0);
        if (histogram.equals(MemorySegment.NULL)) {
            int errno = Libc.errno();
            close();
            throw new NativeException("mmap", "histogram map", errno);
        }
        tx = xsk.tx();
        completion = xsk.completion();
        for (int i = 0; i < FRAMES; i++) {
            buildRequest(xsk.umem(), (long) i * FRAME_BYTES, raw.serverMac(), srcMac, sourceBase + (i % raw.sources()),
                    dstIp, 1024 + i / raw.sources(), options.port(), i);
        }
        describe = String.format(java.util.Locale.ROOT, "raw sender on %s (AF_XDP %s, XDP %s), %d source address(es) "
                + "from %s", raw.device(), xsk.zeroCopy() ? "zero-copy" : "copy", XdpAttachment.modeName(
                        attach.modeFlags()), raw.sources(), dotted(sourceBase));
    }

    public String describe() {
        return describe;
    }

    public boolean generatorLimited() {
        return generatorLimited;
    }

    public boolean stoppedOnLoss() {
        return stoppedOnLoss;
    }

    /** Runs the warm-up (if any) and the steps; returns the measured steps. */
    public List<Step> run(StepListener listener) {
        if (options.cpu() >= 0) {
            ThreadAffinity.pinCurrentThread(options.cpu());
        }
        long[] rates = options.stepRates();
        double stepS = options.stepNs() / 1e9;
        if (options.warmUpNs() > 0) {
            send(rates[0], options.warmUpNs() / 1e9);
            settle();
        }
        List<Step> steps = new ArrayList<>();
        int failures = 0;
        long[] before = new long[2 * ReplyCounterProgram.BUCKETS];
        long[] after = new long[before.length];
        long total = 0;
        for (int i = 0; i < rates.length && failures < FAILED_STEPS_TO_STOP; i++) {
            read(before);
            long scheduled = (long) (rates[i] * stepS);
            long sent = send(rates[i], stepS);
            total += sent;
            settle();
            read(after);
            long replies = 0;
            for (int b = 0; b < after.length; b++) {
                after[b] -= before[b];
                if (b < ReplyCounterProgram.BUCKETS) {
                    replies += after[b];
                }
            }
            Step s = new Step(i + 1, rates[i], sent, replies, stepS,
                    java.util.Arrays.copyOfRange(after, 0, ReplyCounterProgram.BUCKETS),
                    java.util.Arrays.copyOfRange(after, ReplyCounterProgram.BUCKETS, after.length));
            steps.add(s);
            listener.stepDone(s);
            failures = s.lossPercent() > options.stopLossPercent() ? failures + 1 : 0;
            stoppedOnLoss = failures >= FAILED_STEPS_TO_STOP;
            if (sent < scheduled * 9 / 10) {
                generatorLimited = true; // higher rates would not be offered either
                break;
            }
            if (total >= options.maxRequests()) {
                break;
            }
        }
        return steps;
    }

    private void settle() {
        LockSupport.parkNanos(SETTLE_MS * 1_000_000L);
    }

    /** Offers {@code rate} requests/s for {@code seconds}; returns the number actually handed to the kernel. */
    private long send(long rate, double seconds) {
        long total = (long) (rate * seconds);
        long t0 = System.nanoTime();
        long endNs = t0 + (long) (seconds * 1e9) + MAX_LATE_NS; // at most 0.2 s late: the sender's limit shows
        long sent = 0;
        while (sent < total) {
            long now = System.nanoTime();
            if (now - endNs > 0) {
                break;
            }
            drainCompletions();
            long due = Math.min(total, (long) ((now - t0) * (rate / 1e9)) + 1);
            int n = (int) Math.min(KICK_BATCH, due - sent);
            if (n <= 0) {
                // Ahead of schedule: yield the core. The device's NAPI (counting the replies) may share it.
                LockSupport.parkNanos(PARK_NS);
                continue;
            }
            n = Math.min(n, tx.free());
            if (n <= 0) {
                xsk.kickTx();
                continue;
            }
            for (int i = 0; i < n; i++) {
                tx.putDesc(i, (next++ % FRAMES) * FRAME_BYTES, FRAME_LENGTH);
            }
            tx.submit(n);
            xsk.kickTx(); // EAGAIN (the kernel's TX batch was full): the next pass kicks again
            sent += n;
        }
        for (int i = 0; i < 1000 && tx.outstanding() > 0; i++) { // what is still on the ring goes out too
            xsk.kickTx();
            drainCompletions();
        }
        return sent;
    }

    private void drainCompletions() {
        int c = completion.available();
        if (c > 0) {
            completion.release(c);
        }
    }

    private void read(long[] into) {
        for (int i = 0; i < into.length; i++) {
            into[i] = histogram.getAtIndex(JAVA_LONG, i);
        }
    }

    /** The index of the bucket holding quantile q (nearest rank), -1 when empty. */
    static int bucketAt(long[] buckets, double q) {
        long total = 0;
        for (long b : buckets) {
            total += b;
        }
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int b = 0; b < buckets.length; b++) {
            seen += buckets[b];
            if (seen >= rank) {
                return b;
            }
        }
        return buckets.length - 1;
    }

    /** CLOCK_TAI - CLOCK_REALTIME rounded to whole seconds (the kernel's TAI offset). */
    static long taiMinusRealtimeNs() {
        long real = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        long tai = Libc.clockGettimeNs(Clocks.CLOCK_TAI);
        return Math.floorDiv(tai - real + 500_000_000L, 1_000_000_000L) * 1_000_000_000L;
    }

    /** An NTPv4 client request from src:srcPort to dst:port, Ethernet + IPv4 + UDP with both checksums. */
    static void buildRequest(MemorySegment s, long at, byte[] dstMac, byte[] srcMac, int src, int dst, int srcPort,
            int port, int id) {
        MemorySegment.copy(dstMac, 0, s, JAVA_BYTE, at, 6);
        MemorySegment.copy(srcMac, 0, s, JAVA_BYTE, at + 6, 6);
        s.set(U16, at + 12, (short) 0x0800);
        long ip = at + 14;
        s.set(JAVA_BYTE, ip, (byte) 0x45);
        s.set(JAVA_BYTE, ip + 1, (byte) 0);
        s.set(U16, ip + 2, (short) (20 + 8 + 48));
        s.set(U16, ip + 4, (short) id);
        s.set(U16, ip + 6, (short) 0x4000);
        s.set(JAVA_BYTE, ip + 8, (byte) 64);
        s.set(JAVA_BYTE, ip + 9, (byte) 17);
        s.set(U16, ip + 10, (short) 0);
        s.set(U32, ip + 12, src);
        s.set(U32, ip + 16, dst);
        s.set(U16, ip + 10, (short) ~FrameCodec.fold(FrameCodec.sum(s, ip, 20, 0)));
        long udp = ip + 20;
        s.set(U16, udp, (short) srcPort);
        s.set(U16, udp + 2, (short) port);
        s.set(U16, udp + 4, (short) (8 + 48));
        s.set(U16, udp + 6, (short) 0);
        long ntp = udp + 8;
        s.asSlice(ntp, 48).fill((byte) 0);
        s.set(JAVA_BYTE, ntp, (byte) 0x23); // LI 0, VN 4, mode 3
        s.set(JAVA_BYTE, ntp + 2, (byte) 6); // poll 2^6 s, as a client would say
        s.set(U64, ntp + 40, 0xE8F0_0000_0000_0000L + id); // a transmit timestamp for the server to echo
        long pseudo = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + 17 + 56;
        int c = ~FrameCodec.fold(FrameCodec.sum(s, udp, 56, pseudo)) & 0xFFFF;
        s.set(U16, udp + 6, (short) (c == 0 ? 0xFFFF : c));
    }

    private static int firstIpv4(String device) throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(device);
        if (nif != null) {
            for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address) {
                    byte[] b = a.getAddress();
                    return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
                }
            }
        }
        throw new IOException("no IPv4 address (give --raw-sources IP/N)");
    }

    private static String dotted(int ip) {
        return (ip >>> 24) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip & 0xFF);
    }

    private static byte[] parseMac(String text) {
        String[] parts = text.split(":");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }

    private static long pageRound(long n) {
        return (n + 4095) & ~4095L;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // best effort: the others still close
        }
    }

    @Override
    public void close() {
        if (histogram != null && !histogram.equals(MemorySegment.NULL)) {
            Xdp.munmap(histogram);
        }
        closeQuietly(xsk);
        closeQuietly(attachment);
        closeQuietly(program);
        closeQuietly(histogramMap);
    }
}
