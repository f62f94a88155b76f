package org.jntpd.daemon;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;
import org.jntpd.base.Log;
import org.jntpd.base.LoopRunner;
import org.jntpd.config.Config;
import org.jntpd.metrics.WorkerCounters;
import org.jntpd.mode6.ControlResponder;
import org.jntpd.mode6.ControlSnapshot;
import org.jntpd.mode6.ControlSnapshot.Variable;
import org.jntpd.mode6.MruEntry;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.server.AccessControl;
import org.jntpd.server.AuthFailure;
import org.jntpd.server.ClientAddress;
import org.jntpd.server.RateLimiter;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.server.linux.Server;
import org.jntpd.server.linux.ServerWorker;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.time.Units;
import org.jntpd.xdp.RawPath;
import org.jntpd.xdp.RawPathService;
import org.jntpd.xdp.RawWorker;

/**
 * The NTP server as a module of the daemon: its sockets bound at start (before the privilege drop), its pinned workers
 * started after it, its counters as chronyc's "serverstats" text for jntpc.
 */
final class NtpServing implements AutoCloseable {
    private final Server server;
    /** The AF_XDP raw path beside the sockets (-Djntpd.rawpath=xdp,DEV), or null. */
    private final RawPath rawPath;
    private final LoopRunner.DeathHandler onDeath;

    private static final long MRU_OFFSET_TOLERANCE_NS = 100_000_000L;
    // The mode 6 thread's: the served clock minus CLOCK_MONOTONIC, as the MRU list's times use it.
    private long mruOffsetNs;
    private boolean mruOffsetSet;

    private NtpServing(Server server, RawPath rawPath, LoopRunner.DeathHandler onDeath) {
        this.server = server;
        this.rawPath = rawPath;
        this.onDeath = onDeath;
    }

    /**
     * Binds the server's sockets, and attaches the raw path when asked for; throws
     * {@link org.jntpd.platform.NativeException} when the sockets cannot be bound.
     */
    static NtpServing open(Config config, ServerStateHolder state, LongUnaryOperator kernelToClockNs,
            ServerAuth auth, LoopRunner.DeathHandler onDeath) {
        Server server = Server.open(config.serving(), config.restrictions(), state, kernelToClockNs, auth, onDeath,
                hasPeers(config));
        RawPath raw = RawPathService.open(RawPathService.fromProperty(), config, state::current, kernelToClockNs,
                auth, Log::warn);
        if (raw != null) {
            raw.handControlTo(server::newControlQueue); // ntpq through the raw path: the same mode 6 thread answers
        }
        return new NtpServing(server, raw, onDeath);
    }

    /**
     * Whether other sockets share the server's port: symmetric peers' (ClientSockets.peerSocket), broadcast senders'
     * (BroadcastSender) and broadcast listeners' (ClientSockets.listenForBroadcasts).
     */
    static boolean hasPeers(Config config) {
        return config.hasSymmetricPeers() || !config.broadcast().targets().isEmpty() || config.broadcast().listens();
    }

    /** The serving workers' loops (socket and raw path), whose progress the systemd watchdog requires. */
    List<LoopRunner> runners() {
        List<LoopRunner> all = new ArrayList<>(server.runners());
        if (rawPath != null) {
            all.addAll(rawPath.runners());
        }
        return all;
    }

    /**
     * Runs the serving warm-up on the caller's thread ({@link Server#warmUp}), then starts the workers and the mode 6
     * thread (after the privilege drop: their threads inherit exactly the capabilities kept); mode 6 answers from {@code control}'s snapshots, the {@code clock} variable read from the
     * served clock ({@code kernelToClockNs} of CLOCK_REALTIME).
     */
    void start(int precisionLog2, Supplier<ControlSnapshot> control, LongUnaryOperator kernelToClockNs) {
        server.startWorkers();
        ControlResponder responder = new ControlResponder();
        KernelVariables kernel = new KernelVariables(); // read on the mode 6 thread only
        long startedNs = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC);
        server.startControl((request, length, hi, lo, port, nowNs, out, lengths) -> {
            long nowUnixNs = kernelToClockNs.applyAsLong(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
            boolean mayReadMru = (server.accessFlags(hi, lo, port) & AccessControl.NOMRULIST) == 0;
            return responder.answer(request, 0, length, control.get(), liveVariables(nowNs - startedNs, kernel),
                    mayReadMru ? () -> recentClients(nowNs, nowUnixNs) : null, hi, lo, port, nowNs,
                    NtpTimestamp.fromUnixNs(nowUnixNs), out, lengths);
        });
        if (rawPath != null) {
            rawPath.startWorkers(onDeath);
            Log.notice(rawPath.describe());
        }
        Log.notice("serving NTP on " + server.boundAddresses().stream().map(NtpServing::format).toList() + " with "
                + server.workers().size() + " worker(s); precision 2^" + precisionLog2 + " s");
    }

