package org.jntpd.daemon;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Log;
import org.jntpd.clock.ClockControl;
import org.jntpd.control.DaemonStatus;
import org.jntpd.config.Config;
import org.jntpd.config.ServerSpec;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.Poller;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.Net;
import org.jntpd.platform.NativeException;
import org.jntpd.proto.Association;
import org.jntpd.proto.AssociationConfig;
import org.jntpd.proto.HeaderCodec;
import org.jntpd.proto.HeaderFields;
import org.jntpd.proto.PacketVerdict;
import org.jntpd.refclock.RefclockSample;
import org.jntpd.refclock.linux.RefclockRunner;
import org.jntpd.refclock.linux.RefclockRunners;
import org.jntpd.sync.Sample;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceConfig;
import org.jntpd.sync.SyncStatus;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.wire.Malformation;
import org.jntpd.wire.NtpPacket;
import org.jntpd.wire.NtpPacketValidator;

/**
 * The client side of the daemon on one thread, chrony's event loop in small: it owns the {@link Synchroniser} and
 * every {@link Association}, polls them when due, sends their requests from its own timestamping sockets (one per
 * address family, ephemeral ports), feeds replies and kernel TX timestamps back, runs the synchroniser's timers,
 * mobilises and replaces pool members as the {@link Resolver} delivers addresses, and publishes the state the
 * serving threads hand out. Time is the disciplined clock's, read once per pass.
 */
