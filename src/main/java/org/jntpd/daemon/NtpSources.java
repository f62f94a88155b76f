package org.jntpd.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jntpd.auth.Aead;
import org.jntpd.auth.MacEngine;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.jntpd.config.ServerSpec;
import org.jntpd.io.UdpSocket;
import org.jntpd.nts.ke.Tls;
import org.jntpd.proto.Association;
import org.jntpd.proto.AssociationConfig;
import org.jntpd.sync.ClockStepListener;
import org.jntpd.sync.PollPolicy;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceConfig;
import org.jntpd.sync.Synchroniser;
import org.jntpd.wire.NtpPacket;

/**
 * The NTP sources of the configuration (chrony's ntp_sources): asks the {@link Resolver} for the addresses of every
 * server, peer and pool line, mobilises an association with its source as results arrive (a pool up to the members
 * it wants, skipping addresses in use or dropped before), and demobilises one when its association says so, asking
 * the pool for a replacement. Runs on the loop's thread; only the resolver's results cross threads.
 */
final class NtpSources implements AutoCloseable {
    /** A pool line: how many members it wants and which addresses it has used. */
    static final class Pool {
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

    /** An NTS-KE exchange is abandoned after this long. */
    private static final long NTS_KE_TIMEOUT_MS = 10_000;
    /** A pool that ran out of fresh addresses looks again after this long. */
    private static final long POOL_RETRY_MS = 60_000;

    private final Synchroniser sync;
    private final ClientSockets sockets;
    private final int maxClock;
    private final SecureRandom random = new SecureRandom();
    private final List<Peer> peers = new ArrayList<>();
    private final List<Peer> peersView = Collections.unmodifiableList(peers);
    private final Map<ServerSpec, Pool> pools = new LinkedHashMap<>();
    private final ConcurrentLinkedQueue<Resolver.Resolution> resolved = new ConcurrentLinkedQueue<>();
    private final Resolver resolver;
    /** The client's MAC engine over the key file's keys (null: no key file); used on this thread only. */
    private final MacEngine mac;
    private final Config.Nts ntsConfig;
    /** NTS client settings by the trust anchors' files (ntstrustedcerts, or a server line's own ca), made when first needed. */
    private final Map<List<Config.FileRef>, NtsClientAuth.Settings> ntsSettings = new HashMap<>();
    /** Every source's authentication, for jntpc's thread. */
    private final List<ClientAuth> auths = new CopyOnWriteArrayList<>();
    /** The lines in effect; a line a reload kept keeps its object (results and associations refer to it). */
    private final List<ServerSpec> configured = new ArrayList<>();
    private final Config config;
    /** The restrict list, which broadcast servers are checked against before they mobilise an association. */
    private final org.jntpd.server.AccessControl access;
    private final boolean broadcastAuthRequired;
    private final Set<InetAddress> localAddresses;
    private static final java.lang.foreign.ValueLayout.OfInt BE_INT =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    /** Broadcast servers refused so far, each said once (a bound: a flood of spoofed sources logs 64 lines). */
    private final Set<InetAddress> refusedBroadcasts = new HashSet<>();
    /** NTS without trusted time; made with the first NTS source (null before, or without NTS sources). */
    private NtsBootstrap bootstrap;

    /**
     * Starts the lookups of every line of {@code config}; associations come with {@link #mobiliseResolved}.
     *
     * @param keys the key file's keys, which {@code server ... key N} lines authenticate with
     */
    NtpSources(Config config, Synchroniser sync, ClientSockets sockets, SymmetricKeys keys) {
        this.sync = sync;
        this.sockets = sockets;
        this.config = config;
        this.mac = keys.keys().isEmpty() ? null : new MacEngine(keys.keys(), keys.trusted());
        this.ntsConfig = config.nts();
        this.maxClock = config.tos().maxClock();
        this.resolver = new Resolver(resolved::add);
        this.access = org.jntpd.server.AccessControl.compile(config.restrictions());
        this.broadcastAuthRequired = !Boolean.FALSE.equals(config.systemFlags().get("auth"));
        this.localAddresses = config.broadcast().listens() ? localAddresses() : Set.of();
        for (ServerSpec s : config.servers()) {
            add(s);
        }
    }

