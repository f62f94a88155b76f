package org.jntpd.xdp;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.Log;
import org.jntpd.base.LoopRunner;
import org.jntpd.config.Config;
import org.jntpd.config.RestrictRule;
import org.jntpd.platform.Bpf;
import org.jntpd.platform.Errno;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Netlink;
import org.jntpd.platform.Xdp;
import org.jntpd.server.ControlHandoff;
import org.jntpd.server.RateLimiter;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.ServerStateSource;
import org.jntpd.xdp.SteeringProgram.StampPlacement;

/**
 * The raw serving path on one device: the steering program attached (native XDP, else generic), one AF_XDP socket
 * and one {@link RawWorker} per queue, all sharing the serving logic's restrict list and interleaved table. Start
 * with {@link #open} (maps, program, sockets, attach: everything that needs privileges) and {@link #startWorkers};
 * {@link #close} stops the workers and detaches.
 *
 * <p>It answers only requests sent to the device's own addresses (those the server is bound to, when bound):
 * {@link ServedAddresses}, read at start and again every {@value #ADDRESS_REFRESH_MS} ms by a thread of its own.
 *
 * <p>A program left on the device by an earlier jntpd that died while attached through rtnetlink (a BPF link never
 * outlives its process) is recognised by its name ({@value SteeringProgram#NAME}) and replaced; anybody else's
 * program is left alone and the raw path is not started.
 */
public final class RawPath implements AutoCloseable {
    /** Why the raw path could not start; the daemon then serves through the sockets only. */
    public static final class UnavailableException extends Exception {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final RawPathSettings settings;
    private final List<AutoCloseable> resources = new ArrayList<>(); // closed in reverse
    private final List<RawWorker> workers = new ArrayList<>();
    private final List<XskSocket> sockets = new ArrayList<>();
    private final List<LoopRunner> runners = new ArrayList<>();
    private BpfMap counters;
    private ServedAddresses served;
    private Thread addressWatch;
    private volatile boolean closing;
    /** How often the device's addresses are read again (ntpd rescans its interfaces every 300 s; this is cheap). */
    public static final int ADDRESS_REFRESH_MS = 5_000;
    /** Served addresses a device may have in the XDP map; more go to the kernel (the log lists those served). */
    static final int MAX_SERVED_ADDRESSES = 256;
    private XdpAttachment attachment;
    private StampPlacement placement;
    private String staleReplaced;
    private int busyPollErrno;
    /** SO_BUSY_POLL of a busy-polling worker's socket; its calls never block, so this only switches polling on. */
    private static final int BUSY_POLL_US = 50;

    private RawPath(RawPathSettings settings) {
        this.settings = settings;
    }

    /**
     * Sets everything up without starting the worker threads.
     *
     * @param ports    the UDP ports to steer (the server's port)
     * @param cpus     CPUs to pin the queue workers to, round robin (empty: unpinned)
     * @throws UnavailableException with the precise reason (errno, verifier log) when XDP or AF_XDP refuses
     */
    public static RawPath open(RawPathSettings settings, int[] ports, List<Integer> cpus, Config.RateLimit rateLimit,
            List<RestrictRule> restrictions, ServerStateSource state, LongUnaryOperator kernelToServedNs)
            throws UnavailableException {
        return open(settings, ports, cpus, rateLimit, restrictions, state, kernelToServedNs, ServerAuth.NONE);
    }

    /** As above, answering keyed and NTS requests with {@code auth}. */
    public static RawPath open(RawPathSettings settings, int[] ports, List<Integer> cpus, Config.RateLimit rateLimit,
            List<RestrictRule> restrictions, ServerStateSource state, LongUnaryOperator kernelToServedNs,
            ServerAuth auth) throws UnavailableException {
        return open(settings, ports, List.of(), cpus, rateLimit, restrictions, state, kernelToServedNs, auth);
    }

    /**
     * As above, answering only requests to those of the device's addresses that {@code bindAddresses} (the server's
     * {@code bindaddress} literals; empty: all of them) names.
     */
    public static RawPath open(RawPathSettings settings, int[] ports, List<String> bindAddresses, List<Integer> cpus,
            Config.RateLimit rateLimit, List<RestrictRule> restrictions, ServerStateSource state,
            LongUnaryOperator kernelToServedNs, ServerAuth auth) throws UnavailableException {
        return open(settings, ports, bindAddresses, cpus, rateLimit, Config.ClientLog.DEFAULT, restrictions, state,
                kernelToServedNs, auth);
    }

