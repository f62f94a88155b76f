package org.jntpd.server.linux;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.jntpd.config.Config;
import org.jntpd.config.RestrictRule;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.NativeException;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.ServerCore;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerStateSource;

/**
 * The NTP server on UDP sockets: opens the sockets the configuration asks for and runs one {@link ServerWorker} per
 * configured CPU (or one unpinned worker), all sharing the port through SO_REUSEPORT and one {@link ServerCore} (the
 * access list and the interleaved-mode table).
 */
public final class Server implements AutoCloseable {
    /**
     * SO_RCVBUF of the serving sockets, bytes (0: the kernel's default, net.core.rmem_default). The kernel's usual
     * 208 KiB hold 256 small datagrams, 1.3 ms of a 200k/s flood: any longer stall of the worker (a preemption, a
     * JIT deoptimisation, a VM hiccup) drops requests. 4 MiB (the kernel caps the value at net.core.rmem_max, and
     * doubles it for its bookkeeping) hold about 10,000, 50 ms at that rate; they cost memory only while queued.
     * Queued requests keep their kernel RX timestamps, so waiting in the queue costs clients no accuracy.
     */
    public static final String RECEIVE_BUFFER_PROP_NAME = "jntpd.server.receiveBufferBytes";
    public static final int RECEIVE_BUFFER_DEFAULT = 4 << 20;

    private final List<ServerWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<UdpSocket> sockets = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();

    private Server() {}

    /**
     * Binds and starts serving. Throws {@link NativeException} (naming the address) when a socket cannot be bound.
     *
     * @param state where workers read the state they serve (published by the synchronisation side)
     */
    public static Server start(Config.Serving serving, List<RestrictRule> restrictions, ServerStateSource state) {
        Server server = open(serving, restrictions, state, LongUnaryOperator.identity());
        server.startWorkers();
        return server;
    }

    /**
     * Binds the sockets and builds the workers without starting them: the daemon drops its privileges in between,
     * and threads started afterwards inherit exactly the capabilities it keeps.
     */
    public static Server open(Config.Serving serving, List<RestrictRule> restrictions, ServerStateSource state,
            LongUnaryOperator kernelToServedNs) {
        return open(serving, restrictions, state, kernelToServedNs, ServerAuth.NONE);
    }

    /** As above, answering keyed and NTS requests with {@code auth} (a MAC engine and NTS codec per worker). */
    public static Server open(Config.Serving serving, List<RestrictRule> restrictions, ServerStateSource state,
            LongUnaryOperator kernelToServedNs, ServerAuth auth) {
        Server server = new Server();
        try {
            server.bind(serving, restrictions, state, kernelToServedNs, auth);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void bind(Config.Serving serving, List<RestrictRule> restrictions, ServerStateSource state,
            LongUnaryOperator kernelToServedNs, ServerAuth auth) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        if (serving.bindAddresses().isEmpty()) {
            addresses.add(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), serving.port()));
            addresses.add(new InetSocketAddress(InetAddress.ofLiteral("::"), serving.port()));
        } else {
            for (String a : serving.bindAddresses()) {
                addresses.add(new InetSocketAddress(InetAddress.ofLiteral(a), serving.port()));
            }
        }
        List<Integer> cpus = serving.cpus().isEmpty() ? List.of(-1) : serving.cpus();
        boolean reusePort = cpus.size() > 1;
        ServerCore core = new ServerCore(serving.rateLimit(), restrictions, auth);
        int port = serving.port();
        int receiveBufferBytes = Integer.getInteger(RECEIVE_BUFFER_PROP_NAME, RECEIVE_BUFFER_DEFAULT);
        for (int w = 0; w < cpus.size(); w++) {
            UdpSocket[] own = new UdpSocket[addresses.size()];
            for (int a = 0; a < addresses.size(); a++) {
                InetSocketAddress addr = addresses.get(a);
                if (port == 0 && !bound.isEmpty()) { // an ephemeral port: later sockets join the first one's port
                    addr = new InetSocketAddress(addr.getAddress(), bound.get(a % bound.size()).getPort());
                }
                // A wildcard socket learns each request's local address, so the reply leaves from it.
                UdpSocket s = UdpSocket.open(addr, UdpSocket.Options.DEFAULT.withReusePort(reusePort)
                        .withBufferBytes(receiveBufferBytes, 0).withPacketInfo(addr.getAddress().isAnyLocalAddress()));
                sockets.add(s);
                own[a] = s;
                if (w == 0) {
                    bound.add(s.localAddress());
                    if (port == 0) {
                        port = bound.getFirst().getPort();
                    }
                }
            }
            ServerCounters counters = new ServerCounters();
            workers.add(new ServerWorker(cpus.get(w), serving.idle(), own, core.newResponder(counters), counters, state,
                    kernelToServedNs));
        }
    }

    /** Starts one platform thread per worker (once). */
    public void startWorkers() {
        if (!threads.isEmpty()) {
            return;
        }
        for (int w = 0; w < workers.size(); w++) {
            Thread t = Thread.ofPlatform().name("jntpd-server-" + w).daemon(true).unstarted(workers.get(w));
            threads.add(t);
            t.start();
        }
    }

    /** The addresses and ports actually bound (the first worker's sockets). */
    public List<InetSocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    /** An authentication failure count summed over all workers. */
    public long totalAuthFailures(org.jntpd.server.AuthFailure f) {
        long sum = 0;
        for (ServerWorker w : workers) {
            sum += w.counters().authFailureCount(f);
        }
        return sum;
    }

    /** A counter summed over all workers (recent values, read without stopping them). */
    public long total(Counter c) {
        long sum = 0;
        for (ServerWorker w : workers) {
            sum += w.counters().get(c);
        }
        return sum;
    }

    /** SO_RCVBUF of the serving sockets as the kernel reports it (see {@link #RECEIVE_BUFFER_PROP_NAME}). */
    public int receiveBufferBytes() {
        return sockets.getFirst().receiveBufferBytes();
    }

    public List<ServerWorker> workers() {
        return List.copyOf(workers);
    }

    @Override
    public void close() {
        for (ServerWorker w : workers) {
            w.stop();
        }
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (UdpSocket s : sockets) {
            s.close();
        }
    }
}
