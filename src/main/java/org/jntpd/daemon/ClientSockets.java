package org.jntpd.daemon;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.LongUnaryOperator;
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
 * The client's NTP sockets (chrony's ntp_io): one timestamping socket per address family on an ephemeral port, waited
 * on together. A request is sent from one preallocated buffer with the clock read just before it leaves, its send
 * time for as long as no kernel TX timestamp replaces it; what arrives is handed on, TX timestamps first, then valid
 * NTP packets with their receive times, both on the disciplined clock's timescale. Nothing is allocated per packet.
 */
final class ClientSockets implements AutoCloseable {
    private static final int BATCH = 16;
    private static final long V4 = 4;
    private static final long V6 = 6;

    /** Where received packets and TX timestamps go (on the loop's thread). */
    interface Handler {
        /** The kernel's TX timestamp {@code txNs} of the datagram {@code txId} sent on {@code socket}. */
        void transmitted(UdpSocket socket, int txId, long txNs);

        /**
         * A valid NTP packet from {@code addrHi/addrLo:port} (see {@link PacketBatch#addressHigh}), its header in
         * {@code packet} (valid until this returns), received at {@code rxNs}; {@code nowNs} is the loop pass's time.
         */
        void received(long addrHi, long addrLo, int port, NtpPacket packet, long rxNs, long nowNs);
    }

    private final ClockControl clock;
    private final LongUnaryOperator kernelToClockNs;
    private final UdpSocket v4;
    private final UdpSocket v6;
    private final Poller poller;
    private final PacketBatch rx = new PacketBatch(BATCH);
    private final PacketBatch tx = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES);
    private final PacketBatch reports = new PacketBatch(BATCH, PacketBatch.MIN_DATA_BYTES);
    private final NtpPacket request = new NtpPacket();
    private final NtpPacket received = new NtpPacket();
    private long sendNs;

    /**
     * @param kernelToClockNs maps a kernel timestamp (CLOCK_REALTIME) onto the disciplined clock's timescale
     * @param options         the sockets' settings ({@link UdpSocket.Options#DEFAULT} in the daemon)
     */
    ClientSockets(ClockControl clock, LongUnaryOperator kernelToClockNs, UdpSocket.Options options) {
        this.clock = clock;
        this.kernelToClockNs = kernelToClockNs;
        this.v4 = UdpSocket.open(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 0), options);
        UdpSocket six = null;
        try {
            six = UdpSocket.open(new InetSocketAddress(InetAddress.ofLiteral("::"), 0), options);
        } catch (NativeException e) {
            Log.info("no IPv6 client socket (" + e.getMessage() + "); IPv6 servers will not be reachable");
        }
        this.v6 = six;
        tx.requestTxTimestamp(0, true); // every request's kernel TX time becomes its T1
        this.poller = new Poller(2);
        poller.add(v4.fd(), Net.EPOLLIN | Net.EPOLLERR, V4);
        if (v6 != null) {
            poller.add(v6.fd(), Net.EPOLLIN | Net.EPOLLERR, V6);
        }
    }

    /** The socket for {@code address}'s family; null for IPv6 on a host without an IPv6 socket. */
    UdpSocket socketFor(InetAddress address) {
        return address instanceof Inet4Address ? v4 : v6;
    }

    /** The request buffer, header zeroed, for an association to write its next request into. */
    NtpPacket request() {
        return request.wrap(tx.data(0), 0, NtpPacket.HEADER_LENGTH).clearHeader();
    }

    /**
     * Sends the header in {@link #request()} to {@code to} on {@code socket}; returns the bytes sent or -errno. The
     * clock is read just before the send ({@link #sendNs()}): a request's T1 when its kernel TX timestamp never
     * comes (a median 331 us closer to the wire than the loop pass's time it replaced).
     */
    int send(UdpSocket socket, InetSocketAddress to) {
        tx.length(0, NtpPacket.HEADER_LENGTH);
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
            UdpSocket s = poller.token(i) == V4 ? v4 : v6;
            collectTxTimestamps(s, handler);
            receive(s, nowNs, handler);
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

    private void receive(UdpSocket socket, long nowNs, Handler handler) {
        int n;
        while ((n = socket.receive(rx)) > 0) {
            for (int i = 0; i < n; i++) {
                int len = rx.length(i);
                if (NtpPacketValidator.classify(rx.data(i), 0, len) != Malformation.OK) {
                    continue;
                }
                long rxNs = rx.rxSoftwareNs(i) != 0 ? kernelToClockNs.applyAsLong(rx.rxSoftwareNs(i)) : nowNs;
                handler.received(rx.addressHigh(i), rx.addressLow(i), rx.port(i), received.wrap(rx.data(i), 0, len),
                        rxNs, nowNs);
            }
        }
    }

    @Override
    public void close() {
        poller.close();
        v4.close();
        if (v6 != null) {
            v6.close();
        }
        reports.close();
        tx.close();
        rx.close();
    }
}
