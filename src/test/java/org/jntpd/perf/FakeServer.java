package org.jntpd.perf;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Net;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;

/**
 * A loopback NTP server with known behaviour, for checking what the generator reports against the truth: it stamps
 * T2 with the kernel RX time and T3 = T2 + {@code serverNs} exactly, drops every request whose arrival number n has
 * n % dropEvery == dropAt, and answers n % kodEvery == kodAt with a RATE kiss. An interleaved request (origin odd,
 * receive != transmit) gets origin = its receive field and T3 = the echoed T2 + {@code serverNs}. Counts what it did. Runs on its own
 * thread until closed (bounded by a 60 s deadline).
 */
final class FakeServer implements AutoCloseable {
    private final UdpSocket socket;
    private final PacketBatch in = new PacketBatch(32, PacketBatch.MIN_DATA_BYTES);
    private final PacketBatch out = new PacketBatch(32, PacketBatch.MIN_DATA_BYTES);
    private final NtpPacket request = new NtpPacket();
    private final NtpPacket reply = new NtpPacket();
    private final long serverNs;
    private final int dropEvery;
    private final int dropAt;
    private final int kodEvery;
    private final int kodAt;
    private final Thread thread;
    private volatile boolean running = true;
    volatile long received;
    volatile long replied;
    volatile long dropped;
    volatile long kissed;
    volatile long interleaved;
    volatile long unstamped;

    /** Added to every T2 (0: T2 is the kernel's RX stamp). */
    private final long rxStampOffsetNs;
    /** Long.MIN_VALUE: basic T3 = T2 + serverNs; else basic T3 = the clock read just before sendmmsg + this. */
    private final long txClockOffsetNs;
    private final long[] txSlots = new long[32];
    private int pendingTxSlots;

    FakeServer(long serverNs, int dropEvery, int dropAt, int kodEvery, int kodAt) {
        this(serverNs, dropEvery, dropAt, kodEvery, kodAt, 0, Long.MIN_VALUE);
    }

    /**
     * A server whose timestamp errors are known: T2 = kernel RX stamp + {@code rxStampOffsetNs}; a basic reply's T3 =
     * the clock read just before its sendmmsg + {@code txClockOffsetNs} (T3 then precedes the reply's departure by
     * the send call, less the offset); an interleaved reply's T3 = the echoed T2 + {@code serverNs}.
     */
    FakeServer(long serverNs, int dropEvery, int dropAt, int kodEvery, int kodAt, long rxStampOffsetNs,
            long txClockOffsetNs) {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serverNs, dropEvery, dropAt, kodEvery, kodAt,
                rxStampOffsetNs, txClockOffsetNs);
    }

    /** As above, bound to {@code bind} (a namespace's address, for the raw sender's test). */
    FakeServer(InetSocketAddress bind, long serverNs, int dropEvery, int dropAt, int kodEvery, int kodAt,
            long rxStampOffsetNs, long txClockOffsetNs) {
        // RX stamps only: TX reports nobody reads would fill the error queue and then the receive buffer.
        this.socket = UdpSocket.open(bind, UdpSocket.Options.DEFAULT.withTimestamps(
                UdpSocket.TimestampMode.TIMESTAMPNS).withBufferBytes(4 << 20, 4 << 20));
        this.rxStampOffsetNs = rxStampOffsetNs;
        this.txClockOffsetNs = txClockOffsetNs;
        this.serverNs = serverNs;
        this.dropEvery = dropEvery;
        this.dropAt = dropAt;
        this.kodEvery = kodEvery;
        this.kodAt = kodAt;
        thread = Thread.ofPlatform().name("fake-ntp-server").daemon().start(this::serve);
    }

    int port() {
        return socket.localAddress().getPort();
    }

    private void serve() {
        long deadlineNs = System.nanoTime() + 60_000_000_000L;
        while (running && System.nanoTime() - deadlineNs < 0) {
            if (socket.poll(Net.POLLIN, 20) <= 0) {
                continue;
            }
            int got;
            while ((got = socket.receive(in)) > 0) {
                int n = 0;
                for (int i = 0; i < got; i++) {
                    if (answer(i, n)) {
                        n++;
                    }
                }
                if (n > 0) {
                    if (txClockOffsetNs != Long.MIN_VALUE) {
                        long t3 = NtpTimestamp.fromUnixNs(org.jntpd.platform.Libc.clockGettimeNs(
                                org.jntpd.platform.Clocks.CLOCK_REALTIME) + txClockOffsetNs) & ~1L;
                        for (int k = 0; k < pendingTxSlots; k++) {
                            reply.wrap(out.data((int) txSlots[k]), 0, NtpPacket.HEADER_LENGTH).transmitTs(t3);
                        }
                    }
                    pendingTxSlots = 0;
                    socket.send(out, n);
                }
            }
        }
    }

    private boolean answer(int i, int slot) {
        long count = received;
        received = count + 1;
        if (dropEvery > 0 && count % dropEvery == dropAt) {
            dropped++;
            return false;
        }
        long rxNs = in.rxSoftwareNs(i);
        if (rxNs == 0) {
            unstamped++;
            return false;
        }
        request.wrap(in.data(i), 0, NtpPacket.HEADER_LENGTH);
        reply.wrap(out.data(slot), 0, NtpPacket.HEADER_LENGTH).clearHeader().replyTo(request, NtpPacket.MODE_SERVER);
        if (kodEvery > 0 && count % kodEvery == kodAt) {
            reply.leap(NtpPacket.LEAP_UNSYNCHRONIZED).stratum(0).refId(NtpPacket.KISS_RATE);
            kissed++;
        } else {
            // Receive stamps odd, transmit stamps even, as chrony marks them; an interleaved request echoes a T2.
            long t2 = NtpTimestamp.fromUnixNs(rxNs + rxStampOffsetNs) | 1L;
            reply.stratum(1).refId(NtpPacket.REFID_LOCL).receiveTs(t2);
            long origin = request.originTs();
            if ((origin & 1L) != 0 && request.receiveTs() != request.transmitTs()) {
                // The "precise" T3 of the earlier reply: serverNs after its T2, which is what the client echoed.
                reply.originTs(request.receiveTs()).transmitTs(NtpTimestamp.plusNs(origin, serverNs));
                interleaved++;
            } else {
                reply.transmitTs(NtpTimestamp.plusNs(t2, serverNs));
                if (txClockOffsetNs != Long.MIN_VALUE) {
                    txSlots[pendingTxSlots++] = slot; // T3 from the clock just before the send
                }
            }
            replied++;
        }
        out.copyAddress(in, i, slot);
        out.length(slot, NtpPacket.HEADER_LENGTH);
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
        socket.close();
        in.close();
        out.close();
    }
}
