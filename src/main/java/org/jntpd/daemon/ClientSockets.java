package org.jntpd.daemon;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.AddressText;
import org.jntpd.base.Log;
import org.jntpd.clock.ClockControl;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.Poller;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Net;
import org.jntpd.wire.Malformation;
import org.jntpd.wire.NtpPacket;
import org.jntpd.wire.NtpPacketValidator;

/**
 * The client's NTP sockets (chrony's ntp_io): one timestamping socket per address family on an ephemeral port, and
 * one per symmetric peer bound to the server's port and connected to the peer (RFC 5905 section 9: peers talk from
 * port to port, so that each side knows the other's packets as its peer's and a 123-to-123 firewall passes them),
 * waited on together. A request is sent from one preallocated buffer with the clock read just before it leaves, its send
 * time for as long as no kernel TX timestamp replaces it; what arrives is handed on, TX timestamps first, then valid
 * NTP packets with their receive times, both on the disciplined clock's timescale. Nothing is allocated per packet.
 */
final class ClientSockets implements AutoCloseable {
    private static final int BATCH = 16;
    private static final long V4 = 4;
    private static final long V6 = 6;
    /** Poller tokens of peer sockets: this plus the index in {@link #peerSockets}. */
    private static final long PEER_BASE = 16;
    /** Poller tokens of broadcast and multicast listening sockets: this plus the index in {@link #listenSockets}. */
    private static final long LISTEN_BASE = 1L << 32;

    /** Where received packets and TX timestamps go (on the loop's thread). */
    interface Handler {
        /** The kernel's TX timestamp {@code txNs} of the datagram {@code txId} sent on {@code socket}. */
        void transmitted(UdpSocket socket, int txId, long txNs);

        /**
         * A valid NTP packet from {@code addrHi/addrLo:port} (see {@link PacketBatch#addressHigh}), its header in
         * {@code packet} (valid until this returns), received at {@code rxNs}; {@code nowNs} is the loop pass's time.
         */
        void received(long addrHi, long addrLo, int port, NtpPacket packet, long rxNs, long nowNs);

        /**
         * As {@link #received}, for a packet sent to a broadcast address or multicast group this host listens on;
         * {@code scopeId} is an IPv6 link-local sender's interface (0 otherwise), which answering it takes.
         */
        void broadcastReceived(long addrHi, long addrLo, int port, int scopeId, NtpPacket packet, long rxNs,
                long nowNs);
    }

    private final ClockControl clock;
    private final LongUnaryOperator kernelToClockNs;
    private final UdpSocket v4;
    private final UdpSocket v6;
    private final UdpSocket.Options options;
    private final int peerLocalPort;
    private final List<String> serverAddresses;
    /** Peer sockets by poller token - PEER_BASE; null where one was closed. */
    private final List<UdpSocket> peerSockets = new ArrayList<>();
    /** Sockets bound to a broadcast address or a multicast group (broadcastclient, multicastclient). */
    private final List<UdpSocket> listenSockets = new ArrayList<>();
    private final Poller poller;
    private final PacketBatch rx = new PacketBatch(BATCH);
    // Room for an NTS request: a cookie and seven placeholders of NTPsec's 168-byte cookies come to about 1.5 KB.
    private final PacketBatch tx = new PacketBatch(1, PacketBatch.DEFAULT_DATA_BYTES);
    private final PacketBatch reports = new PacketBatch(BATCH, PacketBatch.MIN_DATA_BYTES);
    private final NtpPacket request = new NtpPacket();
    private final NtpPacket received = new NtpPacket();
    private long sendNs;

