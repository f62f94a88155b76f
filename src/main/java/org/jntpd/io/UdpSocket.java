package org.jntpd.io;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jntpd.platform.IpMreq;
import org.jntpd.platform.Ipv6Mreq;
import org.jntpd.platform.JitDirectives;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;
import org.jntpd.platform.PollFd;
import org.jntpd.platform.SockaddrIn6;
import org.jntpd.platform.Timestamping;

/**
 * A UDP socket (IPv4 or IPv6) with kernel timestamps, working on {@link PacketBatch}es.
 *
 * <p>Timestamps: SO_TIMESTAMPING with software RX stamps on every datagram, software TX stamps on the datagrams that
 * ask for one, the OPT_ID counter and OPT_TSONLY (TX reports carry no payload), plus raw hardware RX/TX stamps when
 * asked for and the interface provides them (its timestamping must be switched on with {@link NicTimestamping});
 * SO_TIMESTAMPNS (RX software only) when the kernel refuses SO_TIMESTAMPING. {@link #timestampMode()} says what was
 * granted.
 *
 * <p>TX stamps are asked for per datagram ({@link PacketBatch#requestTxTimestamp}: a control message on the send,
 * which kernels since 4.7 honour), not socket-wide: every stamp costs the kernel a clone of the datagram onto the
 * error queue and a wake-up, and the reader a receive, so a server asks only for the replies whose stamps it keeps.
 * They come back on the socket's error queue: {@link #receiveTxTimestamps(PacketBatch)} reads them (poll reports
 * POLLERR when some are waiting). The kernel numbers the datagrams that ask for a stamp 0, 1, 2, ... per socket
 * (the others take no number); this class counts in step and writes each such datagram's number into
 * {@link PacketBatch#txId(int)}, so a report's id names the datagram it belongs to
 * ({@link PacketBatch#applyTxTimestamps}).
 *
 * <p>Setup ({@link #open}, {@link #connect}) throws {@link org.jntpd.platform.NativeException}; the packet methods
 * never throw or allocate: they return a count, a length, or {@code -errno} (-EAGAIN: nothing to read now).
 * One thread uses a socket at a time.
 */
public final class UdpSocket implements AutoCloseable {
    /** How packets are timestamped. */
    public enum TimestampMode {
        /** SO_TIMESTAMPING: software RX and TX stamps with ids, raw hardware stamps where available. */
        TIMESTAMPING,
        /** SO_TIMESTAMPNS: software RX stamps only. */
        TIMESTAMPNS,
        /** No kernel timestamps. */
        NONE
    }

    /**
     * Socket settings. {@code timestamps} is the mode asked for: TIMESTAMPING falls back to TIMESTAMPNS when the
     * kernel refuses it. Buffer sizes of 0 keep the kernel's defaults. {@code packetInfo}: receive each datagram's
     * local address (IP_PKTINFO, IPV6_RECVPKTINFO), for a socket bound to a wildcard address to answer from the
     * address it was asked at ({@link PacketBatch#copyAddress}). {@code reuseAddress}: SO_REUSEADDR, so that another
     * socket with it may bind the same port (a symmetric peer's socket, bound to the server's port and connected to the
     * peer, beside the server's own: the kernel gives a connected socket its peer's datagrams first).
     */
    public record Options(boolean nonBlocking, boolean reusePort, TimestampMode timestamps,
            boolean hardwareTimestamps, boolean v6Only, int receiveBufferBytes, int sendBufferBytes,
            boolean packetInfo, boolean reuseAddress) {
        /** Non-blocking, SO_TIMESTAMPING with software stamps, IPv6 sockets IPv6-only, kernel buffer sizes. */
        public static final Options DEFAULT = new Options(true, false, TimestampMode.TIMESTAMPING, false, true, 0, 0,
                false, false);

        public Options withNonBlocking(boolean v) {
            return new Options(v, reusePort, timestamps, hardwareTimestamps, v6Only,
                    receiveBufferBytes, sendBufferBytes, packetInfo, reuseAddress);
        }

        public Options withReusePort(boolean v) {
            return new Options(nonBlocking, v, timestamps, hardwareTimestamps, v6Only,
                    receiveBufferBytes, sendBufferBytes, packetInfo, reuseAddress);
        }

        public Options withTimestamps(TimestampMode v) {
            return new Options(nonBlocking, reusePort, v, hardwareTimestamps, v6Only,
                    receiveBufferBytes, sendBufferBytes, packetInfo, reuseAddress);
        }

        public Options withHardwareTimestamps(boolean v) {
            return new Options(nonBlocking, reusePort, timestamps, v, v6Only,
                    receiveBufferBytes, sendBufferBytes, packetInfo, reuseAddress);
        }

        public Options withV6Only(boolean v) {
            return new Options(nonBlocking, reusePort, timestamps, hardwareTimestamps, v,
                    receiveBufferBytes, sendBufferBytes, packetInfo, reuseAddress);
        }

        public Options withBufferBytes(int receive, int send) {
            return new Options(nonBlocking, reusePort, timestamps, hardwareTimestamps, v6Only,
                    receive, send, packetInfo, reuseAddress);
        }

        public Options withPacketInfo(boolean v) {
            return new Options(nonBlocking, reusePort, timestamps, hardwareTimestamps, v6Only,
                    receiveBufferBytes, sendBufferBytes, v, reuseAddress);
        }

        public Options withReuseAddress(boolean v) {
            return new Options(nonBlocking, reusePort, timestamps, hardwareTimestamps, v6Only,
                    receiveBufferBytes, sendBufferBytes, packetInfo, v);
        }
    }