    /**
     * The recent-client list for mrulist, oldest first: every socket worker's and raw path worker's rate-limiter table
     * (empty when no limiting is configured), their monotonic arrival times placed on the served clock's timescale as
     * of ({@code nowNs}, {@code nowUnixNs}). A client in more than one table (seen by a socket and an XDP queue: ntpq
     * names entries by address) is listed once, its counts summed, its times the earliest first and the latest last.
     */
    private List<MruEntry> recentClients(long nowNs, long nowUnixNs) {
        // One offset between the two clocks for as long as it holds within 100 ms: ntpq names the entries it has by
        // their last= time and the next reply continues after the one that matches exactly, so an entry's times must
        // not move with the jitter of reading two clocks (or a slew) from one request to the next.
        long offsetNs = nowUnixNs - nowNs;
        if (!mruOffsetSet || Math.abs(offsetNs - mruOffsetNs) > MRU_OFFSET_TOLERANCE_NS) {
            mruOffsetNs = offsetNs;
            mruOffsetSet = true;
        }
        long toUnixNs = mruOffsetNs;
        java.util.Map<String, MruEntry> entries = new java.util.HashMap<>();
        for (RateLimiter limiter : rateLimiters()) {
            limiter.forEachClient((hi, lo, port, mv, firstNs, lastNs, count, limited, kod) -> entries.merge(
                    clientText(hi, lo, port), new MruEntry(clientText(hi, lo, port),
                            NtpTimestamp.fromUnixNs(toUnixNs + firstNs), NtpTimestamp.fromUnixNs(toUnixNs + lastNs),
                            count, mv, limited), NtpServing::merged));
        }
        List<MruEntry> oldestFirst = new ArrayList<>(entries.values());
        oldestFirst.sort(java.util.Comparator.comparingLong(MruEntry::lastNtp64));
        return oldestFirst;
    }

    /** One client of two tables: counts summed, the earliest first, the latest last and its mode. */
    static MruEntry merged(MruEntry a, MruEntry b) {
        MruEntry latest = Long.compareUnsigned(a.lastNtp64(), b.lastNtp64()) >= 0 ? a : b;
        return new MruEntry(a.address(), Long.compareUnsigned(a.firstNtp64(), b.firstNtp64()) <= 0 ? a.firstNtp64()
                : b.firstNtp64(), latest.lastNtp64(), a.count() + b.count(), latest.modeVersion(),
                a.dropped() + b.dropped());
    }

    /** Every socket worker's and raw path worker's rate limiter (all on CLOCK_MONOTONIC: the raw workers read it per batch). */
    private List<RateLimiter> rateLimiters() {
        List<RateLimiter> limiters = new ArrayList<>(server.rateLimiters());
        if (rawPath != null) {
            limiters.addAll(rawPath.rateLimiters());
        }
        return limiters;
    }

