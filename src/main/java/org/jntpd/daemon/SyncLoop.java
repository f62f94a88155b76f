package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_MS;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Agent;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.SoftwareClock;
import org.jntpd.config.Config;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongConsumer;
import org.jntpd.control.ControlCommands;
import org.jntpd.server.ServerStateSource;
import org.jntpd.control.DaemonStatus;
import org.jntpd.io.UdpSocket;
import org.jntpd.metrics.SyncMetrics;
import org.jntpd.mode6.ControlSnapshot;
import org.jntpd.refclock.RefclockSample;
import org.jntpd.refclock.linux.RefclockRunner;
import org.jntpd.refclock.linux.RefclockRunners;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.time.LeapSecondsFile;

/**
 * The client side of the daemon on one thread, chrony's event loop in small. Each pass reads the disciplined clock
 * after the wait, and that time is the time of the events the pass handles: what the client sockets received
 * ({@link ClientSockets}, to {@link NtpClient}), a reload handed over ({@link #reconfigure}), a re-synchronisation
 * asked for, new addresses ({@link NtpSources}), reference clock samples ({@link RefclockSources}), associations due
 * to poll and the drift file ({@link DriftSaver}); the synchroniser, its timer included ({@link StatePublisher}), runs
 * at a reading of its own, since it changes the clock's rate as it runs; then the loop waits for the sockets until the
 * earliest deadline, measured from a fresh reading. The one other clock read is a request's send time, just before it leaves.
 * The modules come up in dependency order and go down in reverse, on this thread, when the loop ends.
 */
public final class SyncLoop implements Agent {
    private static final long MAX_WAIT_NS = 250_000_000L;
    /** Symmetric peers' local port when this daemon does not serve (RFC 5905's port). */
    private static final int NTP_PORT = 123;

    /** What the loop reports outward: the state to serve, status lines, and a sample hook for tests and -Q. */
    public interface Listener {
        /** After every update or timer: the state to serve. */
        void published(SystemState state, long nowNs);

        /** A source's sample was accepted. */
        default void sample(String source, long nowNs) {}

        /** The synchronisation status or system peer changed; {@code message} says how (for sd_notify STATUS=). */
        default void statusChanged(String message) {}

        /** The loop is ending (on its own thread, after saving the drift): leave the clock tidy. */
        default void stopping() {}

        /**
         * A pass failed (loop thread): the state published so far is no longer maintained; serve "unsynchronised"
         * until {@link #recovered}.
         */
        default void failing(long nowNs) {}

        /** The loop's passes succeed again (loop thread): the synchroniser's state may be served again. */
        default void recovered(long nowNs) {}
    }

    private final ClockControl clock;
    private final Listener listener;
    private final StatsFiles stats;
    private final ClientSockets sockets;
    private final NtpSources ntpSources;
    private final RefclockSources refclocks;
    private final StatePublisher publisher;
    private final NtpClient client;
    private final DriftSaver drift;
    /** The broadcast server (broadcast lines); null without them. */
    private final BroadcastSender broadcaster;
    private final Synchroniser sync;
    /** What jntpc's modifying commands asked for, carried out by the next pass (any thread adds, the loop takes). */
    private final ConcurrentLinkedQueue<LongConsumer> commands = new ConcurrentLinkedQueue<>();
    /** A reload waiting for the next pass (at most one: a newer one replaces it, since each is a whole configuration). */
    private final AtomicReference<Reconfiguration> reconfiguration = new AtomicReference<>();
    private final OperatorWarnings warnings = new OperatorWarnings();
    private volatile boolean resyncRequested;
    /** Sockets ready after the last pass's wait (loop thread). */
    private int ready;

    /**
     * @param kernelToClockNs maps a kernel timestamp (CLOCK_REALTIME) onto the disciplined clock's timescale (the
     *                        identity when the kernel clock is the disciplined one)
     * @param driftFile       where to save the frequency hourly and at the end; null for none
     * @param keys            the key file's keys, for sources with {@code key N}
     */
    public SyncLoop(Config config, ClockControl clock, LongUnaryOperator kernelToClockNs, Synchroniser sync,
            Listener listener, Path driftFile, SymmetricKeys keys) {
        this.clock = clock;
        this.listener = listener;
        this.sync = sync;
        this.stats = new StatsFiles(config.stats());
        int ntpPort = config.serving().port() != 0 ? config.serving().port() : NTP_PORT;
        this.sockets = new ClientSockets(clock, kernelToClockNs, UdpSocket.Options.DEFAULT, ntpPort,
                config.serving().bindAddresses());
        Config.Broadcast broadcast = config.broadcast();
        if (broadcast.listens()) {
            java.util.List<String> on = sockets.listenForBroadcasts(broadcast.client(), broadcast.groups());
            org.jntpd.base.Log.info("listening for broadcasts on " + on + " port " + ntpPort + (Boolean.FALSE.equals(
                    config.systemFlags().get("auth")) ? " (unauthenticated ones too: disable auth)"
                    : " (authenticated ones only: enable auth, ntpd's default)") + ", path delay "
                    + NtpSources.fixedBroadcastDelayText(broadcast));
        }
        this.broadcaster = broadcast.targets().isEmpty() ? null
                : new BroadcastSender(config, clock, kernelToClockNs, keys, ntpPort, config.serving().bindAddresses(),
                        clock.nowNs());
        this.ntpSources = new NtpSources(config, sync, sockets, keys);
        // Under -x the kernel clock is not steered: a software correction over it is the disciplined clock.
        this.refclocks = new RefclockSources(sync, kernelToClockNs, !(clock instanceof SoftwareClock), stats, listener);
        this.publisher = new StatePublisher(clock, sync, listener, stats, ntpSources, refclocks, config.servers().size(),
                warnings);
        publisher.excludeSmearing(Boolean.TRUE.equals(config.systemFlags().get("smearexclude")));
        this.client = new NtpClient(ntpSources, sockets, sync, stats, listener, publisher);
        this.drift = new DriftSaver(driftFile, sync, clock.nowNs());
    }