    /**
     * Socket-wide: software RX stamps, software stamps reported, numbered TX reports without payload. No TX stamp
     * is generated unless a datagram asks ({@link #TX_SOFTWARE_FLAGS}).
     */
    public static final int SOFTWARE_FLAGS = Timestamping.SOF_TIMESTAMPING_RX_SOFTWARE
            | Timestamping.SOF_TIMESTAMPING_SOFTWARE | Timestamping.SOF_TIMESTAMPING_OPT_ID
            | Timestamping.SOF_TIMESTAMPING_OPT_TSONLY;
    /** Socket-wide, added for hardware stamps; OPT_TX_SWHW keeps the software TX stamp when the NIC stamps too. */
    public static final int HARDWARE_FLAGS = Timestamping.SOF_TIMESTAMPING_RX_HARDWARE
            | Timestamping.SOF_TIMESTAMPING_RAW_HARDWARE | Timestamping.SOF_TIMESTAMPING_OPT_TX_SWHW;
    /** Per datagram: what a send asking for a TX timestamp carries in its SO_TIMESTAMPING control message. */
    public static final int TX_SOFTWARE_FLAGS = Timestamping.SOF_TIMESTAMPING_TX_SOFTWARE;
    /** Per datagram, added for hardware stamps. */
    public static final int TX_HARDWARE_FLAGS = Timestamping.SOF_TIMESTAMPING_TX_HARDWARE;

    static {
        // Before the packet path warms up: keeps errno-capturing calls allocation-free (see JitDirectives).
        JitDirectives.ensureInstalled();
    }

    private final int fd;
    private final int family;
    private final boolean nonBlocking;
    private final TimestampMode timestampMode;
    private final int timestampingFlags;
    private final int txFlags;
    private final int timestampingErrno;
    private final Arena arena;
    private final MemorySegment pollFd;
    private int nextTxId;
    private boolean closed;

    private UdpSocket(int fd, int family, boolean nonBlocking, TimestampMode mode, int flags, int timestampingErrno,
            Arena arena) {
        this.fd = fd;
        this.family = family;
        this.nonBlocking = nonBlocking;
        this.timestampMode = mode;
        this.timestampingFlags = flags;
        this.txFlags = mode != TimestampMode.TIMESTAMPING ? 0
                : TX_SOFTWARE_FLAGS | ((flags & Timestamping.SOF_TIMESTAMPING_RAW_HARDWARE) != 0 ? TX_HARDWARE_FLAGS : 0);
        this.timestampingErrno = timestampingErrno;
        this.arena = arena;
        this.pollFd = arena.allocate(PollFd.LAYOUT);
        PollFd.fd(pollFd, fd);
    }