    /**
     * jntpc clients: every socket worker's and raw path worker's rate-limiter table read now (on the caller's thread, the control server's;
     * the workers go on writing, {@link RateLimiter#forEachClient}), merged by address: a client whose source port
     * changed may have been steered to another worker. Null when not serving or nothing is limited (no table).
     */
    static List<org.jntpd.control.ServedClient> clients(NtpServing serving) {
        if (serving == null || serving.rateLimiters().isEmpty()) {
            return null;
        }
        long nowNs = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC); // the limiters' clock
        record Key(long hi, long lo) {}
        final class Merged {
            long firstNs = Long.MAX_VALUE;
            long lastNs = Long.MIN_VALUE;
            long count;
            long limited;
            long kod;
            int port;
            int modeVersion;
        }
        java.util.Map<Key, Merged> byAddress = new java.util.HashMap<>();
        for (RateLimiter limiter : serving.rateLimiters()) {
            limiter.forEachClient((hi, lo, port, mv, firstNs, lastNs, count, limited, kod) -> {
                Merged m = byAddress.computeIfAbsent(new Key(hi, lo), k -> new Merged());
                m.firstNs = Math.min(m.firstNs, firstNs);
                if (lastNs > m.lastNs) {
                    m.lastNs = lastNs;
                    m.port = port;
                    m.modeVersion = mv;
                }
                m.count += count;
                m.limited += limited;
                m.kod += kod;
            });
        }
        List<org.jntpd.control.ServedClient> out = new ArrayList<>(byAddress.size());
        byAddress.forEach((k, m) -> {
            out.add(new org.jntpd.control.ServedClient(addressText(k.hi(), k.lo()), m.port, m.modeVersion & 7, m.modeVersion >>> 3 & 7,
                    m.count, m.limited, m.kod, Math.max(0, nowNs - m.firstNs), Math.max(0, nowNs - m.lastNs)));
        });
        return out;
    }

    /** ntpd's sockporttoa: {@code 192.0.2.1:123}, {@code [2001:db8::1]:123}. */
    static String clientText(long hi, long lo, int port) {
        String host = addressText(hi, lo);
        return (ClientAddress.isMappedIpv4(hi, lo) ? host : "[" + host + "]") + ":" + port;
    }

    /** The address alone: {@code 192.0.2.1}, {@code 2001:db8:0:0:0:0:0:1}. */
    static String addressText(long hi, long lo) {
        byte[] b;
        if (ClientAddress.isMappedIpv4(hi, lo)) {
            b = new byte[] {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
        } else {
            b = java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        }
        try {
            return java.net.InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }

    /**
     * The server's counters under NTPsec's sysstats and iostats names (read by name, at the time of the request;
     * never reset, so the "_r" since-reset values equal the totals), and the kernel's clock state under kerninfo's
     * names. Counts jntpd does not keep are left out.
     */
    private List<Variable> liveVariables(long uptimeNs, KernelVariables kernel) {
        // Whole seconds rounded up, at least 1: ntpq's sysstats divides the counts by it (ZeroDivisionError when asked
        // in the daemon's first second).
        String uptime = Long.toString(Math.max(1, Math.ceilDiv(uptimeNs, Units.NS_PER_S)));
        List<Variable> v = new ArrayList<>();
        v.add(Variable.unlisted("ss_uptime", uptime));
        v.add(Variable.unlisted("ss_numctlreq", count(Counter.MODE6_RECEIVED)));
        v.add(Variable.unlisted("iostats_reset", uptime));
        v.add(Variable.unlisted("io_received", count(Counter.RECEIVED)));
        v.add(Variable.unlisted("io_sent", Long.toString(total(Counter.REPLIED) + total(Counter.KOD_SENT))));
        v.add(Variable.unlisted("io_sendfailed", count(Counter.SEND_ERRORS)));
        v.add(Variable.unlisted("io_dropped", Long.toString(total(Counter.DROPPED_TRUNCATED) + server.controlDropped())));
        String[][] sysstats = {
            {"ss_reset", uptime},
            {"ss_received", count(Counter.RECEIVED)},
            {"ss_badformat", count(Counter.DROPPED_MALFORMED)},
            {"ss_badauth", count(Counter.DROPPED_AUTH)},
            {"ss_declined", Long.toString(total(Counter.DROPPED_MODE) + total(Counter.DROPPED_VERSION)
                    + total(Counter.MODE7_DROPPED))},
            {"ss_restricted", Long.toString(total(Counter.DENIED) + total(Counter.MODE6_DENIED))},
            {"ss_limited", count(Counter.RATE_LIMITED)},
            {"ss_kodsent", count(Counter.KOD_SENT)},
            {"ss_processed", count(Counter.REPLIED)},
        };
        for (String[] s : sysstats) {
            v.add(Variable.unlisted(s[0], s[1]));
            v.add(Variable.unlisted(s[0] + "_r", s[1]));
        }
        v.addAll(kernel.read());
        return v;
    }

    private long total(Counter c) {
        return server.total(c) + (rawPath == null ? 0 : rawPath.total(c));
    }

    private String count(Counter c) {
        return Long.toString(total(c));
    }

    /**
     * jntpc serverstats: every server counter summed over the workers (the raw path's included), by its name in
     * lower case; null when not serving.
     */
    static java.util.Map<String, Object> counters(NtpServing serving) {
        if (serving == null) {
            return null;
        }
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (ServerCounters.Counter c : ServerCounters.Counter.values()) {
            m.put(c.name().toLowerCase(Locale.ROOT), serving.server.total(c)
                    + (serving.rawPath == null ? 0 : serving.rawPath.total(c)));
        }
        java.util.Map<String, Object> raw = null;
        if (serving.rawPath != null) {
            raw = new java.util.LinkedHashMap<>();
            for (String line : RawPathService.counterLines(serving.rawPath)) {
                int colon = line.lastIndexOf(':');
                raw.put(line.substring(0, colon).trim().replace(' ', '_'), Long.parseLong(line.substring(colon + 1).trim()));
            }
        }
        m.put("raw_path", raw);
        return m;
    }

    /** Every worker's counters, labelled for the Prometheus exporter; empty when not serving. */
    static List<WorkerCounters> workerCounters(NtpServing serving) {
        if (serving == null) {
            return List.of();
        }
        List<WorkerCounters> all = new ArrayList<>();
        List<ServerWorker> udp = serving.server.workers();
        for (int i = 0; i < udp.size(); i++) {
            all.add(new WorkerCounters("udp", i, udp.get(i).counters()));
        }
        if (serving.rawPath != null) {
            List<RawWorker> raw = serving.rawPath.workers();
            for (int i = 0; i < raw.size(); i++) {
                all.add(new WorkerCounters("xdp", i, raw.get(i).logic().counters()));
            }
        }
        return all;
    }

    /**
     * jntpc authdata's {@code ntp_server} (docs/CONTROL.md): the authentication counters and the refusals by reason,
     * all reasons there (0 when none).
     */
    java.util.Map<String, Object> authFields() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (ServerCounters.Counter c : List.of(ServerCounters.Counter.NTS_REPLIED, ServerCounters.Counter.NTS_NAK,
                ServerCounters.Counter.MAC_REPLIED, ServerCounters.Counter.DROPPED_AUTH)) {
            m.put(c.name().toLowerCase(Locale.ROOT), total(c));
        }
        java.util.Map<String, Object> refused = new java.util.LinkedHashMap<>();
        for (AuthFailure f : AuthFailure.values()) {
            refused.put(f.name().toLowerCase(Locale.ROOT), server.totalAuthFailures(f));
        }
        m.put("refused", refused);
        return m;
    }

    /** jntpc authdata's part: the NTP server's authentication counters and its refusals by reason. */
    String authStats() {
        StringBuilder b = new StringBuilder("NTP server authentication:\n");
        for (ServerCounters.Counter c : List.of(ServerCounters.Counter.NTS_REPLIED, ServerCounters.Counter.NTS_NAK,
                ServerCounters.Counter.MAC_REPLIED, ServerCounters.Counter.DROPPED_AUTH)) {
            // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
            b.append(String.format((Locale) null, "  %-24s: %d%n", c.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    server.total(c) + (rawPath == null ? 0 : rawPath.total(c))));
        }
        for (AuthFailure f : AuthFailure.values()) {
            long n = server.totalAuthFailures(f);
            if (n > 0) {
                b.append(String.format((Locale) null, "  refused %-16s: %d%n",
                        f.name().toLowerCase(Locale.ROOT).replace('_', ' '), n));
            }
        }
        return b.toString();
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        int pct = host.indexOf('%');
        host = pct >= 0 ? host.substring(0, pct) : host;
        if (host.equals("0:0:0:0:0:0:0:0")) {
            host = "::";
        } else if (host.equals("0:0:0:0:0:0:0:1")) {
            host = "::1";
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        if (rawPath != null) {
            rawPath.close(); // detaches the XDP program
        }
        server.close();
    }
}
