package org.jntpd.perf;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jntpd.auth.Aead;
import org.jntpd.io.UdpSocket;
import org.jntpd.nts.KeException;
import org.jntpd.nts.ke.NtsKeClient;
import org.jntpd.nts.ke.Tls;
import org.jntpd.platform.NativeException;

/** {@code jntpc perf}: parses the options, runs a {@link LoadGenerator} and prints a line per step and a summary. */
public final class PerfCommand {
    private PerfCommand() {
    }

    /** Runs the command; returns the exit status (0 done, 1 failed, 2 bad usage). */
    public static int main(String[] args, PrintStream out, PrintStream err) {
        PerfOptions options;
        try {
            options = PerfOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jntpc perf: " + e.getMessage());
            return 2;
        }
        if (options == null) {
            out.print(PerfOptions.USAGE);
            return 0;
        }
        try {
            if (options.raw() != null) {
                runRaw(options, out);
            } else {
                run(options, out);
            }
            return 0;
        } catch (IllegalArgumentException | NativeException | IllegalStateException e) {
            err.println("jntpc perf: " + e.getMessage());
            return 1;
        }
    }

    /** Resolves and checks the target, runs the load and prints as it goes; returns the measured steps. */
    public static PerfResult run(PerfOptions options, PrintStream out) {
        InetSocketAddress server = resolve(options);
        List<StepStats> measured = new ArrayList<>();
        List<LoadGenerator.NtsSession> nts = options.ntsKe() == null ? List.of() : keyExchanges(options, server, out);
        try (LoadGenerator generator = new LoadGenerator(options, server, nts)) {
            int[] clientPorts = generator.localPorts();
            long clientDrops0 = UdpDrops.sum(clientPorts);
            long serverDrops0 = UdpDrops.sum(server.getPort());
            PerfReport report = new PerfReport(out, options.kv());
            report.header(options, server, generator.timestampMode());
            generator.run(step -> {
                if (step.number > 0) {
                    measured.add(step);
                    report.step(step, options.xleave());
                }
            });
            long clientDrops = delta(UdpDrops.sum(clientPorts), clientDrops0);
            long serverDrops = delta(UdpDrops.sum(server.getPort()), serverDrops0);
            PerfResult result = PerfResult.of(measured, clientDrops, serverDrops, generator,
                    options.lossLimitPercent());
            report.summary(result, options);
            return result;
        }
    }

    /**
     * The raw sender's run: a line per step and a summary; returns the measured steps. Text or, with --kv:
     * <pre>
     * step=N target_rps=R offered_rps=S reply_rps=N loss_pct=L server_p50_ns=A server_p99_ns=B tx_err_p1_ns=C ...
     * summary max_sustained_rps=N max_sustained_target=R max_sustained_server_p50_ns=A ... peak_rps=P ...
     * </pre>
     */
    public static List<RawLoad.Step> runRaw(PerfOptions o, PrintStream out) {
        try (RawLoad load = new RawLoad(o)) {
            String head = String.format(Locale.ROOT, "jntpc perf: %s port %d, %s%s", o.host(), o.port(),
                    load.describe(), o.cpu() >= 0 ? ", generator on CPU " + o.cpu() : "");
            out.println(o.kv() ? "# " + head : head);
            if (!o.kv()) {
                out.println(" step  target/s  offered/s  replies/s    loss%   server T3-T2 us p50/p99"
                        + "   T3-T4 us p50 [p1,p99]");
            }
            List<RawLoad.Step> steps = load.run(s -> {
                if (o.kv()) {
                    out.printf(Locale.ROOT, "step=%d target_rps=%d offered_rps=%.1f reply_rps=%.1f loss_pct=%.4f"
                            + " server_p50_ns=%d server_p99_ns=%d tx_err_p1_ns=%d tx_err_p50_ns=%d tx_err_p99_ns=%d%n",
                            s.number(), s.targetRate(), s.offeredRate(), s.replyRate(), s.lossPercent(),
                            s.serverNs(0.5), s.serverNs(0.99), s.txErrorNs(0.01), s.txErrorNs(0.5),
                            s.txErrorNs(0.99));
                } else {
                    out.printf(Locale.ROOT, "%5d %9d %10.0f %10.0f %8.3f   %21s   %21s%n", s.number(), s.targetRate(),
                            s.offeredRate(), s.replyRate(), s.lossPercent(), PerfReport.us(s.serverNs(0.5)) + "/"
                                    + PerfReport.us(s.serverNs(0.99)), PerfReport.us(s.txErrorNs(0.5)) + " ["
                                    + PerfReport.us(s.txErrorNs(0.01)) + "," + PerfReport.us(s.txErrorNs(0.99)) + "]");
                }
            });
            RawLoad.Step max = null;
            RawLoad.Step peak = null;
            for (RawLoad.Step s : steps) {
                if (s.lossPercent() <= o.lossLimitPercent() && (max == null || s.replyRate() > max.replyRate())) {
                    max = s;
                }
                if (peak == null || s.replyRate() > peak.replyRate()) {
                    peak = s;
                }
            }
            if (o.kv()) {
                out.printf(Locale.ROOT, "summary max_sustained_rps=%.1f max_sustained_target=%d"
                        + " max_sustained_server_p50_ns=%d max_sustained_server_p99_ns=%d peak_rps=%.1f"
                        + " peak_loss_pct=%.4f generator_limited=%d stopped_on_loss=%d%n",
                        max == null ? 0 : max.replyRate(), max == null ? 0 : max.targetRate(),
                        max == null ? 0 : max.serverNs(0.5), max == null ? 0 : max.serverNs(0.99),
                        peak == null ? 0 : peak.replyRate(), peak == null ? 0 : peak.lossPercent(),
                        load.generatorLimited() ? 1 : 0, load.stoppedOnLoss() ? 1 : 0);
            } else {
                out.println(max == null ? "no step kept loss at or below " + o.lossLimitPercent() + "%"
                        : String.format(Locale.ROOT, "max sustained reply rate at <= %.2f%% loss: %.0f/s (step %d,"
                                + " offered %d/s)", o.lossLimitPercent(), max.replyRate(), max.number(),
                                max.targetRate()));
                if (peak != null && peak != max) {
                    out.printf(Locale.ROOT, "peak reply rate: %.0f/s at %.3f%% loss (step %d)%n", peak.replyRate(),
                            peak.lossPercent(), peak.number());
                }
                if (load.generatorLimited()) {
                    out.println("the generator fell behind its schedule: higher rates were not offered");
                }
            }
            return steps;
        }
    }

