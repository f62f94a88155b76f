package org.jntpd.xdp;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Net;
import org.jntpd.platform.SockaddrXdp;
import org.jntpd.platform.Xdp;
import org.jntpd.platform.XdpDesc;
import org.jntpd.platform.XdpMmapOffsets;
import org.jntpd.platform.XdpStatistics;
import org.jntpd.platform.XdpUmemReg;

/**
 * An AF_XDP socket bound to one queue of one interface, with its own UMEM (frameCount frames of frameBytes, mapped
 * anonymous and populated) and its four rings mapped: fill and completion (UMEM addresses), RX and TX (descriptors).
 * Set up in the order the kernel wants: UMEM_REG, ring sizes, XDP_MMAP_OFFSETS, mmap, bind.
 */
public final class XskSocket implements AutoCloseable {
    /** How to bind: {@link #AUTO} lets the kernel try zero copy first and fall back to copy mode. */
    public enum CopyMode { AUTO, COPY, ZEROCOPY }

    private final int fd;
    private final int ifindex;
    private final int queue;
    private final MemorySegment umem;
    private final int frameBytes;
    private final int frameCount;
    private final XskRing fill;
    private final XskRing completion;
    private final XskRing rx;
    private final XskRing tx;
    private final boolean zeroCopy;
    private final boolean needWakeup;

    private XskSocket(int fd, int ifindex, int queue, MemorySegment umem, int frameBytes, int frameCount, XskRing fill,
            XskRing completion, XskRing rx, XskRing tx, boolean zeroCopy, boolean needWakeup) {
        this.fd = fd;
        this.ifindex = ifindex;
        this.queue = queue;
        this.umem = umem;
        this.frameBytes = frameBytes;
        this.frameCount = frameCount;
        this.fill = fill;
        this.completion = completion;
        this.rx = rx;
        this.tx = tx;
        this.zeroCopy = zeroCopy;
        this.needWakeup = needWakeup;
    }

