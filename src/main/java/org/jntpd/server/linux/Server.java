package org.jntpd.server.linux;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.Log;
import org.jntpd.base.LoopRunner;
import org.jntpd.config.Config;
import org.jntpd.config.RestrictRule;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.NativeException;
import org.jntpd.server.AccessControl;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.RateLimiter;
import org.jntpd.server.Responder;
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
    private final List<LoopRunner> runners = new ArrayList<>();
    private final List<UdpSocket> sockets = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private final LoopRunner.DeathHandler onDeath;
    private final List<ControlQueue> controlQueues = new ArrayList<>();
    private final List<UdpSocket[]> workerSockets = new ArrayList<>();
    private ControlWorker controlWorker;
    private LoopRunner controlRunner;
    private final List<RateLimiter> rateLimiters = new ArrayList<>();
    private AccessControl access;
    // What the serving warm-up's own worker runs like (the configured idle kind, the real state source and mapping).
    private Config.Serving.Idle idle;
    private ServerStateSource state;
    private LongUnaryOperator kernelToServedNs;
    private boolean warmedUp;
    private boolean closed;

    private Server(LoopRunner.DeathHandler onDeath) {
        this.onDeath = onDeath;
    }

    /** For callers without a policy of their own (tests): a dead worker is logged, and its share goes unanswered. */
    private static final LoopRunner.DeathHandler LOG_ONLY = (runner, cause) ->
            Log.error(runner.agent().roleName() + " is dead: its share of the requests goes unanswered");

    /**
     * Binds and starts serving (after the serving warm-up). Throws {@link NativeException} (naming the address) when a
     * socket cannot be bound.
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
     * and threads started afterwards inherit exactly the capabilities it keeps. The serving warm-up runs later, in
     * {@link #warmUp} or {@link #startWorkers}: the daemon starts its sources first, so the warm-up (0.4 s here, 3 s
     * in the emulated guest) does not hold back its first clock update.
     */
    public static Server open(Config.Serving serving, List<RestrictRule> restrictions, ServerStateSource state,
            LongUnaryOperator kernelToServedNs) {
        return open(serving, restrictions, state, kernelToServedNs, ServerAuth.NONE, LOG_ONLY, false);
    }

    /** As above, answering keyed and NTS requests with {@code auth}; a dead worker is logged only. */
    public static Server open(Config.Serving serving, List<RestrictRule> restrictions, ServerStateSource state,
            LongUnaryOperator kernelToServedNs, ServerAuth auth) {
        return open(serving, restrictions, state, kernelToServedNs, auth, LOG_ONLY, false);
    }

    /**
     * As above (a MAC engine and NTS codec per worker), with what to do when a worker's loop dies (the daemon's policy: stop with a non-zero exit status, so that systemd restarts
     * it). {@code sharedPort}: the sockets let symmetric peers' sockets bind the same port (SO_REUSEADDR), which
     * otherwise a second daemon's start is refused by.
     */
    public static Server open(Config.Serving serving, List<RestrictRule> restrictions, ServerStateSource state,
            LongUnaryOperator kernelToServedNs, ServerAuth auth, LoopRunner.DeathHandler onWorkerDeath,
            boolean sharedPort) {
        Server server = new Server(onWorkerDeath);
        try {
            server.bind(serving, restrictions, state, kernelToServedNs, auth, sharedPort);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void bind(Config.Serving serving, List<RestrictRule> restrictions, ServerStateSource state,
            LongUnaryOperator kernelToServedNs, ServerAuth auth, boolean sharedPort) {
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
        idle = serving.idle();
        this.state = state;
        this.kernelToServedNs = kernelToServedNs;
        boolean reusePort = cpus.size() > 1;
        ServerCore core = new ServerCore(serving.rateLimit(), restrictions, auth, serving.clientLog(), cpus.size());
        Log.info("server: " + core.describe());
        access = core.access();
        int port = serving.port();
        int receiveBufferBytes = Integer.getInteger(RECEIVE_BUFFER_PROP_NAME, RECEIVE_BUFFER_DEFAULT);
        for (int w = 0; w < cpus.size(); w++) {
            UdpSocket[] own = new UdpSocket[addresses.size()];
            for (int a = 0; a < addresses.size(); a++) {
                InetSocketAddress addr = addresses.get(a);
                if (serving.port() == 0 && !bound.isEmpty()) { // an ephemeral port: later sockets join the first one's port
                    addr = new InetSocketAddress(addr.getAddress(), bound.get(a % bound.size()).getPort());
                }
                // A wildcard socket learns each request's local address, so the reply leaves from it.
                UdpSocket s = UdpSocket.open(addr, UdpSocket.Options.DEFAULT.withReusePort(reusePort)
                        .withReuseAddress(sharedPort).withBufferBytes(receiveBufferBytes, 0)
                        .withPacketInfo(addr.getAddress().isAnyLocalAddress()));
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
            ControlQueue queue = new ControlQueue();
            controlQueues.add(queue);
            workerSockets.add(own);
            Responder responder = core.newResponder(counters);
            if (responder.limiter() != null) {
                rateLimiters.add(responder.limiter());
            }
            workers.add(new ServerWorker(w, cpus.get(w), serving.idle(), own, responder, counters, state,
                    kernelToServedNs, queue));
        }
    }

    /**
     * Runs the serving path on private loopback sockets ({@link ServingWarmup}, once) so that the workers' first
     * replies are not stamped by interpreted code. The real sockets are bound meanwhile: a request that comes now
     * waits in its socket's queue (its kernel receive timestamp taken on arrival) and is answered, compiled, once the
     * workers start. Any thread; the caller's, for up to {@value ServingWarmup#MAX_MS} ms past the configured
     * exchanges.
     */
    public void warmUp() {
        synchronized (this) {
            if (warmedUp || closed) {
                return;
            }
            warmedUp = true;
        }
        ServingWarmup.run(idle, ServingWarmup.configuredExchanges(), state, kernelToServedNs);
    }

    /**
     * Starts one platform thread per worker (once), each a {@link LoopRunner}, after the warm-up ({@link #warmUp})
     * when it has not run yet; nothing once closed (a stop during the warm-up).
     */
    public void startWorkers() {
        warmUp();
        synchronized (this) {
            if (!runners.isEmpty() || closed) {
                return;
            }
            for (int w = 0; w < workers.size(); w++) {
                ServerWorker worker = workers.get(w);
                LoopRunner r = new LoopRunner("jntpd-server-" + w, worker, worker.busyPolls() ? IdleStrategy.busySpin()
                        : IdleStrategy.waitsInAgent(), LoopRunner.DEFAULT, onDeath);
                runners.add(r);
                r.start();
            }
        }
    }

    /** The workers' loops (their heartbeats feed the systemd watchdog); empty before {@link #startWorkers()}. */
    public List<LoopRunner> runners() {
        return List.copyOf(runners);
    }

    /**
     * Starts the thread that answers mode 6 (once): until then mode 6 requests are counted and dropped. Call it after
     * the privilege drop, like {@link #startWorkers}.
     */
    public void startControl(ControlWorker.Answerer answerer) {
        if (controlRunner != null) {
            return;
        }
        controlWorker = new ControlWorker(controlQueues, workerSockets, answerer);
        controlRunner = new LoopRunner("jntpd-mode6", controlWorker, IdleStrategy.park(ControlWorker.IDLE_PARK_NS),
                LoopRunner.DEFAULT, onDeath);
        controlRunner.start();
    }

    /** The mode 6 thread's agent, or null when not started. */
    public ControlWorker controlWorker() {
        return controlWorker;
    }

    /**
     * The workers' rate limiters, whose tables are the recent-client list (read with
     * {@link RateLimiter#forEachClient} from another thread); empty when no limiting is configured.
     */
    public List<RateLimiter> rateLimiters() {
        return List.copyOf(rateLimiters);
    }

    /** The restrict flags of client (hi, lo):port ({@link AccessControl}'s bits; any thread). */
    public int accessFlags(long hi, long lo, int port) {
        return access.flags(hi, lo, port);
    }

    /** The mode 6 thread's loop, or null when not started. */
    public LoopRunner controlRunner() {
        return controlRunner;
    }

    /**
     * A queue for mode 6 requests that arrive past the sockets (one per raw path worker: a queue has one producer),
     * answered by the mode 6 thread through the first worker's socket that serves the address a request was sent to.
     * Call before {@link #startControl}; its drops count in {@link #controlDropped()}.
     */
    public ControlQueue newControlQueue() {
        if (controlRunner != null) {
            throw new IllegalStateException("the mode 6 thread has started: its queues are fixed");
        }
        ControlQueue queue = new ControlQueue();
        controlQueues.add(queue);
        workerSockets.add(workerSockets.getFirst());
        return queue;
    }

    /**
     * Mode 6 requests dropped before an answer (nobody answering, a full queue, a raw path request to an address no
     * socket serves), over all workers.
     */
    public long controlDropped() {
        long sum = controlWorker == null ? 0 : controlWorker.noSocket();
        for (ControlQueue q : controlQueues) {
            sum += q.dropped();
        }
        return sum;
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
    public synchronized void close() {
        closed = true;
        for (LoopRunner r : runners) {
            r.stop(); // all at once: each takes up to one epoll timeout to notice
        }
        if (controlRunner != null) {
            controlRunner.stop();
        }
        for (LoopRunner r : runners) {
            r.close();
        }
        if (controlRunner != null) {
            controlRunner.close();
        }
        for (UdpSocket s : sockets) {
            s.close();
        }
        if (controlRunner == null || !controlRunner.thread().isAlive()) {
            controlQueues.forEach(ControlQueue::close);
        }
    }
}
