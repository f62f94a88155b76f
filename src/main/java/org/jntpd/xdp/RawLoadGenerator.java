package org.jntpd.xdp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jntpd.platform.Bpf;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.ThreadAffinity;
import org.jntpd.platform.Xdp;

/**
 * An open-loop NTP load generator that sends through AF_XDP and counts in XDP, so that on a 2-core machine the
 * generator is not what limits a server: requests are prebuilt frames (one per source address and port, checksums
 * done once) put on the TX ring in paced batches of 32; replies are counted, with the server's T3 - T2, by
 * {@link ReplyCounterProgram} on the same device and dropped there. Runs a ramp of offered rates (until two steps in a
 * row lose more than 5%), prints one line per step, the highest reply rate of a step whose loss stayed within the
 * limit and the highest reply rate of any step:
 *
 * <pre>
 * step offered=R sent_rps=S replies_rps=N loss=L p50_us=A p99_us=B
 * summary max_sustained_rps=N offered=R p50_us=A p99_us=B peak_rps=P
 * </pre>
 *
 * Usage: {@code RawLoadGenerator DEV DST_MAC DST_IP PORT SRC_BASE_IP SOURCES START,STEP,MAX DURATION_S MAX_LOSS CPU}
 * (IPv4; the sources are SRC_BASE_IP + 0 .. SOURCES-1, which the server must route back through this device).
 */
public final class RawLoadGenerator {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int FRAME_LENGTH = 14 + 20 + 8 + 48;
    private static final int KICK_BATCH = 32; // what one sendto transmits in copy mode (the kernel's TX_BATCH_SIZE)
    private static final long SETTLE_NS = 300_000_000L; // for the last replies after a step
    private static final int CONSECUTIVE_FAILURES_TO_STOP = 2;
    private static final long PARK_NS = 20_000L;
    private static final double STOP_LOSS = 0.05;