    private void add(ServerSpec s) {
        configured.add(s);
        if (s.kind() == ServerSpec.Kind.POOL) {
            int wanted = Math.max(1, Math.min(s.maxSources(), maxClock));
            Pool pool = new Pool(s, wanted);
            pools.put(s, pool);
            pool.lookupPending = true;
        }
        resolver.resolve(s);
    }

    /** What a reload changed: the lines added and removed (as "server HOST"), and how many stayed as they were. */
    record Change(List<String> added, List<String> removed, int kept) {}

    /**
     * A reload (loop thread): the lines of {@code next} that are not configured yet are looked up and mobilised as
     * their addresses arrive; the configured lines that {@code next} lacks lose their associations (a pool's members
     * too) and their lookups; the others, and their associations, are not touched. A line whose options changed is a
     * line removed and a line added. Lines are compared by value, not by file:line.
     */
    Change reconfigure(List<ServerSpec> next) {
        List<ServerSpec> fresh = new ArrayList<>(next);
        List<String> removed = new ArrayList<>();
        int kept = 0;
        for (ServerSpec old : List.copyOf(configured)) {
            ServerSpec same = null;
            for (ServerSpec n : fresh) {
                if (ReloadPolicy.same(old, n)) {
                    same = n;
                    break;
                }
            }
            if (same != null) {
                fresh.remove(same);
                kept++;
                continue;
            }
            configured.remove(old);
            resolver.cancel(old);
            pools.remove(old);
            for (Peer p : List.copyOf(peers)) {
                if (p.spec == old) {
                    drop(p, "no longer in the configuration (reload)");
                }
            }
            removed.add(describe(old));
        }
        List<String> added = new ArrayList<>();
        for (ServerSpec s : fresh) {
            add(s);
            added.add(describe(s));
        }
        return new Change(added, removed, kept);
    }

    /** Server and peer lines without an association yet, and pools still looking up addresses (jntpc activity). */
    int unresolved() {
        int n = 0;
        for (ServerSpec s : configured) {
            Pool pool = pools.get(s);
            if (pool != null) {
                n += pool.lookupPending && pool.inUse.isEmpty() ? 1 : 0;
                continue;
            }
            boolean found = false;
            for (Peer p : peers) {
                found |= p.spec == s;
            }
            n += found ? 0 : 1;
        }
        return n;
    }

    /** How many server, pool and peer lines are configured. */
    int configuredLines() {
        return configured.size();
    }

    private static String describe(ServerSpec s) {
        return s.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + s.host()
                + (s.port() == ServerSpec.DEFAULT_PORT ? "" : " port " + s.port());
    }

    /** The mobilised associations, in the order they came (read-only; changes as sources come and go). */
    List<Peer> peers() {
        return peersView;
    }

    /** The association whose server is {@code hi/lo:port} (see {@link org.jntpd.io.PacketBatch#addressHigh}), or null. */
    Peer find(long hi, long lo, int port) {
        for (int i = 0; i < peers.size(); i++) {
            Peer p = peers.get(i);
            if (p.is(hi, lo, port)) {
                return p;
            }
        }
        return null;
    }

    /** The poll interval (log2 s) of the association that feeds {@code source}; 0 if none does. */
    int pollLog2Of(Source source) {
        int poll = 0;
        for (Peer p : peers) {
            if (p.source == source) {
                poll = p.assoc.pollLog2();
            }
        }
        return poll;
    }

    /** Forgets every source's estimates (the clock was changed behind our back). */
    void resetSources() {
        for (Peer p : peers) {
            p.source.reset();
        }
    }

    /** Mobilises associations for the addresses the resolver has found since the last call; whether it added any. */
    boolean mobiliseResolved(long nowNs) {
        int before = peers.size();
        Resolver.Resolution r;
        while ((r = resolved.poll()) != null) {
            if (!isConfigured(r.spec())) {
                continue; // a line a reload removed while it was being looked up
            }
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
                resolver.resolveLater(pool.spec, POOL_RETRY_MS);
            }
        }
        return peers.size() != before;
    }