    /**
     * Opens and binds. {@code frameCount} and {@code ringSize} are powers of two; the fill and completion rings get
     * frameCount entries (every frame can sit in either), RX and TX ringSize.
     */
    public static XskSocket open(int ifindex, int queue, int frameCount, int frameBytes, int ringSize, CopyMode mode) {
        if (Integer.bitCount(frameCount) != 1 || Integer.bitCount(ringSize) != 1 || Integer.bitCount(frameBytes) != 1) {
            throw new IllegalArgumentException("frame count, frame size and ring size must be powers of two");
        }
        int fd = Libc.check(Libc.socket(Xdp.AF_XDP, Xdp.SOCK_RAW | Net.SOCK_CLOEXEC, 0), "socket(AF_XDP)");
        MemorySegment umem = MemorySegment.NULL;
        MemorySegment[] maps = new MemorySegment[4];
        try (Arena a = Arena.ofConfined()) {
            long umemBytes = (long) frameCount * frameBytes;
            umem = Xdp.mmap(umemBytes, Xdp.PROT_READ | Xdp.PROT_WRITE,
                    Xdp.MAP_PRIVATE | Xdp.MAP_ANONYMOUS | Xdp.MAP_POPULATE, -1, 0);
            if (umem.equals(MemorySegment.NULL)) {
                throw new NativeException("mmap", "UMEM of " + umemBytes + " bytes", Libc.errno());
            }
            MemorySegment reg = a.allocate(XdpUmemReg.LAYOUT);
            XdpUmemReg.addr(reg, umem);
            XdpUmemReg.len(reg, umemBytes);
            XdpUmemReg.chunk_size(reg, frameBytes);
            XdpUmemReg.headroom(reg, 0);
            XdpUmemReg.flags(reg, 0);
            Libc.check(Libc.setsockopt(fd, Xdp.SOL_XDP, Xdp.XDP_UMEM_REG, reg, (int) XdpUmemReg.sizeof()),
                    "setsockopt(XDP_UMEM_REG)");
            MemorySegment n = a.allocate(JAVA_INT);
            setRingSize(fd, Xdp.XDP_UMEM_FILL_RING, frameCount, n, "XDP_UMEM_FILL_RING");
            setRingSize(fd, Xdp.XDP_UMEM_COMPLETION_RING, frameCount, n, "XDP_UMEM_COMPLETION_RING");
            setRingSize(fd, Xdp.XDP_RX_RING, ringSize, n, "XDP_RX_RING");
            setRingSize(fd, Xdp.XDP_TX_RING, ringSize, n, "XDP_TX_RING");
            MemorySegment off = a.allocate(XdpMmapOffsets.LAYOUT);
            MemorySegment optlen = a.allocate(JAVA_INT);
            optlen.set(JAVA_INT, 0, (int) XdpMmapOffsets.sizeof());
            Libc.check(Libc.getsockopt(fd, Xdp.SOL_XDP, Xdp.XDP_MMAP_OFFSETS, off, optlen), "getsockopt(XDP_MMAP_OFFSETS)");
            MemorySegment fr = XdpMmapOffsets.ring(off, XdpMmapOffsets.FR_OFFSET);
            MemorySegment cr = XdpMmapOffsets.ring(off, XdpMmapOffsets.CR_OFFSET);
            MemorySegment rxo = XdpMmapOffsets.ring(off, XdpMmapOffsets.RX_OFFSET);
            MemorySegment txo = XdpMmapOffsets.ring(off, XdpMmapOffsets.TX_OFFSET);
            maps[0] = mapRing(fd, XskRing.mapLength(fr, frameCount, 8), Xdp.XDP_UMEM_PGOFF_FILL_RING, "fill");
            maps[1] = mapRing(fd, XskRing.mapLength(cr, frameCount, 8), Xdp.XDP_UMEM_PGOFF_COMPLETION_RING, "completion");
            maps[2] = mapRing(fd, XskRing.mapLength(rxo, ringSize, (int) XdpDesc.sizeof()), Xdp.XDP_PGOFF_RX_RING, "RX");
            maps[3] = mapRing(fd, XskRing.mapLength(txo, ringSize, (int) XdpDesc.sizeof()), Xdp.XDP_PGOFF_TX_RING, "TX");
            XskRing fill = new XskRing(maps[0], fr, frameCount, 8);
            XskRing completion = new XskRing(maps[1], cr, frameCount, 8);
            XskRing rx = new XskRing(maps[2], rxo, ringSize, (int) XdpDesc.sizeof());
            XskRing tx = new XskRing(maps[3], txo, ringSize, (int) XdpDesc.sizeof());
            MemorySegment sa = a.allocate(SockaddrXdp.LAYOUT);
            SockaddrXdp.sxdp_family(sa, Xdp.AF_XDP);
            int flags = Xdp.XDP_USE_NEED_WAKEUP | switch (mode) {
                case AUTO -> 0;
                case COPY -> Xdp.XDP_COPY;
                case ZEROCOPY -> Xdp.XDP_ZEROCOPY;
            };
            SockaddrXdp.sxdp_flags(sa, flags);
            SockaddrXdp.sxdp_ifindex(sa, ifindex);
            SockaddrXdp.sxdp_queue_id(sa, queue);
            Libc.check(Libc.bind(fd, sa, (int) SockaddrXdp.sizeof()), "bind(AF_XDP)",
                    "ifindex " + ifindex + " queue " + queue + " " + mode.name().toLowerCase(java.util.Locale.ROOT));
            MemorySegment opts = a.allocate(JAVA_INT);
            optlen.set(JAVA_INT, 0, 4);
            boolean zc = Libc.getsockopt(fd, Xdp.SOL_XDP, Xdp.XDP_OPTIONS, opts, optlen) == 0
                    && (opts.get(JAVA_INT, 0) & Xdp.XDP_OPTIONS_ZEROCOPY) != 0;
            return new XskSocket(fd, ifindex, queue, umem, frameBytes, frameCount, fill, completion, rx, tx, zc, true);
        } catch (RuntimeException e) {
            for (MemorySegment m : maps) {
                if (m != null) {
                    Xdp.munmap(m);
                }
            }
            if (!umem.equals(MemorySegment.NULL)) {
                Xdp.munmap(umem);
            }
            Libc.close(fd);
            throw e;
        }
    }