    /**
     * NTS: one NTS-KE exchange per socket (distinct keys, as distinct clients have); the NTP port must be the target's.
     */
    static List<LoadGenerator.NtsSession> keyExchanges(PerfOptions options, InetSocketAddress server, PrintStream out) {
        String ke = options.ntsKe();
        String host = ke;
        int port = PerfOptions.DEFAULT_NTS_KE_PORT;
        int colon = ke.lastIndexOf(':');
        if (colon > 0 && ke.indexOf(':') == colon) {
            host = ke.substring(0, colon);
            port = Integer.parseInt(ke.substring(colon + 1));
        } else if (ke.startsWith("[") && ke.contains("]:")) {
            host = ke.substring(1, ke.indexOf(']'));
            port = Integer.parseInt(ke.substring(ke.indexOf("]:") + 2));
        }
        javax.net.ssl.SSLContext tls;
        try {
            tls = Tls.clientContext(options.ntsCa() == null ? List.of() : List.of(java.nio.file.Path.of(options.ntsCa())));
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("--nts-ca " + options.ntsCa() + ": " + e.getMessage());
        }
        List<LoadGenerator.NtsSession> sessions = new ArrayList<>();
        for (int k = 0; k < options.sockets(); k++) {
            NtsKeClient.Result r;
            try {
                r = NtsKeClient.exchange(host, port, tls, List.of(Aead.AES_SIV_CMAC_256), 5000);
            } catch (KeException e) {
                throw new IllegalStateException("NTS-KE with " + host + ":" + port + ": " + e.getMessage());
            }
            if (r.ntpPort() != server.getPort()) {
                throw new IllegalArgumentException("NTS-KE names NTP port " + r.ntpPort() + ", the target is port "
                        + server.getPort());
            }
            sessions.add(new LoadGenerator.NtsSession(r.aead(), r.c2s(), r.s2c(), r.cookies().getFirst()));
        }
        String line = String.format(Locale.ROOT, "NTS: %d NTS-KE exchanges with %s:%d, AEAD %d, cookies of %d bytes",
                sessions.size(), host, port, sessions.getFirst().aead(), sessions.getFirst().cookie().length);
        out.println(options.kv() ? "# " + line : line);
        return sessions;
    }

    private static long delta(long after, long before) {
        return after < 0 || before < 0 ? -1 : after - before;
    }

    /** The server's address; refuses anything but loopback unless allowed. */
    static InetSocketAddress resolve(PerfOptions options) {
        InetAddress address;
        try {
            address = InetAddress.getByName(options.host());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve " + options.host());
        }
        if (!address.isLoopbackAddress() && !options.allowNonLoopback()) {
            throw new IllegalArgumentException(address.getHostAddress() + " is not a loopback address: "
                    + "load goes to 127.0.0.0/8 or ::1 only, unless --allow-nonloopback (for a network namespace "
                    + "you made)");
        }
        return new InetSocketAddress(address, options.port());
    }