    /**
     * Makes each reference clock a source of the selection (call before the loop starts; the runners then deliver
     * through {@link #offerRefclockSample}). Clock steps and re-synchronisations are passed on to them.
     */
    public void attachRefclocks(RefclockRunners runners) {
        refclocks.attach(runners);
    }

    /**
     * What symmetric peers are told of this host: the state the server serves (the local or orphan stratum while
     * unsynchronised, unsynchronised while the loop fails), as RFC 5905 has a peer's packet carry the system
     * variables (call before the loop starts; without it, the synchroniser's state).
     */
    public void serveFrom(ServerStateSource served) {
        client.serveFrom(served);
        if (broadcaster != null) {
            broadcaster.serveFrom(served);
        }
    }

    /** A reference clock's sample (any thread: the runner's). */
    public void offerRefclockSample(RefclockRunner runner, RefclockSample sample) {
        refclocks.offer(runner, sample);
    }

    /**
     * Another program changed the clock: the sources' estimates no longer describe it. Thread-safe; the loop
     * restarts every source's filter on its next pass (the next samples re-synchronise).
     */
    public void requestResync() {
        resyncRequested = true;
    }

    /**
     * A reload, validated: what the loop applies of {@code config} (its server, pool and peer lines, the statistics,
     * and {@code leap}, the leap second its leapfile announces, null for none).
     */
    record Reconfiguration(Config config, LeapSecondsFile.Leap leap, CompletableFuture<NtpSources.Change> done) {}

    /**
     * Hands a validated configuration to the loop (any thread): it is applied on the loop's thread at its next pass
     * (within 250 ms), between the handling of two events, so no serving or loop state is ever seen half-changed.
     * The future completes with what changed; a reload that a newer one replaced before the pass is cancelled.
     */
    CompletableFuture<NtpSources.Change> reconfigure(Config config, LeapSecondsFile.Leap leap) {
        Reconfiguration r = new Reconfiguration(config, leap, new CompletableFuture<>());
        Reconfiguration replaced = reconfiguration.getAndSet(r);
        if (replaced != null) {
            replaced.done().cancel(false);
        }
        return r.done();
    }

    private void apply(Reconfiguration r) {
        try {
            NtpSources.Change change = ntpSources.reconfigure(r.config().servers());
            stats.reconfigure(r.config().stats());
            LeapFileLoader.schedule(r.leap(), r.config().files().leapFile(), sync.leapSeconds());
            publisher.sourcesChanged(ntpSources.configuredLines());
            r.done().complete(change);
        } catch (RuntimeException e) {
            r.done().completeExceptionally(e);
            throw e;
        }
    }

    /** The operator's warnings (jntpc warnings): the loop's own, and what the daemon adds (any thread). */
    OperatorWarnings warnings() {
        return warnings;
    }

    /**
     * The leap second file {@code path} as loaded ({@code file}; null: none or unusable): its expiry is watched, and its
     * TAI - UTC names a source on TAI or GPS time (at start, and at each reload: it replaces the one watched).
     */
    void watchLeapFile(String path, org.jntpd.time.LeapSecondsFile file, long nowUnixS) {
        if (file == null) {
            warnings.unwatchExpiry("leapfile");
            return;
        }
        publisher.taiMinusUtcS(file.taiOffsetAt(nowUnixS));
        warnings.watchExpiry("leapfile", "leap second file " + path, "update it (e.g. from tzdata or "
                + "https://hpiers.obspm.fr/iers/bul/bulc/ntp/leap-seconds.list); without it leap seconds come from the "
                + "servers' votes only", file::expiresUnixS, false);
    }

    /** jntpc authdata's client half: each authenticated source's state and counters (any thread). */
    public String authStatus() {
        return ntpSources.authStatus();
    }

