package org.jntpd.daemon;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.jntpd.metrics.WorkerCounters;
import org.jntpd.server.AuthFailure;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.server.linux.Server;
import org.jntpd.server.linux.ServerWorker;
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

    private NtpServing(Server server, RawPath rawPath) {
        this.server = server;
        this.rawPath = rawPath;
    }

    /**
     * Binds the server's sockets, and attaches the raw path when asked for; throws
     * {@link org.jntpd.platform.NativeException} when the sockets cannot be bound.
     */
    static NtpServing open(Config config, ServerStateHolder state, LongUnaryOperator kernelToClockNs,
            ServerAuth auth) {
        Server server = Server.open(config.serving(), config.restrictions(), state, kernelToClockNs, auth);
        return new NtpServing(server, RawPathService.open(RawPathService.fromProperty(), config, state::current,
                kernelToClockNs, auth, Log::warn));
    }

    /** Starts the workers (after the privilege drop: their threads inherit exactly the capabilities kept). */
    void start(int precisionLog2) {
        server.startWorkers();
        if (rawPath != null) {
            rawPath.startWorkers();
            Log.notice(rawPath.describe());
        }
        Log.notice("serving NTP on " + server.boundAddresses().stream().map(NtpServing::format).toList() + " with "
                + server.workers().size() + " worker(s); precision 2^" + precisionLog2 + " s");
    }

    /** chronyc-style "serverstats": the server's counters summed over its workers; {@code serving} null: not serving. */
    static String stats(NtpServing serving) {
        if (serving == null) {
            return "not serving NTP (port 0)\n";
        }
        StringBuilder b = new StringBuilder();
        for (ServerCounters.Counter c : ServerCounters.Counter.values()) {
            b.append(String.format(Locale.ROOT, "%-22s: %d%n", c.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    serving.server.total(c) + (serving.rawPath == null ? 0 : serving.rawPath.total(c))));
        }
        if (serving.rawPath != null) {
            RawPathService.counterLines(serving.rawPath).forEach(l -> b.append(l).append('\n'));
        }
        return b.toString();
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

    /** jntpc authdata's part: the NTP server's authentication counters and its refusals by reason. */
    String authStats() {
        StringBuilder b = new StringBuilder("NTP server authentication:\n");
        for (ServerCounters.Counter c : List.of(ServerCounters.Counter.NTS_REPLIED, ServerCounters.Counter.NTS_NAK,
                ServerCounters.Counter.MAC_REPLIED, ServerCounters.Counter.DROPPED_AUTH)) {
            b.append(String.format(Locale.ROOT, "  %-24s: %d%n", c.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    server.total(c) + (rawPath == null ? 0 : rawPath.total(c))));
        }
        for (AuthFailure f : AuthFailure.values()) {
            long n = server.totalAuthFailures(f);
            if (n > 0) {
                b.append(String.format(Locale.ROOT, "  refused %-16s: %d%n",
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