    /**
     * @param kernelToClockNs maps a kernel timestamp (CLOCK_REALTIME) onto the disciplined clock's timescale
     * @param options         the sockets' settings ({@link UdpSocket.Options#DEFAULT} in the daemon)
     * @param peerLocalPort   the port symmetric peers' sockets are bound to (the server's)
     * @param serverAddresses the server's bind addresses (none: the wildcard), a peer's socket takes its family's first
     */
    ClientSockets(ClockControl clock, LongUnaryOperator kernelToClockNs, UdpSocket.Options options, int peerLocalPort,
            List<String> serverAddresses) {
        this.clock = clock;
        this.kernelToClockNs = kernelToClockNs;
        this.options = options;
        this.peerLocalPort = peerLocalPort;
        this.serverAddresses = List.copyOf(serverAddresses);
        this.v4 = UdpSocket.open(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 0), options);
        UdpSocket six = null;
        try {
            six = UdpSocket.open(new InetSocketAddress(InetAddress.ofLiteral("::"), 0), options);
        } catch (NativeException e) {
            Log.info("no IPv6 client socket (" + e.getMessage() + "); IPv6 servers will not be reachable");
        }
        this.v6 = six;
        tx.requestTxTimestamp(0, true); // every request's kernel TX time becomes its T1
        this.poller = new Poller(8);
        poller.add(v4.fd(), Net.EPOLLIN | Net.EPOLLERR, V4);
        if (v6 != null) {
            poller.add(v6.fd(), Net.EPOLLIN | Net.EPOLLERR, V6);
        }
    }

    /** The socket for {@code address}'s family; null for IPv6 on a host without an IPv6 socket. */
    UdpSocket socketFor(InetAddress address) {
        return address instanceof Inet4Address ? v4 : v6;
    }

    /**
     * A socket for the symmetric peer at {@code peer}: bound to the server's port (SO_REUSEADDR, beside the server's
     * sockets, which set it when peers are configured) and connected to the peer, so the kernel hands it the peer's
     * datagrams before the server's sockets see them. When that port cannot be had (taken without SO_REUSEADDR, or
     * no privilege for it), the client's socket of the family, said at WARN: the peer then answers us as a stranger.
     */
    UdpSocket peerSocket(InetSocketAddress peer) {
        boolean v4Peer = peer.getAddress() instanceof Inet4Address;
        InetAddress address = InetAddress.ofLiteral(v4Peer ? "0.0.0.0" : "::");
        for (String a : serverAddresses) {
            InetAddress bound = InetAddress.ofLiteral(a);
            if (bound instanceof Inet4Address == v4Peer) {
                address = bound; // the peer sees us at the address we serve on
                break;
            }
        }
        InetSocketAddress local = new InetSocketAddress(address, peerLocalPort);
        UdpSocket s;
        try {
            s = UdpSocket.open(local, options.withReuseAddress(true));
        } catch (NativeException e) {
            Log.warn("peer " + peer.getAddress().getHostAddress() + ": cannot send from port " + peerLocalPort + " ("
                    + e.getMessage() + "); it sends from the client's port, and the peer may take it for a stranger");
            return socketFor(peer.getAddress());
        }
        try {
            s.connect(peer);
        } catch (NativeException e) {
            s.close();
            Log.warn("peer " + peer.getAddress().getHostAddress() + ": " + e.getMessage()
                    + "; it sends from the client's port");
            return socketFor(peer.getAddress());
        }
        poller.add(s.fd(), Net.EPOLLIN | Net.EPOLLERR, PEER_BASE + peerSockets.size());
        peerSockets.add(s);
        return s;
    }

    /**
     * broadcastclient and multicastclient: a socket bound to each IPv4 interface's broadcast address (as ntpd binds
     * them), and one bound to each multicast group, joined on every IPv4 interface that does multicast (IPv6 groups:
     * {@link #listenIpv6}), all on the
     * server's port beside the server's sockets (SO_REUSEADDR: the kernel gives every socket bound to the port a copy of
     * a broadcast, and a socket bound to the group address sees nothing else). Interfaces are read now: one that comes
     * later is not listened on until a restart. Returns what it listens on, for the log; setup only.
     */
    List<String> listenForBroadcasts(boolean broadcastClient, List<String> groups) {
        List<String> listening = new ArrayList<>();
        List<java.net.InterfaceAddress> ipv4 = new ArrayList<>();
        List<InetAddress> multicastInterfaces = new ArrayList<>();
        try {
            for (java.net.NetworkInterface ni : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (java.net.InterfaceAddress ia : ni.getInterfaceAddresses()) {
                    if (ia.getAddress() instanceof Inet4Address) {
                        ipv4.add(ia);
                        if (ni.supportsMulticast() && !ni.isLoopback()) {
                            multicastInterfaces.add(ia.getAddress());
                        }
                    }
                }
            }
        } catch (java.net.SocketException e) {
            Log.warn("broadcast client: cannot list the interfaces (" + e.getMessage() + ")");
        }
        if (broadcastClient) {
            for (java.net.InterfaceAddress ia : ipv4) {
                InetAddress b = ia.getBroadcast();
                if (b != null && listen(new InetSocketAddress(b, peerLocalPort)) != null) {
                    listening.add(b.getHostAddress());
                }
            }
            if (listening.isEmpty()) {
                Log.warn("broadcastclient: no IPv4 interface with a broadcast address is up; no broadcast will be heard");
            }
        }
        for (String g : groups) {
            InetAddress group = InetAddress.ofLiteral(g);
            if (group instanceof Inet6Address) {
                if (listenIpv6(group)) {
                    listening.add(g);
                }
                continue;
            }
            UdpSocket s = listen(new InetSocketAddress(group, peerLocalPort));
            if (s == null) {
                continue;
            }
            int joined = 0;
            for (InetAddress iface : multicastInterfaces) {
                try {
                    s.joinGroup(group, iface);
                    joined++;
                } catch (NativeException e) {
                    Log.warn("multicastclient " + g + ": cannot join on " + iface.getHostAddress() + " (" + e.getMessage() + ")");
                }
            }
            if (joined == 0) {
                try {
                    s.joinGroup(group, null); // the interface the routing table picks for the group
                    joined++;
                } catch (NativeException e) {
                    Log.warn("multicastclient " + g + ": cannot join (" + e.getMessage() + "); no multicast will be heard");
                }
            }
            if (joined > 0) {
                listening.add(g);
            }
        }
        return listening;
    }

    /**
     * An IPv6 group, joined (IPV6_JOIN_GROUP) on every interface that is up, does multicast and has IPv6. A group of
     * wider scope (ff05::101) gets one socket bound to it; a link-local one (ff02::101) one socket per interface, bound
     * to the group with that interface as its scope (the kernel binds no link-local address without one). Whether any
     * join succeeded.
     */
    private boolean listenIpv6(InetAddress group) {
        List<java.net.NetworkInterface> interfaces;
        try {
            interfaces = ipv6MulticastInterfaces();
        } catch (java.net.SocketException e) {
            Log.warn("multicastclient " + AddressText.of(group) + ": cannot list the interfaces (" + e.getMessage()
                    + ")");
            return false;
        }
        if (interfaces.isEmpty()) {
            Log.warn("multicastclient " + AddressText.of(group) + ": no interface is up with IPv6 and multicast; no"
                    + " multicast will be heard");
            return false;
        }
        boolean scoped = BroadcastSender.needsScope(group);
        UdpSocket shared = scoped ? null : listen(new InetSocketAddress(group, peerLocalPort));
        if (!scoped && shared == null) {
            return false;
        }
        int joined = 0;
        for (java.net.NetworkInterface ni : interfaces) {
            UdpSocket s = shared;
            if (scoped) {
                try {
                    s = listen(new InetSocketAddress(Inet6Address.getByAddress(null, group.getAddress(), ni.getIndex()),
                            peerLocalPort));
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException(e); // not for 16 bytes
                }
                if (s == null) {
                    continue;
                }
            }
            try {
                s.joinGroupIpv6(group, ni.getIndex());
                joined++;
            } catch (NativeException e) {
                Log.warn("multicastclient " + AddressText.of(group) + ": cannot join on " + ni.getName() + " ("
                        + e.getMessage() + ")");
            }
        }
        return joined > 0;
    }

    /** The interfaces an IPv6 group is joined on, or sent on: up, not loopback, multicast, with an IPv6 address. */
    static List<java.net.NetworkInterface> ipv6MulticastInterfaces() throws java.net.SocketException {
        List<java.net.NetworkInterface> out = new ArrayList<>();
        for (java.net.NetworkInterface ni
                : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (ni.isUp() && !ni.isLoopback() && ni.supportsMulticast() && java.util.Collections
                    .list(ni.getInetAddresses()).stream().anyMatch(a -> a instanceof Inet6Address)) {
                out.add(ni);
            }
        }
        out.sort(java.util.Comparator.comparingInt(java.net.NetworkInterface::getIndex));
        return out;
    }

    private UdpSocket listen(InetSocketAddress at) {
        UdpSocket s;
        try {
            s = UdpSocket.open(at, options.withReuseAddress(true));
        } catch (NativeException e) {
            Log.warn("cannot listen for broadcasts on " + at.getAddress().getHostAddress() + " port " + at.getPort()
                    + " (" + e.getMessage() + ")");
            return null;
        }
        poller.add(s.fd(), Net.EPOLLIN | Net.EPOLLERR, LISTEN_BASE + listenSockets.size());
        listenSockets.add(s);
        return s;
    }

    /** Closes {@code socket} if it is a peer's (its association went); the shared sockets stay. */
    void release(UdpSocket socket) {
        int i = peerSockets.indexOf(socket);
        if (i >= 0) {
            poller.remove(socket.fd());
            socket.close();
            peerSockets.set(i, null);
        }
    }

    /** The request buffer, header zeroed, for an association to write its next request into. */
    NtpPacket request() {
        return request.wrap(tx.data(0), 0, NtpPacket.HEADER_LENGTH).clearHeader();
    }

    /** The request's bytes (the header at 0, then room for extension fields or a MAC), {@link #requestCapacity()} long. */
    MemorySegment requestData() {
        return tx.data(0);
    }

    int requestCapacity() {
        return (int) tx.data(0).byteSize();
    }

    /** {@link #send(UdpSocket, InetSocketAddress, int)} of the header alone. */
    int send(UdpSocket socket, InetSocketAddress to) {
        return send(socket, to, NtpPacket.HEADER_LENGTH);
    }

    /**
     * Sends the first {@code length} bytes of {@link #requestData()} (the header, and what authentication appended)
     * to {@code to} on {@code socket}; returns the bytes sent or -errno. The clock is read just before the send
     * ({@link #sendNs()}): a request's T1 when its kernel TX timestamp never comes (a median 331 us closer to the
     * wire than the loop pass's time it replaced).
     */
    int send(UdpSocket socket, InetSocketAddress to, int length) {
        tx.length(0, length);
        tx.address(0, to);
        sendNs = clock.nowNs();
        return socket.sendOne(tx, 0);
    }

    /** The clock read just before the last {@link #send}. */
    long sendNs() {
        return sendNs;
    }

    /** The TX id of the last request sent (its kernel TX timestamp's report carries it). */
    int txId() {
        return tx.txId(0);
    }

    /** Waits up to {@code waitMs} for packets or TX timestamps; returns the ready sockets' count for {@link #dispatch}. */
    int await(int waitMs) {
        return poller.await(waitMs);
    }

    /**
     * Hands what the {@code ready} sockets of the last {@link #await} hold to {@code handler}, each socket's TX
     * timestamps first (a reply read before its request's kernel TX timestamp would be paired with the send-call
     * time). A packet without a kernel RX timestamp is taken as received at {@code nowNs}, the pass's time.
     */
    void dispatch(int ready, long nowNs, Handler handler) {
        for (int i = 0; i < ready; i++) {
            long token = poller.token(i);
            if (token >= LISTEN_BASE) {
                receive(listenSockets.get((int) (token - LISTEN_BASE)), nowNs, handler, true);
                continue;
            }
            UdpSocket s = token == V4 ? v4 : token == V6 ? v6 : peerSockets.get((int) (token - PEER_BASE));
            if (s == null) {
                continue; // released since the wait
            }
            collectTxTimestamps(s, handler);
            receive(s, nowNs, handler, false);
        }
    }

    private void collectTxTimestamps(UdpSocket socket, Handler handler) {
        int n;
        while ((n = socket.receiveTxTimestamps(reports)) > 0) {
            for (int i = 0; i < n; i++) {
                if (reports.isTxTimestamp(i) && reports.txSoftwareNs(i) != 0) {
                    handler.transmitted(socket, reports.txId(i), kernelToClockNs.applyAsLong(reports.txSoftwareNs(i)));
                }
            }
        }
    }

    private void receive(UdpSocket socket, long nowNs, Handler handler, boolean broadcast) {
        int n;
        while ((n = socket.receive(rx)) > 0) {
            for (int i = 0; i < n; i++) {
                int len = rx.length(i);
                if (NtpPacketValidator.classify(rx.data(i), 0, len) != Malformation.OK) {
                    continue;
                }
                long rxNs = rx.rxSoftwareNs(i) != 0 ? kernelToClockNs.applyAsLong(rx.rxSoftwareNs(i)) : nowNs;
                if (broadcast) {
                    handler.broadcastReceived(rx.addressHigh(i), rx.addressLow(i), rx.port(i), rx.ipv6ScopeId(i),
                            received.wrap(rx.data(i), 0, len), rxNs, nowNs);
                } else {
                    handler.received(rx.addressHigh(i), rx.addressLow(i), rx.port(i), received.wrap(rx.data(i), 0, len),
                            rxNs, nowNs);
                }
            }
        }
    }

    @Override
    public void close() {
        poller.close();
        for (UdpSocket s : peerSockets) {
            if (s != null) {
                s.close();
            }
        }
        listenSockets.forEach(UdpSocket::close);
        v4.close();
        if (v6 != null) {
            v6.close();
        }
        reports.close();
        tx.close();
        rx.close();
    }
}