    /** As above, with the client tables {@code clientLog} sizes ({@code clientloglimit}). */
    public static RawPath open(RawPathSettings settings, int[] ports, List<String> bindAddresses, List<Integer> cpus,
            Config.RateLimit rateLimit, Config.ClientLog clientLog, List<RestrictRule> restrictions,
            ServerStateSource state, LongUnaryOperator kernelToServedNs, ServerAuth auth) throws UnavailableException {
        RawPath raw = new RawPath(settings);
        try {
            raw.setUp(ports, bindAddresses, cpus, rateLimit, clientLog, restrictions, state, kernelToServedNs, auth);
            return raw;
        } catch (NativeException | BpfProgram.LoadException | IllegalStateException | IllegalArgumentException
                | java.net.SocketException e) {
            raw.close();
            throw new UnavailableException(e.getMessage(), e);
        }
    }

    private void setUp(int[] ports, List<String> bindAddresses, List<Integer> cpus, Config.RateLimit rateLimit,
            Config.ClientLog clientLog, List<RestrictRule> restrictions, ServerStateSource state, LongUnaryOperator kernelToServedNs,
            ServerAuth auth) throws java.net.SocketException {
        int ifindex = Xdp.ifNameToIndex(settings.device());
        if (ifindex == 0) {
            throw new IllegalStateException("no network device " + settings.device());
        }
        List<Integer> queues = settings.queues().isEmpty() ? rxQueues(settings.device()) : settings.queues();
        int maxQueue = queues.stream().mapToInt(Integer::intValue).max().orElse(0);
        BpfMap xsks = keep(BpfMap.create(Bpf.BPF_MAP_TYPE_XSKMAP, "jntpd_xsks", 4, 4, maxQueue + 1, 0));
        counters = keep(BpfMap.create(Bpf.BPF_MAP_TYPE_PERCPU_ARRAY, "jntpd_counters", 4, 8,
                SteeringProgram.Counter.values().length, 0));
        BpfMap flood = settings.floodRatePerS() > 0
                ? keep(BpfMap.create(Bpf.BPF_MAP_TYPE_LRU_HASH, "jntpd_flood", 16, 8, 65536, 0))
                : null;
        BpfMap local = keep(BpfMap.create(Bpf.BPF_MAP_TYPE_HASH, "jntpd_local", SteeringProgram.LOCAL_KEY_BYTES, 1,
                MAX_SERVED_ADDRESSES, 0));
        served = new ServedAddresses(bindAddresses, local);
        served.refresh(settings.device());
        BpfProgram program = keep(loadProgram(ports, xsks, local, flood));
        replaceStale(ifindex);
        List<ServingLogic> logic = ServingLogic.forWorkers(queues.size(), rateLimit, clientLog, restrictions, state,
                auth);
        for (int i = 0; i < queues.size(); i++) {
            int q = queues.get(i);
            XskSocket xsk = keep(XskSocket.open(ifindex, q, RawPathSettings.FRAME_COUNT, RawPathSettings.FRAME_BYTES,
                    settings.ringSize(), settings.copyMode()));
            sockets.add(xsk);
            if (settings.busyPoll()) {
                busyPollErrno = xsk.enableBusyPoll(BUSY_POLL_US, RawWorker.BATCH);
            }
            xsks.putInt(q, xsk.fd());
            int cpu = cpus.isEmpty() ? -1 : cpus.get(i % cpus.size());
            workers.add(new RawWorker(xsk, logic.get(i), served, placement, kernelToServedNs, cpu,
                    settings.busyPoll()));
        }
        if (settings.generic()) {
            attachment = XdpAttachment.link(program, ifindex, Bpf.XDP_FLAGS_SKB_MODE);
        } else {
            try {
                attachment = XdpAttachment.link(program, ifindex, Bpf.XDP_FLAGS_DRV_MODE);
            } catch (NativeException e) {
                if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EINVAL) {
                    throw e;
                }
                attachment = XdpAttachment.link(program, ifindex, Bpf.XDP_FLAGS_SKB_MODE); // the driver has none
            }
        }
        keep(attachment);
    }

