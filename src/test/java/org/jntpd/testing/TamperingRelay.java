package org.jntpd.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;

/**
 * A UDP relay on a loopback address for one client at a time: requests go on to the server unchanged; replies go back
 * as they came ({@link Mode#PASS}), twice ({@link Mode#REPLAY}: a man in the middle repeating what the server said), or
 * with one byte flipped ({@link Mode#FLIP}, the position chosen from the reply's length by the caller: altering it);
 * or requests go with a byte of their NTS cookie flipped ({@link Mode#SPOIL_COOKIE}: the server cannot open it).
 * Counts what it altered or repeated; closed by the test.
 */
public final class TamperingRelay implements AutoCloseable {
    public enum Mode { PASS, REPLAY, FLIP, SPOIL_COOKIE }

    /** {@link Mode#SPOIL_COOKIE} flips this byte of each request: inside an NTS request's cookie (header 48, UID 36, field header 4). */
    public static final int COOKIE_BYTE = 100;

    private volatile Mode mode = Mode.FLIP;
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
        this(new InetSocketAddress(InetAddress.ofLiteral(listen), 0), server, positionForLength);
    }

    /** A relay on {@code listen} (a loopback address and port) to {@code server}. */
    public TamperingRelay(InetSocketAddress listen, InetSocketAddress server, IntUnaryOperator positionForLength)
            throws IOException {
        this.front = new DatagramSocket(listen);
        this.back = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        back.connect(server);
        this.positionForLength = positionForLength;
        this.up = Thread.ofPlatform().daemon().name("relay-up").start(this::requests);
        this.down = Thread.ofPlatform().daemon().name("relay-down").start(this::replies);
    }

    public int port() {
        return front.getLocalPort();
    }

    /** What to do with the replies from now on ({@link Mode#FLIP} at first). */
    public void mode(Mode m) {
        mode = m;
    }

    /** Replies altered or repeated so far. */
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
                if (mode == Mode.SPOIL_COOKIE && p.getLength() > COOKIE_BYTE) {
                    buf[COOKIE_BYTE] ^= 0x01;
                    tampered.incrementAndGet();
                }
                try {
                    back.send(new DatagramPacket(buf, p.getLength()));
                } catch (PortUnreachableException e) {
                    // the server is down for a moment (restarting): this request is lost, as on a network
                }
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
                try {
                    back.receive(p);
                } catch (PortUnreachableException e) {
                    continue; // the ICMP error of a request sent while the server was down
                }
                Mode m = mode;
                int at = positionForLength.applyAsInt(p.getLength());
                if (m == Mode.FLIP && at >= 0 && at < p.getLength()) {
                    buf[at] ^= 0x01;
                    tampered.incrementAndGet();
                }
                SocketAddress to = client;
                if (to != null) {
                    front.send(new DatagramPacket(buf, p.getLength(), to));
                    if (m == Mode.REPLAY) {
                        front.send(new DatagramPacket(buf, p.getLength(), to));
                        tampered.incrementAndGet();
                    }
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