    private boolean isConfigured(ServerSpec spec) {
        for (ServerSpec s : configured) {
            if (s == spec) {
                return true;
            }
        }
        return false;
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
        UdpSocket socket = spec.kind() == ServerSpec.Kind.PEER
                ? sockets.peerSocket(new InetSocketAddress(address, spec.port())) : sockets.socketFor(address);
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
                PollPolicy.DEFAULT_COST, spec.xleave(), spec.version(), spec.maxDelayNs(), spec.biasNs());
        Association assoc = new Association(cfg, source, random, nowNs);
        sync.addStepListener(assoc);
        ClientAuth auth = clientAuth(spec, name, address, source, nowNs);
        if (auth != null) {
            auths.add(auth);
        }
        if (auth instanceof ClockStepListener l) {
            sync.addStepListener(l); // NTS: the keys' age moves with a step
        }
        peers.add(new Peer(spec, new InetSocketAddress(address, spec.port()), socket, source, assoc, auth, pool));
        if (pool != null) {
            pool.inUse.add(address);
        }
        Log.info("added source " + name + " port " + spec.port() + (pool != null ? " from pool " + spec.host() : ""));
    }

    /**
     * ntpd's ephemeral broadcast client association for the server at {@code hi/lo:port}, whose first broadcast is
     * {@code first} (received at {@code rxNs}); null when refused, said once per server. The rules are ntpd's:
     * {@code restrict ... ignore} or {@code noserve} refuse it; {@code nopeer} or {@code notrust} let only an
     * authenticated server in (a MAC by a trusted key); and with {@code enable auth}, ntpd's default, every broadcast
     * server must be authenticated, so unauthenticated broadcasts are taken only after {@code disable auth}
     * (ntpd's rule for associations it was not configured with). An authenticated server's association signs its
     * calibration requests with the same key and takes only packets with a MAC by that key from then on. At most
     * {@code tos maxclock} associations in all; never one for this host's own broadcasts.
     */
    Peer mobiliseBroadcast(long hi, long lo, int port, int scopeId, NtpPacket first, long rxNs) {
        InetAddress address = addressOf(hi, lo, scopeId);
        if (address instanceof java.net.Inet6Address && sockets.socketFor(address) == null) {
            return null; // no IPv6 client socket to calibrate with (said at the start)
        }
        if (localAddresses.contains(address)) {
            return null; // our own broadcast, looped back
        }
        int flags = access.flags(hi, lo, port);
        long keyId = 0;
        if (first.length() > NtpPacket.HEADER_LENGTH && mac != null
                && mac.verify(first.segment(), first.offset(), first.length()) == MacEngine.OK) {
            keyId = Integer.toUnsignedLong(first.segment().get(BE_INT, first.offset() + mac.lastMacPosition()));
        }
        String refused = null;
        if ((flags & (org.jntpd.server.AccessControl.IGNORE | org.jntpd.server.AccessControl.NOSERVE)) != 0) {
            refused = "restricted (ignore or noserve)";
        } else if (keyId == 0 && (flags & (org.jntpd.server.AccessControl.NOPEER
                | org.jntpd.server.AccessControl.NOTRUST)) != 0) {
            refused = "not authenticated, and restricted nopeer or notrust";
        } else if (keyId == 0 && broadcastAuthRequired) {
            refused = "not authenticated (a MAC by a trusted key); 'disable auth' takes unauthenticated broadcasts";
        } else if (peers.size() >= maxClock) {
            refused = "already " + peers.size() + " sources (tos maxclock)";
        }
        if (refused != null) {
            if (refusedBroadcasts.size() < 64 && refusedBroadcasts.add(address)) {
                Log.warn("broadcast server " + org.jntpd.base.AddressText.of(address) + " ignored: " + refused);
            }
            return null;
        }
        String name = org.jntpd.base.AddressText.of(address);
        ServerSpec spec = new ServerSpec(ServerSpec.Kind.BROADCAST, name, port, address instanceof java.net.Inet6Address
                ? ServerSpec.Family.IPV6 : ServerSpec.Family.IPV4, false, false,
                ServerSpec.DEFAULT_MIN_POLL, ServerSpec.DEFAULT_MAX_POLL, false, false, false, first.version(),
                (int) keyId, false, false, false, null, 0, false, 0, 0, 1, false, config.broadcast().clientLocation());
        Source source = sync.addSource(new SourceConfig(name, refIdOf(address), false, false));
        Association assoc = Association.broadcastClient(AssociationConfig.server().withVersion(first.version()), source,
                random, fixedBroadcastDelayNs(config.broadcast()), first, rxNs);
        sync.addStepListener(assoc);
        ClientAuth auth = keyId != 0 ? new KeyedClientAuth(name, mac, keyId) : null;
        if (auth != null) {
            auths.add(auth);
        }
        Peer p = new Peer(spec, new InetSocketAddress(address, port), sockets.socketFor(address), source, assoc, auth,
                null);
        peers.add(p);
        Log.info("added broadcast server " + name + (keyId != 0 ? " (key " + keyId + ")" : " (unauthenticated)")
                + (assoc.calibrated() ? ", path delay " + fixedBroadcastDelayText(config.broadcast())
                        + "; taking its broadcasts"
                        : ", measuring the path delay"));
        return p;
    }

    /**
     * A sender's address from its (high, low) form ({@link org.jntpd.io.PacketBatch#addressHigh}): IPv4 as such, IPv6
     * with {@code scopeId} when link-local (fe80::/10), whose calibration requests must go out on that interface.
     */
    static InetAddress addressOf(long hi, long lo, int scopeId) {
        try {
            if (org.jntpd.server.ClientAddress.isMappedIpv4(hi, lo)) {
                int v4 = (int) lo;
                return InetAddress.getByAddress(new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8),
                        (byte) v4});
            }
            byte[] b = java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
            boolean linkLocal = (hi >>> 54) == (0xfe80L >>> 6);
            return java.net.Inet6Address.getByAddress(null, b, linkLocal ? scopeId : 0);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // not for 4 or 16 bytes
        }
    }

    /**
     * The round-trip delay broadcast paths are taken to have without a calibration exchange: {@code broadcastdelay};
     * with {@code novolley} and no {@code broadcastdelay}, ntpd's default (4 ms); 0 = calibrate.
     */
    static long fixedBroadcastDelayNs(Config.Broadcast b) {
        return b.delayNs() > 0 ? b.delayNs() : b.noVolley() ? Association.DEFAULT_BROADCAST_DELAY_NS : 0;
    }

    /** For the log: the fixed delay and where it comes from, or "calibrated". */
    static String fixedBroadcastDelayText(Config.Broadcast b) {
        long fixedNs = fixedBroadcastDelayNs(b);
        return fixedNs == 0 ? "calibrated" : fixedNs / 1e6 + " ms (" + (b.delayNs() > 0 ? "broadcastdelay"
                : "novolley: ntpd's default broadcastdelay") + ")";
    }

    /** This host's addresses (broadcasts from them are our own), read at the start when broadcasts are listened for. */
    private static Set<InetAddress> localAddresses() {
        Set<InetAddress> out = new HashSet<>();
        try {
            for (java.net.NetworkInterface ni : Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                out.addAll(Collections.list(ni.getInetAddresses()));
            }
        } catch (java.net.SocketException e) {
            Log.warn("cannot list this host's addresses (" + e.getMessage() + "); its own broadcasts may be heard");
        }
        return out;
    }

    /** The authentication {@code spec} asks for, or null. */
    private ClientAuth clientAuth(ServerSpec spec, String name, InetAddress address, Source source, long nowNs) {
        if (spec.keyId() != 0 && mac != null) { // SymmetricKeys.load checked that the key file has the key
            return new KeyedClientAuth(name, mac, spec.keyId());
        }
        if (spec.nts()) {
            List<Config.FileRef> anchors = spec.ntsCa() != null ? List.of(new Config.FileRef(spec.ntsCa(), spec.location()))
                    : ntsConfig.trustedCerts();
            if (bootstrap == null) {
                bootstrap = NtsBootstrap.start(config, nowNs);
            }
            NtsClientAuth.Settings settings = ntsSettings.computeIfAbsent(anchors, this::ntsSettings);
            NtsClientAuth nts = new NtsClientAuth(name, spec.host(), address, spec.ntsPort(), settings, source,
                    spec.ntsNoCertTimeCheck(), nowNs);
            bootstrap.register(nts);
            nts.restore(nowNs); // keys and cookies of the last run, if saved (ntsdumpdir)
            return nts;
        }
        return null;
    }

    /** TLS trusting {@code anchors} (with the JDK's authorities unless nosystemcert; those alone when none given). */
    private NtsClientAuth.Settings ntsSettings(List<Config.FileRef> anchors) {
        java.util.Set<java.security.cert.TrustAnchor> tls = null;
        String problem = null;
        try {
            tls = Tls.trustAnchors(anchors.stream().map(f -> Path.of(f.path())).toList(), ntsConfig.systemCerts());
        } catch (IOException | GeneralSecurityException e) {
            Config.FileRef first = anchors.getFirst();
            problem = "trusted certificates " + first.path() + " (" + first.location() + "): " + e.getMessage();
            Log.error(problem);
        }
        List<Integer> aeads = "AES_SIV_CMAC_512".equals(ntsConfig.aead())
                ? List.of(Aead.AES_SIV_CMAC_512, Aead.AES_SIV_CMAC_256) : List.of(Aead.AES_SIV_CMAC_256, Aead.AES_SIV_CMAC_512);
        return new NtsClientAuth.Settings(tls, problem, aeads, ntsConfig.refreshS() * 1_000_000_000L, NTS_KE_TIMEOUT_MS,
                ntsConfig.dumpDir() == null ? null : Path.of(ntsConfig.dumpDir().path()), bootstrap);
    }

    /** A source took a sample (loop thread, before the synchroniser runs): an NTS bootstrap may judge the time now. */
    void sampled(Peer p, long nowNs) {
        if (bootstrap != null && p.auth instanceof NtsClientAuth) {
            bootstrap.sampled(nowNs);
        }
    }

    /** The synchroniser ran (loop thread): its first synchronised update ends an NTS bootstrap. */
    void published(org.jntpd.sync.SyncStatus status, long nowNs) {
        if (bootstrap != null) {
            bootstrap.published(status, nowNs);
        }
    }

    /** The NTS trust state for jntpc tracking, or null when no bootstrap was needed (any thread). */
    String ntsTrust() {
        NtsBootstrap b = bootstrap;
        return b == null ? null : b.summary();
    }

    /** jntpc authdata: one line per authenticated source (any thread). */
    /** The sources' authentication by source name (any thread: the list is copy-on-write). */
    java.util.Map<String, ClientAuth> authsByName() {
        java.util.Map<String, ClientAuth> m = new java.util.HashMap<>();
        for (ClientAuth a : auths) {
            m.put(a.name, a);
        }
        return m;
    }

    String authStatus() {
        StringBuilder b = new StringBuilder();
        for (ClientAuth a : auths) {
            a.status(b);
        }
        return b.toString();
    }

    /** Removes {@code p} and its source; {@code replace}: a pool member, whose pool looks for another address. */
    void demobilise(Peer p, boolean replace) {
        drop(p, p.assoc.demobiliseReason());
        if (p.pool != null) {
            p.pool.inUse.remove(p.address.getAddress());
            p.pool.dropped.add(p.address.getAddress());
            if (replace && !p.pool.lookupPending) {
                p.pool.lookupPending = true;
                resolver.resolve(p.pool.spec);
            }
        }
    }

    /** Removes {@code p}: its association, its source and its authentication. */
    private void drop(Peer p, String reason) {
        peers.remove(p);
        sockets.release(p.socket);
        if (p.auth != null) {
            auths.remove(p.auth);
            if (p.auth instanceof NtsClientAuth nts && bootstrap != null) {
                bootstrap.unregister(nts);
            }
        }
        sync.removeSource(p.source);
        sync.removeStepListener(p.assoc);
        if (p.auth instanceof ClockStepListener l) {
            sync.removeStepListener(l);
        }
        Log.notice("removed source " + p.source.name() + ": " + reason);
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

    /** Stops the lookups, and keeps what the sources' authentication should keep across a restart (ntsdumpdir). */
    @Override
    public void close() {
        resolver.close();
        for (ClientAuth a : auths) {
            a.save();
        }
    }
}