    private BpfProgram loadProgram(int[] ports, BpfMap xsks, BpfMap local, BpfMap flood) {
        try {
            placement = StampPlacement.METADATA;
            return load(ports, xsks, local, flood);
        } catch (BpfProgram.LoadException e) {
            if (!e.verifierLog().contains("bpf_xdp_adjust_meta")) {
                throw e;
            }
            placement = StampPlacement.HEAD_PREFIX; // this kernel refuses the metadata helper to XDP programs
            return load(ports, xsks, local, flood);
        }
    }

    private BpfProgram load(int[] ports, BpfMap xsks, BpfMap local, BpfMap flood) {
        long[] insns = SteeringProgram.build(placement, ports, xsks.fd(), counters.fd(), local.fd(),
                flood == null ? -1 : flood.fd(), settings.floodIntervalNs(), settings.floodBurst());
        return BpfProgram.load(insns, SteeringProgram.NAME, Bpf.BPF_PROG_TYPE_XDP, Bpf.BPF_XDP);
    }

    /** Removes a program of ours that rtnetlink still holds on the device; refuses to touch anybody else's. */
    private void replaceStale(int ifindex) {
        XdpAttachment.Attached attached = XdpAttachment.attachedProgram(ifindex);
        if (attached.none()) {
            return;
        }
        BpfProgram.Info info = BpfProgram.infoById(attached.programId());
        String name = info == null ? "?" : info.name();
        if (!SteeringProgram.NAME.equals(name)) {
            throw new IllegalStateException(settings.device() + " already runs XDP program '" + name + "' (id "
                    + attached.programId() + "): not replacing it");
        }
        int mode = attached.mode() == Netlink.XDP_ATTACHED_SKB ? Bpf.XDP_FLAGS_SKB_MODE : Bpf.XDP_FLAGS_DRV_MODE;
        XdpAttachment.detachNetlink(ifindex, mode);
        staleReplaced = "replaced a stale " + SteeringProgram.NAME + " (id " + attached.programId() + ") left on "
                + settings.device();
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    /** The device's RX queues, from /sys/class/net/DEV/queues/rx-N; queue 0 when that cannot be read. */
    static List<Integer> rxQueues(String device) {
        try (Stream<Path> s = Files.list(Path.of("/sys/class/net", device, "queues"))) {
            List<Integer> q = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("rx-"))
                    .map(n -> Integer.parseInt(n.substring(3))).sorted().toList();
            return q.isEmpty() ? List.of(0) : q;
        } catch (IOException | NumberFormatException e) {
            return List.of(0);
        }
    }

    /**
     * Mode 6 (ntpq) requests go to a handoff per queue worker ({@code perWorker} is asked once per worker: a handoff
     * has one producer); call before {@link #startWorkers()}. Without it they are counted and dropped.
     */
    public void handControlTo(Supplier<? extends ControlHandoff> perWorker) {
        if (!runners.isEmpty()) {
            throw new IllegalStateException("the raw path workers have started");
        }
        for (RawWorker w : workers) {
            w.control(perWorker.get());
        }
    }

    /** Starts one platform thread per queue worker (once), each a {@link LoopRunner}; a dead one is logged. */
    public void startWorkers() {
        startWorkers((r, cause) -> Log.error(r.agent().roleName() + " is dead: its queue goes unanswered"));
    }

    /** {@link #startWorkers()} with what to do when a worker's loop dies (the daemon's policy). */
    public void startWorkers(LoopRunner.DeathHandler onDeath) {
        if (!runners.isEmpty()) {
            return;
        }
        addressWatch = Thread.ofPlatform().daemon(true).name("jntpd-raw-" + settings.device() + "-addresses")
                .start(this::watchAddresses);
        for (int i = 0; i < workers.size(); i++) {
            LoopRunner r = new LoopRunner("jntpd-raw-" + settings.device() + "-q" + sockets.get(i).queue(),
                    workers.get(i), IdleStrategy.waitsInAgent(), LoopRunner.DEFAULT, onDeath);
            runners.add(r);
            r.start();
        }
    }