    /**
     * jntpc authdata's {@code sources}: each NTP source of the last published snapshot with its authentication's
     * fields, read from their volatile counters (jntpc's thread).
     */
    public List<Map<String, Object>> authSources() {
        Map<String, ClientAuth> auths = ntpSources.authsByName();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (DaemonStatus.SourceLine l : status().sources()) {
            if (l.ntp() == null) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name());
            ClientAuth a = auths.get(l.name());
            if (a == null) {
                ClientAuth.noAuthentication(m);
            } else {
                a.fields(m);
            }
            rows.add(m);
        }
        return rows;
    }

    /**
     * jntpc's modifying commands (online, offline, burst, makestep): queued from the control thread, carried out by
     * the loop's next pass (within 250 ms) on its own thread.
     */
    public ControlCommands.Actions controlActions() {
        return new ControlCommands.Actions() {
            @Override
            public int sources(String action, String selector) {
                int n = 0;
                for (DaemonStatus.SourceLine l : status().sources()) {
                    n += l.ntp() != null && (selector == null || ControlCommands.matches(l, selector)) ? 1 : 0;
                }
                commands.add(nowNs -> {
                    for (Peer p : ntpSources.peers()) {
                        if (selector == null || names(p, selector)) {
                            switch (action) {
                                case "online" -> p.offline = false;
                                case "offline" -> p.offline = true;
                                case "burst" -> p.assoc.burstNow(nowNs);
                                default -> throw new IllegalArgumentException("no source action " + action);
                            }
                        }
                    }
                    org.jntpd.base.Log.notice("jntpc " + action + (selector == null ? "" : " " + selector));
                });
                return n;
            }

            @Override
            public void makestep() {
                commands.add(nowNs -> {
                    sync.requestStep();
                    org.jntpd.base.Log.notice("jntpc makestep: the next clock update steps the clock");
                });
            }
        };
    }

    private static boolean names(Peer p, String selector) {
        String name = p.source.name();
        return name.equals(selector) || name.startsWith(selector + " (")
                || selector.equals(p.target.getAddress().getHostAddress());
    }

    /** The latest snapshot for jntpc (any thread). */
    public DaemonStatus status() {
        return publisher.status();
    }

    /** Publishes snapshots for the Prometheus exporter from now on (before {@link #run()}). */
    public void enableMetrics() {
        publisher.enableMetrics();
    }

    /** The latest snapshot for the Prometheus exporter (any thread). */
    public SyncMetrics metrics() {
        return publisher.metrics();
    }

    /** The latest snapshot for mode 6 (ntpq), from the same publication as {@link #status()}; any thread. */
    public ControlSnapshot control() {
        return publisher.control();
    }

    @Override
    public String roleName() {
        return "synchronisation loop";
    }

    /**
     * One pass: reads the clock, handles what is due at that time (the synchroniser reads its own), then waits for the
     * sockets until the earliest deadline (at most 250 ms: the runner sees a stop within it, and the watchdog a
     * heartbeat).
     */
    @Override
    public int doWork() {
        long nowNs = clock.nowNs(); // the time of the events this pass handles (the synchroniser reads its own)
        int work = ready;
        ready = 0; // what a failing pass left unread stays in the sockets for the next wait
        sockets.dispatch(work, nowNs, client);
        Reconfiguration reload = reconfiguration.getAndSet(null);
        if (reload != null) {
            apply(reload);
        }
        if (resyncRequested) {
            resyncRequested = false;
            ntpSources.resetSources();
            refclocks.resetSources();
        }
        LongConsumer command;
        boolean commanded = false;
        while ((command = commands.poll()) != null) {
            command.accept(nowNs);
            commanded = true;
        }
        if (commanded) {
            publisher.refresh(); // jntpc shows the change as soon as it asks again
        }
        if (ntpSources.mobiliseResolved(nowNs)) {
            publisher.sourcesChanged(ntpSources.configuredLines()); // jntpc shows a new source before its first sample
        }
        if (refclocks.takeSamples()) {
            publisher.update();
        }
        refclocks.checkReachability(nowNs);
        long next = Math.min(nowNs + MAX_WAIT_NS, client.pollDue(nowNs));
        next = Math.min(next, publisher.runTimer());
        next = Math.min(next, drift.runTimer(nowNs));
        if (broadcaster != null) {
            next = Math.min(next, broadcaster.runTimer(nowNs));
        }
        long waitNs = next - clock.nowNs(); // the pass itself took time: a slew's end is not overshot by it
        ready = sockets.await(waitNs <= 0 ? 0 : (int) (Math.min(MAX_WAIT_NS, waitNs + NS_PER_MS - 1) / NS_PER_MS));
        return work;
    }

    /** A pass failed (a clock adjustment refused, a bug): what is served must not claim synchronisation any more. */
    @Override
    public void onError(Throwable cause) {
        listener.failing(clock.nowNs());
    }

    /** Passes succeed again: the synchroniser's state may be served again. */
    @Override
    public void onRecovered() {
        listener.recovered(clock.nowNs());
    }

    /** Down in reverse: the drift saved and the clock left tidy first, while everything still stands. */
    @Override
    public void onClose() {
        try {
            drift.save();
            listener.stopping();
        } finally {
            try (stats; sockets; ntpSources; refclocks; broadcaster) { // a null resource (no broadcast lines) is skipped
                // closed by try-with-resources, last opened first
            }
        }
    }
}