    /** Text and key=value rendering. */
    static final class PerfReport {
        private final PrintStream out;
        private final boolean kv;

        PerfReport(PrintStream out, boolean kv) {
            this.out = out;
            this.kv = kv;
        }

        void header(PerfOptions o, InetSocketAddress server, UdpSocket.TimestampMode mode) {
            String stamps = o.kernelTxStamps() && mode == UdpSocket.TimestampMode.TIMESTAMPING
                    ? "kernel TX and RX stamps" : "T1 from the clock before sendmmsg, kernel RX stamps";
            String line = String.format(Locale.ROOT, "jntpc perf: %s port %d, %d sockets, batch %d, NTPv%d%s, %s%s",
                    server.getAddress().getHostAddress(), server.getPort(), o.sockets(), o.batch(), o.version(),
                    o.xleave() ? " interleaved" : "", stamps, o.cpu() >= 0 ? ", generator on CPU " + o.cpu() : "");
            if (kv) {
                out.println("# " + line);
                return;
            }
            out.println(line);
            out.println(" step  target/s  offered/s  replies/s    loss%"
                    + "   server T3-T2 us p50/p99/max   delay us p50/p99/max    T4-T1 us p50/p99/max"
                    + "   T2-T1 us p50 [p1,p99]   T3-T4 us p50 [p1,p99]");
        }

        void step(StepStats s, boolean xleave) {
            if (kv) {
                out.printf(Locale.ROOT, "step=%d target_rps=%d offered_rps=%.1f reply_rps=%.1f loss_pct=%.4f"
                        + " sent=%d behind=%d replies=%d interleaved=%d kod=%d late=%d send_failures=%d"
                        + " server_p50_ns=%d server_p99_ns=%d server_max_ns=%d"
                        + " delay_p50_ns=%d delay_p99_ns=%d delay_max_ns=%d"
                        + " rtt_p50_ns=%d rtt_p99_ns=%d rtt_max_ns=%d"
                        + " rx_err_p1_ns=%d rx_err_p50_ns=%d rx_err_p99_ns=%d"
                        + " tx_err_p1_ns=%d tx_err_p50_ns=%d tx_err_p99_ns=%d"
                        + " user_t1=%d user_t4=%d alloc_bytes=%d truncated=%d%n",
                        s.number, s.targetRate, s.offeredRate(), s.replyRate(), s.lossPercent(), s.sent(), s.behind(),
                        s.replies(), s.interleavedReplies(), s.kissOfDeath(), s.late(), s.sendFailures(),
                        s.serverNs.valueAt(0.5), s.serverNs.valueAt(0.99), s.serverNs.max(),
                        s.delayNs.valueAt(0.5), s.delayNs.valueAt(0.99), s.delayNs.max(),
                        s.roundTripNs.valueAt(0.5), s.roundTripNs.valueAt(0.99), s.roundTripNs.max(),
                        s.rxStampErrorNs.valueAt(0.01), s.rxStampErrorNs.valueAt(0.5), s.rxStampErrorNs.valueAt(0.99),
                        s.txStampErrorNs.valueAt(0.01), s.txStampErrorNs.valueAt(0.5), s.txStampErrorNs.valueAt(0.99),
                        s.userT1(), s.userT4(), s.allocatedBytes(), s.truncated() ? 1 : 0);
                return;
            }
            StringBuilder notes = new StringBuilder();
            if (s.truncated()) {
                notes.append(" (cut short)");
            }
            if (s.kissOfDeath() > 0) {
                notes.append(" kod=").append(s.kissOfDeath());
            }
            if (s.late() > 0) {
                notes.append(" late=").append(s.late());
            }
            if (s.behind() > 0) {
                notes.append(" generator-behind=").append(s.behind());
            }
            if (s.sendFailures() > 0) {
                notes.append(" send-failures=").append(s.sendFailures());
            }
            if (xleave) {
                notes.append(" interleaved=").append(s.interleavedReplies());
            }
            out.printf(Locale.ROOT, "%5d %9d %10.0f %10.0f %8.3f   %27s   %20s   %20s   %21s   %21s%s%n", s.number,
                    s.targetRate, s.offeredRate(), s.replyRate(), s.lossPercent(), triple(s.serverNs),
                    triple(s.delayNs), triple(s.roundTripNs), spread(s.rxStampErrorNs), spread(s.txStampErrorNs),
                    notes);
        }

        private static String spread(SignedHistogram h) {
            if (h.count() == 0) {
                return "-";
            }
            return String.format(Locale.ROOT, "%s [%s,%s]", us(h.valueAt(0.5)), us(h.valueAt(0.01)),
                    us(h.valueAt(0.99)));
        }

