package org.jntpd.guest;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The coarse source the guest's daemons number their PPS seconds with: the project's jntpd with {@code -x} serving the
 * host's clock as stratum 1 ({@code local stratum 1}) on 127.0.0.1, never touching it, behind a relay on the host's
 * loopback that holds every packet a fixed time each way. The guest reaches the relay as 10.0.2.2.
 *
 * <p>Why the relay: the pulses are the guest's raw clock, aligned to the host's seconds only as well as a
 * {@code chronyd -q} through qemu's user-mode network sets the guest clock (a few hundred us) and drifting ~1 ppm
 * from it, while slirp's 0.3-0.6 ms round trips give the server an interval narrower than that: jntpd and chronyd
 * alike found "no majority" between the two sources within a minute. A server some milliseconds away (as an
 * Internet server is) has an interval of that size, and the pulses lie inside it.
 */
public final class HostTimeServer implements AutoCloseable {
    private static final int NTP_PACKET = 48;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process jntpd;
    private final Path log;
    private final DatagramSocket front;
    private final InetSocketAddress upstream;
    private final long requestDelayNs;
    private final long replyDelayNs;
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("relay-send").daemon().factory());
    private final Map<SocketAddress, DatagramSocket> backs = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    private HostTimeServer(Process jntpd, Path log, int serverPort, Duration requestDelay, Duration replyDelay)
            throws IOException {
        this.jntpd = jntpd;
        this.log = log;
        this.upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
        this.requestDelayNs = requestDelay.toNanos();
        this.replyDelayNs = replyDelay.toNanos();
        this.front = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().name("relay-front").daemon().start(this::relayFront);
    }

    /**
     * Starts jntpd -x on a free port and the relay in front of it; returns once the server answers as stratum 1.
     * Through the relay the server seems {@code (requestDelay - replyDelay) / 2} ahead of its clock, as a client
     * computes the offset from a path it takes to be symmetric.
     *
     * @param workDir      where the configuration and the log go
     * @param requestDelay how long the relay holds a request
     * @param replyDelay   how long it holds a reply
     */
    public static HostTimeServer start(Path workDir, Duration requestDelay, Duration replyDelay) throws IOException,
            TimeoutException, InterruptedException {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path conf = workDir.resolve("host-jntpd.conf");
        Files.writeString(conf, "port " + port + "\nbindaddress 127.0.0.1\nlocal stratum 1\n");
        Path log = workDir.resolve("host-jntpd.log");
        Path project = Path.of(System.getProperty("jntpd.projectDir", System.getProperty("user.dir"))).toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(project.resolve("bin/jntpd").toString(), "-x", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JNTPD_CLASSPATH",
                Path.of(System.getProperty("jntpd.buildDir", "target")).toAbsolutePath().resolve("classes").toString());
        pb.environment().put("JNTPD_FORBID_HOST_CLOCK", "1"); // -x already; this makes sure
        Process p = pb.start();
        HostTimeServer s = new HostTimeServer(p, log, port, requestDelay, replyDelay);
        try {
            s.awaitStratumOne();
        } catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The relay's port on 127.0.0.1 (10.0.2.2 from the guest). */
    public int port() {
        return front.getLocalPort();
    }

    /** The server's own port, without the relay. */
    public int directPort() {
        return upstream.getPort();
    }

    /** The server's log. */
    public String log() throws IOException {
        return Files.readString(log);
    }

    private void awaitStratumOne() throws IOException, TimeoutException, InterruptedException {
        long deadlineNs = System.nanoTime() + START_TIMEOUT.toNanos();
        byte[] request = new byte[NTP_PACKET];
        request[0] = 0x23; // LI 0, version 4, mode 3
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(500);
            while (System.nanoTime() - deadlineNs < 0) {
                if (!jntpd.isAlive()) {
                    throw new IOException("the host's jntpd -x ended (exit " + jntpd.exitValue() + "):\n" + log());
                }
                s.send(new DatagramPacket(request, NTP_PACKET, upstream));
                DatagramPacket reply = new DatagramPacket(new byte[NTP_PACKET], NTP_PACKET);
                try {
                    s.receive(reply);
                    if (reply.getLength() >= NTP_PACKET && (reply.getData()[0] & 0xC0) != 0xC0 && reply.getData()[1] == 1) {
                        return;
                    }
                } catch (SocketTimeoutException notYet) {
                    // the JVM is still starting
                }
                Thread.sleep(200);
            }
        }
        throw new TimeoutException("the host's jntpd -x did not serve stratum 1 in " + START_TIMEOUT + ":\n" + log());
    }

    /** Client to server: each client gets its own upstream socket, so the replies find their way back. */
    private void relayFront() {
        byte[] buf = new byte[2048];
        while (running) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                front.receive(p);
            } catch (IOException e) {
                return; // closed
            }
            SocketAddress client = p.getSocketAddress();
            byte[] data = Arrays.copyOf(p.getData(), p.getLength());
            DatagramSocket back = backs.computeIfAbsent(client, this::openBack);
            if (back != null) {
                later(requestDelayNs, () -> back.send(new DatagramPacket(data, data.length, upstream)));
            }
        }
    }

    private DatagramSocket openBack(SocketAddress client) {
        try {
            DatagramSocket back = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().name("relay-back").daemon().start(() -> relayBack(back, client));
            return back;
        } catch (SocketException e) {
            return null;
        }
    }

    /** Server to client. */
    private void relayBack(DatagramSocket back, SocketAddress client) {
        byte[] buf = new byte[2048];
        while (running) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                back.receive(p);
            } catch (IOException e) {
                return;
            }
            byte[] data = Arrays.copyOf(p.getData(), p.getLength());
            later(replyDelayNs, () -> front.send(new DatagramPacket(data, data.length, client)));
        }
    }

    private interface Send {
        void run() throws IOException;
    }

    private void later(long delayNs, Send send) {
        sender.schedule(() -> {
            try {
                send.run();
            } catch (IOException closed) {
                // the relay is shutting down
            }
        }, delayNs, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        running = false;
        front.close();
        backs.values().forEach(DatagramSocket::close);
        sender.shutdownNow();
        jntpd.destroy();
        try {
            if (!jntpd.waitFor(10, TimeUnit.SECONDS)) {
                jntpd.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            jntpd.destroyForcibly();
        }
    }
}