    /** A socket bound to {@code bindAddress} (port 0: any free port; see {@link #localAddress()}). */
    public static UdpSocket open(InetSocketAddress bindAddress, Options options) {
        int family = SocketAddresses.familyOf(bindAddress);
        int type = Net.SOCK_DGRAM | Net.SOCK_CLOEXEC | (options.nonBlocking() ? Net.SOCK_NONBLOCK : 0);
        int fd = Libc.check(Libc.socket(family, type, Net.IPPROTO_UDP), "socket");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment scratch = arena.allocate(SockaddrIn6.LAYOUT);
            if (family == Net.AF_INET6) {
                setInt(fd, scratch, Net.IPPROTO_IPV6, Net.IPV6_V6ONLY, options.v6Only() ? 1 : 0, "IPV6_V6ONLY");
            }
            if (options.packetInfo()) {
                if (family == Net.AF_INET || !options.v6Only()) { // a dual-stack socket reports IPv4 with IP_PKTINFO
                    setInt(fd, scratch, Net.SOL_IP, Net.IP_PKTINFO, 1, "IP_PKTINFO");
                }
                if (family == Net.AF_INET6) {
                    setInt(fd, scratch, Net.SOL_IPV6, Net.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
                }
            }
            if (options.reusePort()) {
                setInt(fd, scratch, Net.SOL_SOCKET, Net.SO_REUSEPORT, 1, "SO_REUSEPORT");
            }
            if (options.reuseAddress()) {
                setInt(fd, scratch, Net.SOL_SOCKET, Net.SO_REUSEADDR, 1, "SO_REUSEADDR");
            }
            if (options.receiveBufferBytes() > 0) {
                setInt(fd, scratch, Net.SOL_SOCKET, Net.SO_RCVBUF, options.receiveBufferBytes(), "SO_RCVBUF");
            }
            if (options.sendBufferBytes() > 0) {
                setInt(fd, scratch, Net.SOL_SOCKET, Net.SO_SNDBUF, options.sendBufferBytes(), "SO_SNDBUF");
            }
            TimestampMode mode = options.timestamps();
            int flags = 0;
            int refusedErrno = 0;
            if (mode == TimestampMode.TIMESTAMPING) {
                flags = SOFTWARE_FLAGS | (options.hardwareTimestamps() ? HARDWARE_FLAGS : 0);
                scratch.set(JAVA_INT, 0, flags);
                if (Libc.setsockopt(fd, Net.SOL_SOCKET, Net.SO_TIMESTAMPING, scratch, 4) < 0) {
                    refusedErrno = Libc.errno();
                    flags = 0;
                    mode = TimestampMode.TIMESTAMPNS;
                }
            }
            if (mode == TimestampMode.TIMESTAMPNS) {
                setInt(fd, scratch, Net.SOL_SOCKET, Net.SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
            }
            int addressLength = SocketAddresses.write(scratch, bindAddress);
            Libc.check(Libc.bind(fd, scratch, addressLength), "bind", bindAddress.toString());
            return new UdpSocket(fd, family, options.nonBlocking(), mode, flags, refusedErrno, arena);
        } catch (RuntimeException e) {
            Libc.close(fd);
            arena.close();
            throw e;
        }
    }

    private static void setInt(int fd, MemorySegment scratch, int level, int name, int value, String what) {
        scratch.set(JAVA_INT, 0, value);
        Libc.check(Libc.setsockopt(fd, level, name, scratch, 4), "setsockopt", what);
    }

    /** SO_BROADCAST: lets the socket send to (and connect to) a broadcast address (setup). */
    public void broadcast(boolean on) {
        setOption(Net.SOL_SOCKET, Net.SO_BROADCAST, on ? 1 : 0, "SO_BROADCAST");
    }

    /**
     * IPv4 multicast sending (setup): the TTL of what this socket multicasts, whether this host's own sockets get a
     * copy, and the interface it leaves by (its IPv4 address; null: the kernel's choice by route).
     */
    public void multicastSending(int ttl, boolean loop, InetAddress iface) {
        setOption(Net.SOL_IP, Net.IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL");
        setOption(Net.SOL_IP, Net.IP_MULTICAST_LOOP, loop ? 1 : 0, "IP_MULTICAST_LOOP");
        if (iface != null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(JAVA_INT);
                s.set(JAVA_INT.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0, ipv4(iface)); // struct in_addr
                Libc.check(Libc.setsockopt(fd, Net.SOL_IP, Net.IP_MULTICAST_IF, s, 4), "setsockopt",
                        "IP_MULTICAST_IF " + iface.getHostAddress());
            }
        }
    }

    /** IP_ADD_MEMBERSHIP (setup): joins the IPv4 {@code group} on the interface with address {@code iface} (null: by route). */
    public void joinGroup(InetAddress group, InetAddress iface) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(IpMreq.LAYOUT);
            IpMreq.set(s, 0, ipv4(group), iface == null ? 0 : ipv4(iface));
            Libc.check(Libc.setsockopt(fd, Net.SOL_IP, Net.IP_ADD_MEMBERSHIP, s, (int) IpMreq.sizeof()), "setsockopt",
                    "IP_ADD_MEMBERSHIP " + group.getHostAddress() + (iface == null ? "" : " on " + iface.getHostAddress()));
        }
    }

    /**
     * IPv6 multicast sending (setup): the hop limit of what this socket multicasts (IPV6_MULTICAST_HOPS, the line's
     * {@code ttl}), whether this host's own sockets get a copy, and the interface it leaves by (its index; 0: the
     * kernel's choice by route, which a link-local group has none of).
     */
    public void multicastSendingIpv6(int hops, boolean loop, int ifIndex) {
        setOption(Net.SOL_IPV6, Net.IPV6_MULTICAST_HOPS, hops, "IPV6_MULTICAST_HOPS");
        setOption(Net.SOL_IPV6, Net.IPV6_MULTICAST_LOOP, loop ? 1 : 0, "IPV6_MULTICAST_LOOP");
        if (ifIndex != 0) {
            setOption(Net.SOL_IPV6, Net.IPV6_MULTICAST_IF, ifIndex, "IPV6_MULTICAST_IF " + ifIndex);
        }
    }

    /**
     * IPV6_JOIN_GROUP (setup): joins the IPv6 {@code group} on the interface with index {@code ifIndex} (0: by route).
     */
    public void joinGroupIpv6(InetAddress group, int ifIndex) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(Ipv6Mreq.LAYOUT);
            Ipv6Mreq.set(s, 0, group.getAddress(), ifIndex);
            Libc.check(Libc.setsockopt(fd, Net.SOL_IPV6, Net.IPV6_JOIN_GROUP, s, (int) Ipv6Mreq.sizeof()), "setsockopt",
                    "IPV6_JOIN_GROUP " + group.getHostAddress() + " on interface " + ifIndex);
        }
    }

    private static int ipv4(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 4) {
            throw new IllegalArgumentException(a.getHostAddress() + " is not an IPv4 address");
        }
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
    }

    private void setOption(int level, int name, int value, String what) {
        try (Arena a = Arena.ofConfined()) {
            setInt(fd, a.allocate(JAVA_INT), level, name, value, what);
        }
    }

    /** Fixes the peer: sends from slots without an address go there, and only its datagrams are received. */
    public void connect(InetSocketAddress peer) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(SockaddrIn6.LAYOUT);
            Libc.check(Libc.connect(fd, s, SocketAddresses.write(s, peer)), "connect", peer.toString());
        }
    }

    public int fd() {
        return fd;
    }

    /** AF_INET or AF_INET6. */
    public int family() {
        return family;
    }

    /** The timestamping granted (TIMESTAMPNS when SO_TIMESTAMPING was asked for and refused). */
    public TimestampMode timestampMode() {
        return timestampMode;
    }

    /** The SOF_TIMESTAMPING_* flags set on the socket, 0 unless the mode is TIMESTAMPING. */
    public int timestampingFlags() {
        return timestampingFlags;
    }

    /**
     * The SOF_TIMESTAMPING_TX_* flags a datagram asking for a TX timestamp carries; 0 when the socket has no TX
     * stamps (mode TIMESTAMPNS or NONE), and then requests are ignored.
     */
    public int txTimestampFlags() {
        return txFlags;
    }

    /** Why SO_TIMESTAMPING was refused (errno), 0 when it was not. */
    public int timestampingErrno() {
        return timestampingErrno;
    }

    /** The bound address and port (setup: allocates). */
    public InetSocketAddress localAddress() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(SockaddrIn6.LAYOUT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) SockaddrIn6.sizeof());
            Libc.check(Libc.getsockname(fd, s, len), "getsockname");
            return SocketAddresses.read(s, len.get(JAVA_INT, 0));
        }
    }

    /** SO_RCVBUF as the kernel reports it (twice what was set, for its bookkeeping); setup code: allocates. */
    public int receiveBufferBytes() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_INT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            Libc.check(Libc.getsockopt(fd, Net.SOL_SOCKET, Net.SO_RCVBUF, value, len), "getsockopt", "SO_RCVBUF");
            return value.get(JAVA_INT, 0);
        }
    }

    /** The OPT_ID the kernel will give the next datagram sent asking for a TX timestamp. */
    public int nextTxId() {
        return nextTxId;
    }

    // ---------------------------------------------------------------------------------------------- packets

    /**
     * Receives up to {@code max} datagrams (recvmmsg) into slots 0.. of {@code batch}. A blocking socket waits for
     * the first one only. Returns how many arrived, or -errno (-EAGAIN: none waiting).
     */
    public int receive(PacketBatch batch, int max) {
        int n = Math.min(max, batch.capacity());
        batch.prepareReceives(n);
        int got = Libc.recvmmsg(fd, batch.vector(), n, nonBlocking ? 0 : Net.MSG_WAITFORONE, MemorySegment.NULL);
        if (got < 0) {
            return -Libc.errno();
        }
        for (int i = 0; i < got; i++) {
            batch.received(i, batch.receivedLength(i));
        }
        return got;
    }

    /** {@link #receive(PacketBatch, int)} filling up to the whole batch. */
    public int receive(PacketBatch batch) {
        return receive(batch, batch.capacity());
    }

    /** Receives one datagram (recvmsg) into {@code slot}; returns its length (truncated to the buffer) or -errno. */
    public int receiveOne(PacketBatch batch, int slot) {
        batch.prepareReceive(slot);
        long got = Libc.recvmsg(fd, batch.msghdr(slot), 0);
        if (got < 0) {
            return -Libc.errno();
        }
        batch.received(slot, (int) got);
        return (int) got;
    }

    /**
     * Sends slots [0, count) of {@code batch} (sendmmsg), each {@link PacketBatch#length(int)} bytes to its address
     * (or the connected peer when it has none), those that {@link PacketBatch#requestTxTimestamp ask} with a TX
     * timestamp request. Returns how many went out (fewer than count when one failed) and gives each its TX id
     * ({@link PacketBatch#NO_TX_ID} when it asked for no stamp), or -errno when the first failed (which then has
     * {@link PacketBatch#NO_TX_ID}): a caller that skips it goes on with the next slot.
     */
    public int send(PacketBatch batch, int count) {
        return send(batch, 0, count);
    }

    /** Sends slots [from, from + count): to go on after a partial send (-EAGAIN: the send buffer is full). */
    public int send(PacketBatch batch, int from, int count) {
        for (int i = from; i < from + count; i++) {
            batch.prepareSend(i, txFlags);
        }
        int sent = Libc.sendmmsg(fd, batch.msghdr(from), count, 0);
        if (sent < 0) {
            batch.sent(from, PacketBatch.NO_TX_ID, false); // the first one failed: it has no TX id
            return -Libc.errno();
        }
        for (int i = from; i < from + sent; i++) {
            sent(batch, i);
        }
        return sent;
    }

    /** Sends one slot (sendmsg), with a TX timestamp request if it asks; returns the bytes sent or -errno. */
    public int sendOne(PacketBatch batch, int slot) {
        batch.prepareSend(slot, txFlags);
        long sent = Libc.sendmsg(fd, batch.msghdr(slot), 0);
        if (sent < 0) {
            return -Libc.errno();
        }
        sent(batch, slot);
        return (int) sent;
    }

    private void sent(PacketBatch batch, int slot) {
        // The kernel advances its OPT_ID counter only for datagrams that asked for a stamp (UdpSocketTest checks).
        boolean stamped = txFlags != 0 && batch.txTimestampRequested(slot);
        batch.sent(slot, stamped ? nextTxId++ : PacketBatch.NO_TX_ID, stamped);
    }

    /**
     * Reads waiting error-queue reports (never blocks) into slots 0.. of {@code reports}: TX timestamps
     * ({@link PacketBatch#isTxTimestamp}, {@link PacketBatch#txId}, {@link PacketBatch#txSoftwareNs},
     * {@link PacketBatch#txHardwareNs}) and other errors ({@link PacketBatch#errorErrno}). Returns how many,
     * or -errno (-EAGAIN: none waiting).
     */
    public int receiveTxTimestamps(PacketBatch reports) {
        int n = reports.capacity();
        reports.prepareReceives(n);
        int got = Libc.recvmmsg(fd, reports.vector(), n, Net.MSG_ERRQUEUE | Net.MSG_DONTWAIT, MemorySegment.NULL);
        if (got < 0) {
            return -Libc.errno();
        }
        for (int i = 0; i < got; i++) {
            reports.received(i, reports.receivedLength(i));
        }
        return got;
    }

    /**
     * Waits up to {@code timeoutMs} (-1: no limit, 0: just look) for {@code events} (POLLIN; POLLERR, meaning
     * error-queue reports such as TX timestamps, is always reported). Returns the events that happened, 0 on
     * timeout, or -errno (-EINTR on a signal).
     */
    public int poll(int events, int timeoutMs) {
        PollFd.events(pollFd, (short) events);
        PollFd.revents(pollFd, (short) 0);
        int rc = Libc.poll(pollFd, 1, timeoutMs);
        if (rc < 0) {
            return -Libc.errno();
        }
        return rc == 0 ? 0 : Short.toUnsignedInt(PollFd.revents(pollFd));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
            arena.close();
        }
    }
}
