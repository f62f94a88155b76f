package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * AF_XDP sockets (linux/if_xdp.h, sys/socket.h, sys/mman.h; x86_64 values): constants and the calls an XSK needs
 * besides socket/setsockopt/getsockopt/bind/poll ({@link Libc}): mmap of its rings, sendto to kick transmission,
 * if_nametoindex. Checked against the headers by AbiTest.
 */
@SuppressWarnings("restricted")
public final class Xdp {
    public static final int AF_XDP = 44;
    public static final int SOCK_RAW = 3;
    public static final int SOL_XDP = 283;

    // setsockopt/getsockopt names at SOL_XDP
    public static final int XDP_MMAP_OFFSETS = 1;
    public static final int XDP_RX_RING = 2;
    public static final int XDP_TX_RING = 3;
    public static final int XDP_UMEM_REG = 4;
    public static final int XDP_UMEM_FILL_RING = 5;
    public static final int XDP_UMEM_COMPLETION_RING = 6;
    public static final int XDP_STATISTICS = 7;
    public static final int XDP_OPTIONS = 8;
    public static final int XDP_OPTIONS_ZEROCOPY = 1;

    // sockaddr_xdp.sxdp_flags
    public static final int XDP_SHARED_UMEM = 1;
    public static final int XDP_COPY = 2;
    public static final int XDP_ZEROCOPY = 4;
    public static final int XDP_USE_NEED_WAKEUP = 8;

    /** xdp_ring.flags: the kernel needs a syscall (sendto for TX, poll/recvfrom for fill) to go on. */
    public static final int XDP_RING_NEED_WAKEUP = 1;
    /** The headroom the kernel keeps in front of every received frame in a UMEM chunk (linux/bpf.h). */
    public static final int XDP_PACKET_HEADROOM = 256;

    // mmap offsets of the four rings
    public static final long XDP_PGOFF_RX_RING = 0;
    public static final long XDP_PGOFF_TX_RING = 0x80000000L;
    public static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    public static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    // mmap
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;

    private static final MethodHandle MMAP = Libc.link("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = Libc.link("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SENDTO = Libc.link("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = Libc.link("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle IF_NAMETOINDEX = Libc.link("if_nametoindex",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private Xdp() {
    }

    /**
     * mmap(NULL, length, prot, flags, fd, offset): the mapping as a segment of {@code length} bytes, or
     * {@link MemorySegment#NULL} on failure with errno set (MAP_FAILED is -1, turned into NULL here).
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(Libc.callState(), MemorySegment.NULL, length, prot,
                    flags, fd, offset);
            return p.address() == -1L ? MemorySegment.NULL : p.reinterpret(length);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    public static int munmap(MemorySegment mapping) {
        try {
            return (int) MUNMAP.invokeExact(Libc.callState(), mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /** sendto(fd, NULL, 0, flags, NULL, 0): what an XSK's TX ring needs to be processed. Returns 0 or -1 (errno). */
    public static long kick(int fd, int flags) {
        try {
            return (long) SENDTO.invokeExact(Libc.callState(), fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /** sendto(fd, buf, len, flags, addr, addrLen); a netlink request goes this way. */
    public static long sendto(int fd, MemorySegment buf, long len, int flags, MemorySegment addr, int addrLen) {
        try {
            return (long) SENDTO.invokeExact(Libc.callState(), fd, buf, len, flags, addr, addrLen);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /** recvfrom(fd, buf, len, flags, NULL, NULL): bytes received or -1 (errno). */
    public static long recv(int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) RECVFROM.invokeExact(Libc.callState(), fd, buf, len, flags, MemorySegment.NULL,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /** The interface index of {@code name}, or 0 (errno ENODEV) when there is none. Allocates: setup paths only. */
    public static int ifNameToIndex(String name) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            return (int) IF_NAMETOINDEX.invokeExact(Libc.callState(), arena.allocateFrom(name));
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }
}