public final class SyncLoop implements Runnable {
    private static final long MAX_WAIT_NS = 250_000_000L;
    private static final int BATCH = 16;
    /**
     * For tests only: the drift file is saved every this many ms instead of hourly (the crash-safety test kills the
     * daemon while it writes). Not a configuration option.
     */
    public static final String DRIFT_INTERVAL_PROP_NAME = "jntpd.driftIntervalMs";
    private static final long DRIFT_INTERVAL_DEFAULT_MS = 3_600_000L;

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
    }

    private final ClockControl clock;
    private final LongUnaryOperator kernelToClockNs;
    private final Synchroniser sync;
    private final Listener listener;
    private final Resolver resolver;
    private final ConcurrentLinkedQueue<Resolver.Resolution> resolved = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<RefSample> refSamples = new ConcurrentLinkedQueue<>();
    private final Map<RefclockRunner, RefSource> refSources = new java.util.IdentityHashMap<>();
    private final Sample refSample = new Sample();
    private RefclockRunners refclocks;
    private final List<Peer> peers = new ArrayList<>();
    private final Map<ServerSpec, Pool> pools = new LinkedHashMap<>();
    private final int maxClock;
    private final int configuredSources;
    private final UdpSocket v4;
    private final UdpSocket v6;
    private final Poller poller;
    private final PacketBatch rx = new PacketBatch(BATCH);
    private final PacketBatch tx = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES);
    private final PacketBatch reports = new PacketBatch(BATCH, PacketBatch.MIN_DATA_BYTES);
    private final HeaderFields header = new HeaderFields();
    private final NtpPacket packet = new NtpPacket();
    private final SecureRandom random = new SecureRandom();
    private final Path driftFile;
    private final long driftIntervalNs;
    private volatile boolean running = true;
    private volatile boolean resyncRequested;
    private volatile DaemonStatus status = DaemonStatus.EMPTY;
    private final StatsFiles stats;
    private SyncStatus lastStatus;
    private String lastPeer;
    private long nextDriftWriteNs;

    /** A mobilised association and where its packets go. */
    private static final class Peer {
        final ServerSpec spec;
        final InetSocketAddress address;
        final long addrHi;
        final long addrLo;
        final UdpSocket socket;
        final Source source;
        final Association assoc;
        final Pool pool;
        int txId = -1;
        long txXmt;

        Peer(ServerSpec spec, InetSocketAddress address, UdpSocket socket, Source source, Association assoc, Pool pool) {
            this.spec = spec;
            this.address = address;
            long[] a = new long[2];
            org.jntpd.server.ClientAddress.fromBytes(address.getAddress().getAddress(), a);
            this.addrHi = a[0];
            this.addrLo = a[1];
            this.socket = socket;
            this.source = source;
            this.assoc = assoc;
            this.pool = pool;
        }
    }

    /** A reference clock's sample on its way from the runner's thread to this loop. */
    private record RefSample(RefclockRunner runner, RefclockSample sample) {}

    /** A reference clock as a source, and when it last delivered. */
    private static final class RefSource {
        final Source source;
        final long pollIntervalNs;
        long lastSampleNs;

        RefSource(Source source, long pollIntervalNs) {
            this.source = source;
            this.pollIntervalNs = pollIntervalNs;
        }
    }

    /** A reference clock is unreachable after this many poll intervals without a sample. */
    private static final int REFCLOCK_MISSED_POLLS = 8;

    /** A pool line: how many members it wants and which addresses it has used. */
    private static final class Pool {
        final ServerSpec spec;
        final int wanted;
        final Set<InetAddress> inUse = new HashSet<>();
        final Set<InetAddress> dropped = new HashSet<>();
        boolean lookupPending;

        Pool(ServerSpec spec, int wanted) {
            this.spec = spec;
            this.wanted = wanted;
        }
    }

    /**
     * @param kernelToClockNs maps a kernel timestamp (CLOCK_REALTIME) onto the disciplined clock's timescale (the
     *                        identity when the kernel clock is the disciplined one)
     * @param driftFile       where to save the frequency hourly and at the end; null for none
     */
    public SyncLoop(Config config, ClockControl clock, LongUnaryOperator kernelToClockNs, Synchroniser sync,
            Listener listener, Path driftFile) {
        this.clock = clock;
        this.kernelToClockNs = kernelToClockNs;
        this.sync = sync;
        this.listener = listener;
        this.driftFile = driftFile;
        this.driftIntervalNs = Math.max(1, Long.getLong(DRIFT_INTERVAL_PROP_NAME, DRIFT_INTERVAL_DEFAULT_MS)) * 1_000_000L;
        this.maxClock = config.tos().maxClock();
        this.configuredSources = config.servers().size();
        this.stats = new StatsFiles(config.stats());
        UdpSocket.Options opts = UdpSocket.Options.DEFAULT;
        this.v4 = UdpSocket.open(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 0), opts);
        UdpSocket six = null;
        try {
            six = UdpSocket.open(new InetSocketAddress(InetAddress.ofLiteral("::"), 0), opts);
        } catch (NativeException e) {
            Log.info("no IPv6 client socket (" + e.getMessage() + "); IPv6 servers will not be reachable");
        }
        this.v6 = six;
        tx.requestTxTimestamp(0, true); // every request's kernel TX time becomes its T1
        this.poller = new Poller(2);
        poller.add(v4.fd(), Net.EPOLLIN | Net.EPOLLERR, 4);
        if (v6 != null) {
            poller.add(v6.fd(), Net.EPOLLIN | Net.EPOLLERR, 6);
        }
        this.resolver = new Resolver(resolved::add);
        for (ServerSpec s : config.servers()) {
            if (s.kind() == ServerSpec.Kind.POOL) {
                int wanted = Math.max(1, Math.min(s.maxSources(), maxClock));
                Pool pool = new Pool(s, wanted);
                pools.put(s, pool);
                pool.lookupPending = true;
            }
            resolver.resolve(s);
        }
        this.nextDriftWriteNs = clock.nowNs() + driftIntervalNs;
    }

    public void stop() {
        running = false;
    }

    /**
     * Makes each reference clock a source of the selection (call before {@link #run()}; the runners then deliver
     * through {@link #offerRefclockSample}). Clock steps and re-synchronisations are passed on to them.
     */
    public void attachRefclocks(RefclockRunners runners) {
        this.refclocks = runners;
        for (RefclockRunner r : runners.runners()) {
            org.jntpd.config.RefclockSpec spec = runners.spec(r);
            String name = r.refId() + "(" + r.device() + ")";
            Source source = sync.addSource(new SourceConfig(name, r.settings().refIdBits(), spec.prefer(), spec.noselect()));
            int poll = r.settings().pollLog2();
            refSources.put(r, new RefSource(source, poll >= 0 ? 1_000_000_000L << poll : 1_000_000_000L >> -poll));
        }
        sync.addStepListener((nowNs, stepNs) -> runners.onClockStep(stepNs));
    }

    /** A reference clock's sample (any thread: the runner's). */
    public void offerRefclockSample(RefclockRunner runner, RefclockSample sample) {
        refSamples.add(new RefSample(runner, sample));
    }

    /**
     * Another program changed the clock: the sources' estimates no longer describe it. Thread-safe; the loop
     * restarts every source's filter on its next pass (the next samples re-synchronise).
     */
    public void requestResync() {
        resyncRequested = true;
    }

    @Override
    public void run() {
        try {
            while (running) {
                long nowNs = clock.nowNs();
                if (resyncRequested) {
                    resyncRequested = false;
                    for (Peer p : peers) {
                        p.source.reset();
                    }
                    for (RefSource r : refSources.values()) {
                        r.source.reset();
                    }
                    if (refclocks != null) {
                        refclocks.dropSamples();
                    }
                }
                mobiliseResolved(nowNs);
                takeRefclockSamples();
                refclocksReachability(nowNs);
                long next = nowNs + MAX_WAIT_NS;
                for (int i = 0; i < peers.size(); i++) {
                    Peer p = peers.get(i);
                    if (nowNs - p.assoc.nextPollNs() >= 0) {
                        poll(p, nowNs);
                    }
                }
                for (Peer p : peers) {
                    next = Math.min(next, p.assoc.nextPollNs());
                }
                if (nowNs - sync.nextTimerNs() >= 0) {
                    sync.onTimer(nowNs);
                    publish(nowNs);
                }
                next = Math.min(next, sync.nextTimerNs());
                if (driftFile != null) {
                    if (nowNs - nextDriftWriteNs >= 0) {
                        nextDriftWriteNs = nowNs + driftIntervalNs;
                        saveDrift();
                    }
                    next = Math.min(next, nextDriftWriteNs);
                }
                long waitNs = next - clock.nowNs();
                int waitMs = waitNs <= 0 ? 0 : (int) Math.min(MAX_WAIT_NS, waitNs + 999_999) / 1_000_000;
                int n = poller.await(waitMs);
                for (int i = 0; i < n; i++) {
                    UdpSocket s = poller.token(i) == 4 ? v4 : v6;
                    // TX stamps first: a reply read before its request's kernel TX stamp would use the send-call time.
                    collectTxTimestamps(s);
                    receive(s);
                }
            }
        } finally {
            if (driftFile != null) {
                saveDrift();
            }
            listener.stopping();
            stats.close();
            if (refclocks != null) {
                refclocks.close();
            }
            resolver.close();
            poller.close();
            v4.close();
            if (v6 != null) {
                v6.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ associations

    private void mobiliseResolved(long nowNs) {
        Resolver.Resolution r;
        while ((r = resolved.poll()) != null) {
            Pool pool = pools.get(r.spec());
            if (pool == null) {
                InetAddress a = r.addresses().getFirst();
                Peer same = peerAt(a, r.spec().port());
                if (same != null) { // two names of one address: a second association would never get a reply
                    Log.warn(r.spec().location() + ": " + r.spec().host() + " is " + a.getHostAddress() + " port "
                            + r.spec().port() + ", already a source (" + same.spec.location() + "): not added again");
                } else {
                    mobilise(r.spec(), a, null, nowNs);
                }
                continue;
            }
            pool.lookupPending = false;
            for (InetAddress a : r.addresses()) {
                if (pool.inUse.size() >= pool.wanted || peers.size() >= maxClock) {
                    break;
                }
                if (!pool.inUse.contains(a) && !pool.dropped.contains(a) && peerAt(a, r.spec().port()) == null) {
                    mobilise(r.spec(), a, pool, nowNs);
                }
            }
            if (pool.inUse.size() < pool.wanted) {
                pool.dropped.clear(); // ran out of fresh addresses: old ones may be good again later
                pool.lookupPending = true;
                resolver.resolveLater(pool.spec, 60_000);
            }
        }
    }

    private Peer peerAt(InetAddress a, int port) {
        for (Peer p : peers) {
            if (p.address.getAddress().equals(a) && p.address.getPort() == port) {
                return p;
            }
        }
        return null;
    }

    private void mobilise(ServerSpec spec, InetAddress address, Pool pool, long nowNs) {
        UdpSocket socket = address instanceof Inet4Address ? v4 : v6;
        if (socket == null) {
            Log.warn(spec.location() + ": " + address.getHostAddress() + " is IPv6, and this host has no IPv6 socket");
            return;
        }
        String name = spec.host().equals(address.getHostAddress()) ? spec.host()
                : spec.host() + " (" + address.getHostAddress() + ")";
        Source source = sync.addSource(new SourceConfig(name, refIdOf(address), spec.prefer(), spec.noselect()));
        AssociationConfig cfg = new AssociationConfig(
                spec.kind() == ServerSpec.Kind.PEER ? AssociationConfig.Mode.SYMMETRIC_ACTIVE : AssociationConfig.Mode.CLIENT,
                spec.minPollLog2(), spec.maxPollLog2(), spec.iburst(), spec.burst(), pool != null, 0,
                org.jntpd.sync.PollPolicy.DEFAULT_COST, spec.xleave(), spec.version(), spec.maxDelayNs(),
                spec.biasNs());
        Association assoc = new Association(cfg, source, random, nowNs);
        sync.addStepListener(assoc);
        peers.add(new Peer(spec, new InetSocketAddress(address, spec.port()), socket, source, assoc, pool));
        if (pool != null) {
            pool.inUse.add(address);
        }
        Log.info("added source " + name + " port " + spec.port() + (pool != null ? " from pool " + spec.host() : ""));
    }

    private void demobilise(Peer p, boolean replace) {
        peers.remove(p);
        sync.removeSource(p.source);
        sync.removeStepListener(p.assoc);
        Log.notice("removed source " + p.source.name() + ": " + p.assoc.demobiliseReason());
        if (p.pool != null) {
            p.pool.inUse.remove(p.address.getAddress());
            p.pool.dropped.add(p.address.getAddress());
            if (replace && !p.pool.lookupPending) {
                p.pool.lookupPending = true;
                resolver.resolve(p.pool.spec);
            }
        }
    }

    /** RFC 5905 section 7.3: an IPv4 server's address, or the first four bytes of the MD5 of an IPv6 address. */
    static int refIdOf(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 4) {
            try {
                b = MessageDigest.getInstance("MD5").digest(b);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no MD5", e);
            }
        }
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
    }

    private void poll(Peer p, long nowNs) {
        int flags = p.assoc.poll(nowNs, header, sync.state());
        if ((flags & Association.DEMOBILISE) != 0) {
            demobilise(p, (flags & Association.REPLACE) != 0);
            return;
        }
        if ((flags & Association.SEND) == 0) {
            return;
        }
        packet.wrap(tx.data(0), 0, NtpPacket.HEADER_LENGTH).clearHeader();
        HeaderCodec.encode(header, packet);
        tx.length(0, NtpPacket.HEADER_LENGTH);
        tx.address(0, p.address);
        int rc = p.socket.sendOne(tx, 0);
        if (rc < 0) {
            Log.debug("send to " + p.address + " failed: errno " + -rc);
            return;
        }
        p.txId = tx.txId(0);
        p.txXmt = header.transmit;
    }

    private void receive(UdpSocket socket) {
        int n;
        while ((n = socket.receive(rx)) > 0) {
            for (int i = 0; i < n; i++) {
                handle(i);
            }
        }
    }

    private void handle(int i) {
        int len = rx.length(i);
        Malformation m = NtpPacketValidator.classify(rx.data(i), 0, len);
        if (m != Malformation.OK) {
            return;
        }
        Peer p = find(rx.addressHigh(i), rx.addressLow(i), rx.port(i));
        if (p == null) {
            return; // not from a server we asked
        }
        long rxNs = rx.rxSoftwareNs(i) != 0 ? kernelToClockNs.applyAsLong(rx.rxSoftwareNs(i)) : clock.nowNs();
        HeaderCodec.decode(packet.wrap(rx.data(i), 0, len), header);
        int flags = p.assoc.receive(header, rxNs);
        if ((flags & Association.DEMOBILISE) != 0) {
            demobilise(p, (flags & Association.REPLACE) != 0);
            return;
        }
        if ((flags & Association.SAMPLE) != 0) {
            long nowNs = clock.nowNs();
            if (stats.active()) {
                stats.peer(nowNs, p.address.getAddress().getHostAddress(), peerStatus(p.source, p.assoc.reach()),
                        p.assoc.lastOffsetNs() * 1e-9, p.assoc.lastDelayNs() * 1e-9,
                        p.source.distanceNs(nowNs) * 1e-9, p.source.jitterNs() * 1e-9);
            }
            if (Log.enabled(Log.Level.DEBUG)) {
                Log.debug(String.format(java.util.Locale.ROOT, "%s: sample accepted, estimate %+.9f s, jitter %.9f s",
                        p.source.name(), p.source.offsetNs(nowNs) * 1e-9, p.source.jitterNs() * 1e-9));
            }
            sync.update(nowNs);
            listener.sample(p.source.name(), nowNs);
            publish(nowNs);
        } else if ((flags & Association.RESELECT) != 0) {
            Log.info(p.source.name() + ": answers unsynchronised (leap " + header.leap + ", stratum " + header.stratum
                    + "); not selectable");
            long nowNs = clock.nowNs();
            sync.update(nowNs);
            publish(nowNs);
        } else if (p.assoc.lastVerdict() != PacketVerdict.ACCEPTED) {
            Log.debug(p.source.name() + ": packet not used: " + p.assoc.lastVerdict());
        }
    }

    private void takeRefclockSamples() {
        RefSample r;
        boolean updated = false;
        while ((r = refSamples.poll()) != null) {
            RefSource ref = refSources.get(r.runner());
            if (ref == null) {
                continue;
            }
            RefclockSample x = r.sample();
            org.jntpd.refclock.RefclockSettings settings = r.runner().settings();
            // Runners measure against the kernel clock; the sample is moved onto the disciplined clock's timescale.
            long localNs = kernelToClockNs.applyAsLong(x.localTimeNs());
            long offsetNs = x.offsetNs() - (localNs - x.localTimeNs());
            // A reference clock is its own root: its delay and dispersion are the whole path.
            refSample.set(localNs, offsetNs, x.delayNs(), x.dispersionNs(), x.delayNs(), x.dispersionNs(),
                    settings.stratum(), settings.refIdBits(), x.leap(), settings.precisionLog2());
            ref.source.setReachable(true);
            ref.lastSampleNs = localNs;
            if (stats.active()) {
                stats.clock(localNs, ref.source.name(), offsetNs * 1e-9, x.dispersionNs() * 1e-9);
            }
            if (ref.source.accumulate(refSample)) {
                updated = true;
                listener.sample(ref.source.name(), x.localTimeNs());
            }
        }
        if (updated) {
            long nowNs = clock.nowNs();
            sync.update(nowNs);
            publish(nowNs);
        }
    }

    private void refclocksReachability(long nowNs) {
        for (RefSource r : refSources.values()) {
            if (r.source.reachable() && nowNs - r.lastSampleNs > REFCLOCK_MISSED_POLLS * r.pollIntervalNs) {
                r.source.setReachable(false);
                Log.warn(r.source.name() + ": no sample for " + REFCLOCK_MISSED_POLLS + " polls; unreachable");
            }
        }
    }

    private Peer find(long hi, long lo, int port) {
        for (Peer p : peers) {
            if (p.addrHi == hi && p.addrLo == lo && p.address.getPort() == port) {
                return p;
            }
        }
        return null;
    }

    private void collectTxTimestamps(UdpSocket socket) {
        int n;
        while ((n = socket.receiveTxTimestamps(reports)) > 0) {
            for (int i = 0; i < n; i++) {
                if (!reports.isTxTimestamp(i) || reports.txSoftwareNs(i) == 0) {
                    continue;
                }
                for (Peer p : peers) {
                    if (p.socket == socket && p.txId == reports.txId(i)) {
                        p.assoc.transmitted(p.txXmt, kernelToClockNs.applyAsLong(reports.txSoftwareNs(i)));
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ state

    /** The latest snapshot for jntpc (any thread). */
    public DaemonStatus status() {
        return status;
    }

    /** ntpd's peer status word: configured, reachable, and the selection's verdict. */
    private static int peerStatus(Source s, int reach) {
        int bits = org.jntpd.wire.ControlStatus.PEER_CONFIGURED | (reach != 0 ? org.jntpd.wire.ControlStatus.PEER_REACHABLE : 0);
        int select = switch (s.state()) {
            case SYSTEM_PEER -> org.jntpd.wire.ControlStatus.SELECT_SYSTEM_PEER;
            case COMBINED -> org.jntpd.wire.ControlStatus.SELECT_CANDIDATE;
            case NOT_COMBINED -> org.jntpd.wire.ControlStatus.SELECT_BACKUP;
            case CANDIDATE -> org.jntpd.wire.ControlStatus.SELECT_BACKUP;
            case OUTLIER -> org.jntpd.wire.ControlStatus.SELECT_OUTLIER;
            case FALSETICKER -> org.jntpd.wire.ControlStatus.SELECT_FALSETICK;
            case UNSELECTABLE -> org.jntpd.wire.ControlStatus.SELECT_REJECT;
        };
        return org.jntpd.wire.ControlStatus.peer(bits, select, 0, 0);
    }

    private void publish(long nowNs) {
        SystemState s = sync.state();
        if (stats.active() && sync.status() == SyncStatus.SYNCHRONISED && s.referenceTimeNs() == nowNs) {
            Source peer = sync.systemPeer();
            int poll = 0;
            for (Peer p : peers) {
                if (p.source == peer) {
                    poll = p.assoc.pollLog2();
                }
            }
            stats.loop(nowNs, sync.lastOffsetS(), sync.frequencyPpm(), sync.lastOffsetSigmaS(),
                    peer == null ? 0 : peer.wanderPerSqrtS() * 1e6, poll);
        }
        listener.published(s, nowNs);
        status = snapshot(s, nowNs);
        SyncStatus status = sync.status();
        Source peer = sync.systemPeer();
        String peerName = peer == null ? null : peer.name();
        if (status != lastStatus || !java.util.Objects.equals(peerName, lastPeer)) {
            String message = status == SyncStatus.NO_SOURCES && configuredSources > 0
                    ? "no sources yet (waiting for the addresses of " + configuredSources + " configured)" : sync.statusMessage();
            if (status == SyncStatus.SYNCHRONISED || lastStatus == SyncStatus.SYNCHRONISED || lastStatus == null
                    || status == SyncStatus.PANIC) {
                Log.log(status == SyncStatus.PANIC ? Log.Level.ERROR : Log.Level.NOTICE, message);
            } else {
                Log.info(message);
            }
            listener.statusChanged(message);
            lastStatus = status;
            lastPeer = peerName;
        }
    }

    private DaemonStatus snapshot(SystemState s, long nowNs) {
        Source peer = sync.systemPeer();
        DaemonStatus.Tracking t = new DaemonStatus.Tracking(s.synced(), s.stratum(),
                org.jntpd.wire.NtpPacket.refIdText(s.refId(), s.stratum()),
                peer == null ? null : peer.name(), s.referenceTimeNs(), sync.lastOffsetS(), sync.lastOffsetSigmaS(),
                sync.frequencyPpm(), s.rootDelayNs(), s.rootDispersionNs(nowNs), s.leapIndicator(), sync.statusMessage());
        List<DaemonStatus.SourceLine> lines = new ArrayList<>();
        for (Peer p : peers) {
            lines.add(line(p.spec.kind() == ServerSpec.Kind.PEER ? '=' : '^', p.source, p.assoc.pollLog2(),
                    p.assoc.reach(), nowNs));
        }
        for (Map.Entry<RefclockRunner, RefSource> e : refSources.entrySet()) {
            RefSource r = e.getValue();
            lines.add(line('#', r.source, e.getKey().settings().pollLog2(), r.source.reachable() ? 0377 : 0, nowNs));
        }
        return new DaemonStatus(t, List.copyOf(lines));
    }

    private DaemonStatus.SourceLine line(char kind, Source src, int pollLog2, int reach, long nowNs) {
        char state = switch (src.state()) {
            case SYSTEM_PEER -> '*';
            case COMBINED -> '+';
            case CANDIDATE, NOT_COMBINED -> '-';
            case FALSETICKER -> 'x';
            case OUTLIER -> '~';
            case UNSELECTABLE -> '?';
        };
        boolean measured = src.samples() > 0;
        Source.Unusable why = src.state() == org.jntpd.sync.SourceState.UNSELECTABLE
                ? src.unusable(nowNs, src.maxDistanceNs()) : null;
        return new DaemonStatus.SourceLine(kind, state, src.name(), src.stratum(), pollLog2, reach,
                measured ? (nowNs - src.lastSampleNs()) * 1e-9 : 0, measured ? src.offsetNs(nowNs) * 1e-9 : 0,
                measured ? src.offsetSigmaNs(nowNs) * 1e-9 : 0, measured ? src.jitterNs() * 1e-9 : 0, src.samples(),
                why == null ? null : why.text);
    }

    private void saveDrift() {
        try {
            DriftFile.write(driftFile, sync.frequencyPpm(), 0);
        } catch (java.io.IOException e) {
            Log.warn("cannot write drift file " + driftFile + ": " + e);
        }
    }
}