    private RawLoadGenerator() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 10) {
            System.err.println("usage: RawLoadGenerator DEV DST_MAC DST_IP PORT SRC_BASE_IP SOURCES START,STEP,MAX "
                    + "DURATION_S MAX_LOSS CPU");
            System.exit(2);
        }
        String dev = args[0];
        byte[] dstMac = mac(args[1]);
        int dstIp = ipv4(args[2]);
        int port = Integer.parseInt(args[3]);
        int srcBase = ipv4(args[4]);
        int sources = Integer.parseInt(args[5]);
        String[] ramp = args[6].split(",");
        long start = Long.parseLong(ramp[0]);
        long step = Long.parseLong(ramp[1]);
        long max = Long.parseLong(ramp[2]);
        double durationS = Double.parseDouble(args[7]);
        double maxLoss = Double.parseDouble(args[8]);
        int cpu = Integer.parseInt(args[9]);
        if (cpu >= 0) {
            ThreadAffinity.pinCurrentThread(cpu);
        }
        int ifindex = Xdp.ifNameToIndex(dev);
        if (ifindex == 0) {
            throw new IllegalArgumentException("no device " + dev);
        }
        byte[] srcMac = mac(Files.readString(Path.of("/sys/class/net", dev, "address")).strip());
        int frames = 4096;
        try (BpfMap hist = BpfMap.create(Bpf.BPF_MAP_TYPE_ARRAY, "jntpd_hist", 4, 8, ReplyCounterProgram.BUCKETS,
                Bpf.BPF_F_MMAPABLE);
                BpfProgram prog = BpfProgram.load(ReplyCounterProgram.build(port, hist.fd()), ReplyCounterProgram.NAME,
                        Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP);
                XdpAttachment attach = XdpAttachment.link(prog, ifindex, Bpf.XDP_FLAGS_DRV_MODE);
                XskSocket xsk = XskSocket.open(ifindex, 0, frames, 2048, 2048, XskSocket.CopyMode.COPY)) {
            MemorySegment histogram = Xdp.mmap(pageRound(ReplyCounterProgram.BUCKETS * 8L), Xdp.PROT_READ,
                    Xdp.MAP_SHARED, hist.fd(), 0);
            if (histogram.equals(MemorySegment.NULL)) {
                throw new NativeException("mmap", "histogram map", Libc.errno());
            }
            for (int i = 0; i < frames; i++) {
                buildRequest(xsk.umem(), (long) i * 2048, dstMac, srcMac, srcBase + (i % sources), dstIp,
                        1024 + i / sources, port, i);
            }
            Generator g = new Generator(xsk, frames);
            long[] before = new long[ReplyCounterProgram.BUCKETS];
            long[] after = new long[ReplyCounterProgram.BUCKETS];
            g.run(start, 1.0); // warm-up: JIT and the server's first packets, not reported
            Thread.sleep(SETTLE_NS / 1_000_000);
            long bestReplies = -1;
            long peakReplies = 0;
            String best = "summary max_sustained_rps=0 offered=0 p50_us=0 p99_us=0";
            int failures = 0;
            for (long rate = start; rate <= max && failures < CONSECUTIVE_FAILURES_TO_STOP; rate += Math.max(1, step)) {
                read(histogram, before);
                long sent = g.run(rate, durationS);
                Thread.sleep(SETTLE_NS / 1_000_000);
                read(histogram, after);
                long replies = 0;
                for (int b = 0; b < after.length; b++) {
                    after[b] -= before[b];
                    replies += after[b];
                }
                double loss = sent == 0 ? 1 : Math.max(0, 1.0 - (double) replies / sent);
                double p50 = percentileUs(after, replies, 0.50);
                double p99 = percentileUs(after, replies, 0.99);
                long replyRate = Math.round(replies / durationS);
                peakReplies = Math.max(peakReplies, replyRate);
                System.out.printf(Locale.ROOT, "step offered=%d sent_rps=%d replies_rps=%d loss=%.5f p50_us=%.1f "
                        + "p99_us=%.1f%n", rate, Math.round(sent / durationS), replyRate, loss, p50, p99);
                failures = loss > STOP_LOSS ? failures + 1 : 0; // the ramp ends after two steps losing > 5%
                if (loss <= maxLoss) {
                    if (replyRate > bestReplies) {
                        bestReplies = replyRate;
                        best = String.format(Locale.ROOT, "summary max_sustained_rps=%d offered=%d p50_us=%.1f "
                                + "p99_us=%.1f", replyRate, rate, p50, p99);
                    }
                }
                if (step == 0) {
                    break;
                }
            }
            System.out.println(best + " peak_rps=" + peakReplies);
            Xdp.munmap(histogram);
        }
    }

    /** The TX side: paced batches of prebuilt frames, completions drained as they come. */
    private static final class Generator {
        private final XskSocket xsk;
        private final XskRing tx;
        private final XskRing completion;
        private final int frames;
        private long next;

        Generator(XskSocket xsk, int frames) {
            this.xsk = xsk;
            this.tx = xsk.tx();
            this.completion = xsk.completion();
            this.frames = frames;
        }

        /** Offers {@code rate} requests/s for {@code seconds}; returns the number actually sent. */
        long run(long rate, double seconds) {
            long total = (long) (rate * seconds);
            long t0 = System.nanoTime();
            long endNs = t0 + (long) (seconds * 1e9) + 200_000_000L; // at most 0.2 s late: the sender's limit shows
            long sent = 0;
            while (sent < total) {
                long now = System.nanoTime();
                if (now - endNs > 0) {
                    break;
                }
                drain();
                long due = Math.min(total, (long) ((now - t0) * (rate / 1e9)) + 1);
                int n = (int) Math.min(KICK_BATCH, due - sent);
                if (n <= 0) {
                    // Ahead of schedule: yield the core. The device's NAPI thread (counting the replies) shares it,
                    // and a spinning sender would starve it into dropping replies.
                    java.util.concurrent.locks.LockSupport.parkNanos(PARK_NS);
                    continue;
                }
                n = Math.min(n, tx.free());
                if (n <= 0) {
                    xsk.kickTx();
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    tx.putDesc(i, (next++ % frames) * 2048L, FRAME_LENGTH);
                }
                tx.submit(n);
                xsk.kickTx(); // EAGAIN (the kernel's TX batch was full): the next pass kicks again
                sent += n;
            }
            // what is still on the ring goes out too
            for (int i = 0; i < 1000 && tx.outstanding() > 0; i++) {
                xsk.kickTx();
                drain();
            }
            return sent;
        }

        private void drain() {
            int c = completion.available();
            if (c > 0) {
                completion.release(c);
            }
        }
    }

    private static void read(MemorySegment histogram, long[] into) {
        for (int i = 0; i < into.length; i++) {
            into[i] = histogram.getAtIndex(JAVA_LONG, i);
        }
    }

    /** The bucket holding the {@code q} quantile, as its upper edge in microseconds. */
    static double percentileUs(long[] buckets, long total, double q) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int b = 0; b < buckets.length; b++) {
            seen += buckets[b];
            if (seen >= rank) {
                return (b + 1) * 1e6 / (1 << 20);
            }
        }
        return buckets.length * 1e6 / (1 << 20);
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
        s.set(U64, ntp + 40, 0xE8F0_0000_0000_0000L + id); // a transmit timestamp for the server to echo
        long pseudo = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + 17 + 56;
        int c = ~FrameCodec.fold(FrameCodec.sum(s, udp, 56, pseudo)) & 0xFFFF;
        s.set(U16, udp + 6, (short) (c == 0 ? 0xFFFF : c));
    }

    private static long pageRound(long n) {
        return (n + 4095) & ~4095L;
    }

    private static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }

    private static int ipv4(String text) throws IOException {
        byte[] a = java.net.InetAddress.ofLiteral(text).getAddress();
        return (a[0] & 0xFF) << 24 | (a[1] & 0xFF) << 16 | (a[2] & 0xFF) << 8 | a[3] & 0xFF;
    }
}