    /**
     * Reads the device's addresses every {@value #ADDRESS_REFRESH_MS} ms until closed; a change is logged. A failure is
     * logged once and the last set stays in force (an address removed then is still answered for: said in the log).
     */
    private void watchAddresses() {
        boolean failed = false;
        while (!closing) {
            try {
                Thread.sleep(ADDRESS_REFRESH_MS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (served.refresh(settings.device())) {
                    Log.notice("raw path on " + settings.device() + ": answering for " + served.describe());
                }
                failed = false;
            } catch (java.net.SocketException | RuntimeException e) {
                if (!failed && !closing) {
                    Log.warn("raw path on " + settings.device() + ": cannot read its addresses again (" + e.getMessage()
                            + "); answering for " + served.describe() + " until it can");
                }
                failed = true;
            }
        }
    }

    /** The destination addresses answered for. */
    public ServedAddresses servedAddresses() {
        return served;
    }

    /** The workers' loops (heartbeats for the watchdog); empty before {@link #startWorkers()}. */
    public List<LoopRunner> runners() {
        return List.copyOf(runners);
    }

    /** A one-line description for the log: device, mode, queues, where the RX stamp travels. */
    public String describe() {
        boolean zc = sockets.stream().allMatch(XskSocket::zeroCopy);
        return "raw path on " + settings.device() + ": XDP " + XdpAttachment.modeName(attachment.modeFlags())
                + ", AF_XDP " + (zc ? "zero-copy" : "copy") + " mode, queue(s) "
                + sockets.stream().map(s -> Integer.toString(s.queue())).toList() + ", RX stamp in "
                + (placement == StampPlacement.METADATA ? "XDP metadata" : "a frame prefix") + " (CLOCK_TAI)"
                + (settings.floodRatePerS() > 0 ? ", flood filter " + settings.floodRatePerS() + "/s burst "
                        + settings.floodBurst() : "")
                + ", answering for " + served.describe()
                + (settings.busyPoll() ? (busyPollErrno == 0 ? ", busy-polling its NAPI" : ", busy polling refused"
                        + " (errno " + busyPollErrno + "): spinning on the rings") : "")
                + (staleReplaced == null ? "" : "; " + staleReplaced);
    }

    /** The worker threads' ids (for allocation probes), once started. */
    public long[] workerThreadIds() {
        return runners.stream().mapToLong(r -> r.thread().threadId()).toArray();
    }

    public List<RawWorker> workers() {
        return List.copyOf(workers);
    }

    /**
     * The queue workers' rate limiters, whose tables are the raw path's part of the recent-client list (read with
     * {@link RateLimiter#forEachClient} from another thread); empty when no limiting is configured.
     */
    public List<RateLimiter> rateLimiters() {
        List<RateLimiter> all = new ArrayList<>();
        for (RawWorker w : workers) {
            if (w.logic().limiter() != null) {
                all.add(w.logic().limiter());
            }
        }
        return all;
    }

    public StampPlacement stampPlacement() {
        return placement;
    }

    public boolean nativeMode() {
        return (attachment.modeFlags() & Bpf.XDP_FLAGS_DRV_MODE) != 0;
    }

    /** A server counter summed over the queue workers. */
    public long total(ServerCounters.Counter c) {
        long n = 0;
        for (RawWorker w : workers) {
            n += w.logic().counters().get(c);
        }
        return n;
    }

    /** A frame counter summed over the queue workers. */
    public long total(RawCounters.Counter c) {
        long n = 0;
        for (RawWorker w : workers) {
            n += w.counters().get(c);
        }
        return n;
    }

    /** Malformed frames dropped by the workers, all reasons. */
    public long malformedFrames() {
        long n = 0;
        for (RawWorker w : workers) {
            n += w.counters().malformed();
        }
        return n;
    }

    /** The XDP program's counter {@code c}, summed over CPUs (a map lookup: monitoring paths). */
    public long programCounter(SteeringProgram.Counter c) {
        int cpus = BpfMap.possibleCpus();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(ValueLayout.JAVA_INT);
            key.set(ValueLayout.JAVA_INT, 0, c.ordinal());
            MemorySegment values = a.allocate(ValueLayout.JAVA_LONG, cpus);
            if (counters.lookup(key, values) != 0) {
                return -1;
            }
            long sum = 0;
            for (int i = 0; i < cpus; i++) {
                sum += values.getAtIndex(ValueLayout.JAVA_LONG, i);
            }
            return sum;
        }
    }

    /** Stops the workers, detaches the program, closes the sockets and maps. */
    @Override
    public void close() {
        closing = true;
        if (addressWatch != null) {
            addressWatch.interrupt();
            try {
                addressWatch.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (LoopRunner r : runners) {
            r.stop();
        }
        for (LoopRunner r : runners) {
            r.close();
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                // best effort: the others still close
            }
        }
        resources.clear();
    }
}