        private static String triple(LogLinearHistogram h) {
            if (h.count() == 0) {
                return "-";
            }
            return String.format(Locale.ROOT, "%s/%s/%s", us(h.valueAt(0.5)), us(h.valueAt(0.99)), us(h.max()));
        }

        static String us(long ns) {
            return Math.abs(ns) < 100_000 ? String.format(Locale.ROOT, "%.1f", ns / 1e3)
                    : String.format(Locale.ROOT, "%.0f", ns / 1e3);
        }

        void summary(PerfResult r, PerfOptions o) {
            StepStats m = r.maxSustainedStep();
            StepStats p = r.peakStep();
            long steadyAlloc = steadyAllocation(r, o.warmUpNs() > 0);
            long userT1 = r.steps().stream().mapToLong(StepStats::userT1).sum();
            long userT4 = r.steps().stream().mapToLong(StepStats::userT4).sum();
            if (kv) {
                out.printf(Locale.ROOT, "summary max_sustained_rps=%.1f max_sustained_target=%d max_sustained_step=%d"
                        + " max_sustained_server_p50_ns=%d max_sustained_server_p99_ns=%d"
                        + " peak_rps=%.1f peak_loss_pct=%.4f client_drops=%d server_drops=%d"
                        + " unmatched=%d duplicates=%d malformed=%d generator_limited=%d stopped_on_loss=%d"
                        + " steady_alloc_bytes=%d user_t1=%d user_t4=%d nts=%d nts_not_authentic=%d%n",
                        r.maxSustainedRate(), m == null ? 0 : m.targetRate, m == null ? 0 : m.number,
                        m == null ? 0 : m.serverNs.valueAt(0.5), m == null ? 0 : m.serverNs.valueAt(0.99),
                        p == null ? 0 : p.replyRate(), p == null ? 0 : p.lossPercent(), r.clientDrops(),
                        r.serverDrops(), r.unmatched(), r.duplicates(), r.malformed(), r.generatorLimited() ? 1 : 0,
                        r.stoppedOnLoss() ? 1 : 0, steadyAlloc, userT1, userT4, o.ntsKe() == null ? 0 : 1,
                        r.ntsNotAuthentic());
                return;
            }
            if (m == null) {
                out.println("no step kept loss at or below " + o.lossLimitPercent() + "%");
            } else {
                out.printf(Locale.ROOT, "max sustained reply rate at <= %.1f%% loss: %.0f/s (step %d, offered %d/s)%n",
                        o.lossLimitPercent(), m.replyRate(), m.number, m.targetRate);
            }
            if (p != null && p != m) {
                out.printf(Locale.ROOT, "peak reply rate: %.0f/s at %.3f%% loss (step %d)%n", p.replyRate(),
                        p.lossPercent(), p.number);
            }
            out.printf(Locale.ROOT, "kernel drops: client sockets %s, sockets on the server's port %d: %s%n",
                    count(r.clientDrops()), o.port(), count(r.serverDrops()));
            if (r.unmatched() + r.duplicates() + r.malformed() > 0) {
                out.printf(Locale.ROOT, "unmatched replies %d, duplicates %d, not replies %d%n", r.unmatched(),
                        r.duplicates(), r.malformed());
            }
            if (o.ntsKe() != null) {
                out.printf(Locale.ROOT, "NTS replies not authentic (checked one in %d): %d%n", o.ntsVerifyEvery(),
                        r.ntsNotAuthentic());
            }
            if (userT1 + userT4 > 0) {
                out.printf(Locale.ROOT, "clock readings stood in for %d missing kernel TX and %d RX stamps%n",
                        userT1, userT4);
            }
            if (r.generatorLimited()) {
                out.println("the generator fell behind its schedule: higher rates were not offered"
                        + " (more --sockets, a larger --batch, --user-tx-stamps, or a core of its own)");
            }
            if (r.stoppedOnLoss()) {
                out.printf(Locale.ROOT, "ramp stopped after a step lost more than %.1f%%%n", o.stopLossPercent());
            }
            out.println("generator allocation in the last complete step after warm-up: "
                    + (steadyAlloc < 0 ? "not measured" : steadyAlloc + " bytes"));
        }

        private static String count(long n) {
            return n < 0 ? "unknown" : Long.toString(n);
        }
    }

    /**
     * Bytes the generator allocated during the last complete step after warming up (the warm-up, or else the first
     * step, lets the JIT settle), or -1 when there is none.
     */
    static long steadyAllocation(PerfResult r, boolean warmedUp) {
        long last = -1;
        for (StepStats s : r.steps()) {
            if (s.number >= (warmedUp ? 1 : 2) && !s.truncated() && s.allocatedBytes() >= 0) {
                last = s.allocatedBytes();
            }
        }
        return last;
    }
}