    private static void setRingSize(int fd, int option, int size, MemorySegment n, String name) {
        n.set(JAVA_INT, 0, size);
        Libc.check(Libc.setsockopt(fd, Xdp.SOL_XDP, option, n, 4), "setsockopt(" + name + ")", size + " entries");
    }

    private static MemorySegment mapRing(int fd, long length, long pgoff, String name) {
        MemorySegment m = Xdp.mmap(length, Xdp.PROT_READ | Xdp.PROT_WRITE, Xdp.MAP_SHARED | Xdp.MAP_POPULATE, fd, pgoff);
        if (m.equals(MemorySegment.NULL)) {
            throw new NativeException("mmap", name + " ring of " + length + " bytes", Libc.errno());
        }
        return m;
    }

    public int fd() {
        return fd;
    }

    public int ifindex() {
        return ifindex;
    }

    public int queue() {
        return queue;
    }

    public MemorySegment umem() {
        return umem;
    }

    public int frameBytes() {
        return frameBytes;
    }

    public int frameCount() {
        return frameCount;
    }

    public XskRing fill() {
        return fill;
    }

    public XskRing completion() {
        return completion;
    }

    public XskRing rx() {
        return rx;
    }

    public XskRing tx() {
        return tx;
    }

    /** Whether the kernel bound in zero-copy mode (XDP_OPTIONS). */
    public boolean zeroCopy() {
        return zeroCopy;
    }

    /**
     * Lets this socket's calls run the device's NAPI (the XDP program and the copy into the UMEM) in the caller's
     * context: SO_PREFER_BUSY_POLL, SO_BUSY_POLL {@code usecs} (> 0 makes a non-blocking recvfrom or sendto poll the
     * queue's NAPI once) and SO_BUSY_POLL_BUDGET {@code budget}. Where the device defers its interrupts (sysfs
     * napi_defer_hard_irqs, gro_flush_timeout), the queue then stays with the caller and its NAPI thread or softirq
     * is no longer woken per burst. Returns the errno of the first refusal, 0 when all were set.
     */
    public int enableBusyPoll(int usecs, int budget) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            int[][] options = {{Net.SO_PREFER_BUSY_POLL, 1}, {Net.SO_BUSY_POLL, usecs}, {Net.SO_BUSY_POLL_BUDGET,
                    budget}};
            for (int[] o : options) {
                v.set(JAVA_INT, 0, o[1]);
                if (Libc.setsockopt(fd, Net.SOL_SOCKET, o[0], v, 4) != 0) {
                    return Libc.errno();
                }
            }
            return 0;
        }
    }

    /** recvfrom(fd, NULL, 0, MSG_DONTWAIT): with busy polling on, runs the queue's NAPI once in this thread. */
    public long pollRx() {
        return Xdp.recv(fd, MemorySegment.NULL, 0, Net.MSG_DONTWAIT);
    }

    /** sendto(fd, NULL, 0, MSG_DONTWAIT): asks the kernel to transmit what the TX ring holds. */
    public long kickTx() {
        return Xdp.kick(fd, Net.MSG_DONTWAIT);
    }

    /** The kernel's drop counters (getsockopt XDP_STATISTICS); setup/monitoring paths. */
    public long[] statistics() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(XdpStatistics.LAYOUT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) XdpStatistics.sizeof());
            Libc.check(Libc.getsockopt(fd, Xdp.SOL_XDP, Xdp.XDP_STATISTICS, s, len), "getsockopt(XDP_STATISTICS)");
            return new long[] {XdpStatistics.rx_dropped(s), XdpStatistics.rx_invalid_descs(s),
                    XdpStatistics.tx_invalid_descs(s), XdpStatistics.rx_ring_full(s),
                    XdpStatistics.rx_fill_ring_empty_descs(s)};
        }
    }

    @Override
    public void close() {
        Libc.close(fd); // first: the kernel stops using the rings and the UMEM
        Xdp.munmap(fill.mapping());
        Xdp.munmap(completion.mapping());
        Xdp.munmap(rx.mapping());
        Xdp.munmap(tx.mapping());
        Xdp.munmap(umem);
    }
}
