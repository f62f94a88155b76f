package org.jntpd.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;

/**
 * A UDP relay on a loopback address for one client at a time: requests go on to the server unchanged, and each reply has one
 * byte flipped (its position chosen from the reply's length by the caller) before it goes back: a man in the middle
 * who alters what the server said. Counts what it relayed and altered; closed by the test.
 */
public final class TamperingRelay implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final IntUnaryOperator positionForLength;
    private final AtomicLong tampered = new AtomicLong();
    private volatile SocketAddress client;
    private final Thread up;
    private final Thread down;

    /**
     * @param listen            the loopback address the client sends to (a free port is taken)
     * @param positionForLength the index of the byte to flip in a reply of the given length (-1: leave it)
     */
    public TamperingRelay(String listen, InetSocketAddress server, IntUnaryOperator positionForLength) throws IOException {
        this.front = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(listen), 0));
        this.back = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        back.connect(server);
        this.positionForLength = positionForLength;
        this.up = Thread.ofPlatform().daemon().name("relay-up").start(this::requests);
        this.down = Thread.ofPlatform().daemon().name("relay-down").start(this::replies);
    }

    public int port() {
        return front.getLocalPort();
    }

    /** Replies altered so far. */
    public long tampered() {
        return tampered.get();
    }

    private void requests() {
        byte[] buf = new byte[4096];
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                front.receive(p);
                client = p.getSocketAddress();
                back.send(new DatagramPacket(buf, p.getLength()));
            }
        } catch (SocketException e) {
            // closed
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void replies() {
        byte[] buf = new byte[4096];
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                back.receive(p);
                int at = positionForLength.applyAsInt(p.getLength());
                if (at >= 0 && at < p.getLength()) {
                    buf[at] ^= 0x01;
                    tampered.incrementAndGet();
                }
                SocketAddress to = client;
                if (to != null) {
                    front.send(new DatagramPacket(buf, p.getLength(), to));
                }
            }
        } catch (SocketException e) {
            // closed
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        front.close();
        back.close();
        up.join(2000);
        down.join(2000);
    }
}
