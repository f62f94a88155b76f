package org.jntpd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A UDP socket bound to a chosen loopback address (any of 127/8 on Linux) for talking to the daemon: send bytes,
 * receive with a time bound, or run one NTP exchange. Not for the packet path of anything under test.
 */
public final class UdpClient implements AutoCloseable {
    private final DatagramChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(65_536);

    /** Binds to {@code localAddress} (a literal such as "127.0.0.2") at an ephemeral port. */
    public UdpClient(String localAddress) throws IOException {
        channel = DatagramChannel.open();
        try {
            channel.bind(new InetSocketAddress(InetAddress.ofLiteral(localAddress), 0));
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code data} as one datagram (empty arrays make an empty datagram). */
    public void send(byte[] data, InetSocketAddress to) throws IOException {
        int sent = channel.send(ByteBuffer.wrap(data), to);
        if (sent != data.length) {
            throw new IOException("send of " + data.length + " bytes to " + to + " sent " + sent);
        }
    }

    /** The next datagram received within {@code timeoutMs}, or null. */
    public byte[] receive(long timeoutMs) throws IOException {
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            in.clear();
            if (channel.receive(in) != null) {
                in.flip();
                byte[] b = new byte[in.remaining()];
                in.get(b);
                return b;
            }
            long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                return null;
            }
            selector.select(leftMs);
            selector.selectedKeys().clear();
        }
    }

    /** One exchange result: the reply and our send/receive times (NTP timestamps). */
    public record Exchange(RawNtp.Header reply, long t1Ntp64, long t4Ntp64) {
        public long offsetNs() {
            return reply.offsetNs(t1Ntp64, t4Ntp64);
        }

        public long delayNs() {
            return reply.delayNs(t1Ntp64, t4Ntp64);
        }
    }

    /**
     * Sends a client request of {@code version} and waits up to {@code timeoutMs} for the reply whose origin echoes
     * it (other datagrams are skipped); null when none came.
     */
    public Exchange query(InetSocketAddress server, int version, long timeoutMs) throws IOException {
        long t1 = RawNtp.nowNtp64();
        send(RawNtp.request(version, t1), server);
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000;
            byte[] b = receive(Math.max(leftMs, 0));
            long t4 = RawNtp.nowNtp64();
            if (b == null) {
                return null;
            }
            RawNtp.Header h = RawNtp.Header.parse(b, b.length);
            if (h != null && h.originTs() == t1) {
                return new Exchange(h, t1, t4);
            }
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
