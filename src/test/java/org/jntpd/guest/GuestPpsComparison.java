package org.jntpd.guest;

import static org.jntpd.guest.GuestVm.GUEST_TOOL;
import static org.jntpd.time.Units.NS_PER_S;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * PPS discipline of a real kernel clock, jntpd beside chronyd: one after the other in one guest, each with clock control
 * on, from the same pulses (the jntpd_pps module on the guest's raw clock) with the same coarse source for the seconds
 * (an NTP server on the host, {@link HostTimeServer}), each starting 0.3 s and 50 ppm off. The truth is the module's
 * intended edge times: at assert n the guest clock's error is {@code assert_ns - (first_edge_real_ns + (n-1) s)}, read
 * by a PPS reader beside the daemon ({@code jntpd-guest-tool pps}), so the figures are the daemons' own, free of TCG's
 * timer noise (the module stamps each edge at its intended instant).
 *
 * <p>The 50 ppm are set on the guest clock ({@code adjtimex} frequency, which both daemons keep as their starting
 * point without a drift file), not on the reference: a reference 50 ppm off the raw clock would also be 50 ppm off the
 * host's NTP server, and the two sources would part by 5 ms every 100 s. The clock is stepped 0.3 s ahead with the
 * same tool. Converged = {@value #SETTLED_EDGES} consecutive edges within {@value #SETTLED_NS} ns; the window after that
 * is what is reported. {@link #main} is bench/guest-pps-vs-chronyd.
 */
public final class GuestPpsComparison {
    public static final long START_OFFSET_NS = 300_000_000L;
    public static final double START_FREQ_PPM = 50.0;
    // 5 us, not 20: a daemon's last approach can take tens of seconds (jntpd once crept from 10 us to 0 over 30
    // edges), and a window that starts on it measures the approach, not the steady state both are compared in.
    static final long SETTLED_NS = 5_000;
    static final int SETTLED_EDGES = 10;
    private static final Path CHRONYD = Path.of("/usr/sbin/chronyd");

    private final GuestVm vm;
    private final HostTimeServer server;
    private String ppsDevice;
    private long firstEdgeRealNs;

    /**
     * One daemon's figures: the window's edges after convergence, errors in ns (guest clock minus truth); every edge's
     * error from the daemon's start to the window's end in {@code allErrorsNs}.
     */
    public record Result(String daemon, int edgesToConverge, int samples, double rmsNs, double meanNs, long maxAbsNs,
            long[] windowErrorsNs, long[] allErrorsNs, String log) {
        String line() {
            return String.format(Locale.ROOT, "%-8s converged after %3d edges  n=%4d  RMS %8.0f ns  mean %+8.0f ns  MAX %7d ns",
                    daemon, edgesToConverge, samples, rmsNs, meanNs, maxAbsNs);
        }
    }

    /** Runs in the guest while the daemon is converged (after the window): host-side clients, state checks. */
    public interface WhileConverged {
        void run() throws Exception;
    }

    private GuestPpsComparison(GuestVm vm, HostTimeServer server) {
        this.vm = vm;
        this.server = server;
    }

    /** A comparison in {@code vm} with {@code server} as the coarse source. */
    public static GuestPpsComparison of(GuestVm vm, HostTimeServer server) {
        return new GuestPpsComparison(vm, server);
    }

    /**
     * Sets the guest clock from the host's server without the relay ({@code chronyd -q}: to a few hundred us), then
     * reloads jntpd_pps so its edges fall on the guest's, now the host's, whole seconds: the pulses and the coarse
     * source agree at the start of each daemon's run. (They part by a few ppm: the guest's raw clock runs at the TSC
     * rate its kernel calibrated against emulated timers.)
     */
    private void align() throws IOException, TimeoutException {
        String out = vm.exec("""
                mkdir -p /run/chrony /var/lib/chrony
                %s -q -u root 'server 10.0.2.2 port %d iburst' 2>&1 | grep -i 'clock wrong' || true
                busybox modprobe -r jntpd_pps && busybox modprobe jntpd_pps
                %s find pps jntpd_pps
                cat /sys/module/jntpd_pps/parameters/first_edge_real_ns
                """.formatted(CHRONYD, server.directPort(), GUEST_TOOL), Duration.ofSeconds(60)).requireSuccess().stdout();
        List<String> lines = out.lines().toList();
        ppsDevice = lines.get(lines.size() - 2).strip();
        firstEdgeRealNs = Long.parseLong(lines.getLast().strip());
    }

    /** jntpd with clock control on: the coarse server, the PPS as preferred refclock, and {@code extraConfig}. */
    public Result runJntpd(int windowEdges, Duration timeout, String extraConfig, WhileConverged hook) throws Exception {
        align();
        Files.writeString(vm.jobDir().resolve("jntpd.conf"), """
                server 10.0.2.2 port %d iburst minpoll 0 maxpoll 2
                refclock pps %s refid PPS poll 0 prefer
                %s
                """.formatted(server.port(), ppsDevice, extraConfig));
        return run("jntpd", GuestProcess.jntpd("-d -c /job/jntpd.conf"), windowEdges, timeout, hook);
    }

    /**
     * chronyd with clock control on: the same server and pulses; without {@code lock}, chrony numbers a pulse by the
     * synchronised system clock, as jntpd does. {@code makestep} lets it step the 0.3 s as jntpd's default does.
     */
    public Result runChronyd(int windowEdges, Duration timeout, WhileConverged hook) throws Exception {
        align();
        Files.writeString(vm.jobDir().resolve("chrony.conf"), """
                server 10.0.2.2 port %d iburst minpoll 0 maxpoll 2
                refclock PPS %s refid PPS poll 0 prefer
                makestep 0.1 3
                bindcmdaddress /
                cmdport 0
                """.formatted(server.port(), ppsDevice));
        return run("chronyd", CHRONYD + " -d -f /job/chrony.conf -u root", windowEdges, timeout, hook);
    }

    private Result run(String name, String command, int windowEdges, Duration timeout, WhileConverged hook)
            throws Exception {
        vm.exec("%1$s step realtime %2$d && %1$s adjfreq realtime %3$s".formatted(GUEST_TOOL, START_OFFSET_NS,
                START_FREQ_PPM), Duration.ofSeconds(30)).requireSuccess();
        long edges = timeout.toSeconds() + 10;
        GuestProcess reader = GuestProcess.start(vm, "pps-" + name, GUEST_TOOL + " pps " + ppsDevice + " " + edges);
        GuestProcess daemon = GuestProcess.start(vm, name, command);
        try {
            long deadlineNs = System.nanoTime() + timeout.toNanos();
            Result r = null;
            while (r == null) {
                if (System.nanoTime() - deadlineNs > 0 || daemon.ended() || reader.ended()) {
                    throw new AssertionError(name + " did not converge (" + SETTLED_EDGES + " edges within "
                            + SETTLED_NS + " ns, then " + windowEdges + " more) in " + timeout + "; errors (us): "
                            + micros(errors(reader.log())) + "\n" + name + " log:\n" + tail(daemon.log()));
                }
                Thread.sleep(500);
                r = window(name, errors(reader.log()), windowEdges, daemon.log());
            }
            hook.run();
            return r;
        } finally {
            daemon.stop(Duration.ofSeconds(30));
            reader.stop(Duration.ofSeconds(30));
        }
    }

    /** The errors of the asserts read so far, ns, in order. */
    long[] errors(String readerOutput) {
        return ProbeLines.records(readerOutput, "assert_seq", null).stream()
                .mapToLong(r -> Long.parseLong(r.get("assert_ns"))
                        - (firstEdgeRealNs + (Long.parseLong(r.get("assert_seq")) - 1) * NS_PER_S))
                .toArray();
    }

    /** The window after convergence, or null while it is incomplete. */
    static Result window(String name, long[] errors, int windowEdges, String log) {
        int run = 0;
        for (int i = 0; i < errors.length; i++) {
            run = Math.abs(errors[i]) < SETTLED_NS ? run + 1 : 0;
            if (run == SETTLED_EDGES) {
                int from = i + 1;
                if (errors.length < from + windowEdges) {
                    return null;
                }
                long[] w = java.util.Arrays.copyOfRange(errors, from, from + windowEdges);
                double sum = 0;
                double sq = 0;
                long max = 0;
                for (long e : w) {
                    sum += e;
                    sq += (double) e * e;
                    max = Math.max(max, Math.abs(e));
                }
                return new Result(name, from, w.length, Math.sqrt(sq / w.length), sum / w.length, max, w,
                        java.util.Arrays.copyOf(errors, from + windowEdges), log);
            }
        }
        return null;
    }

    private static String micros(long[] errorsNs) {
        StringBuilder b = new StringBuilder();
        for (long e : errorsNs) {
            b.append(Math.round(e / 1000.0)).append(' ');
        }
        return b.toString();
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * Keeps a run's evidence in {@code work}: {@code pps-runN-DAEMON.errors} (edge number and error in ns, one edge a
     * line, from the daemon's start: the approach and the window's shape, which RMS and mean do not show) and the
     * daemon's log.
     */
    private static void keep(Path work, int run, Result r) throws IOException {
        StringBuilder b = new StringBuilder("# edge error_ns (window from edge " + (r.edgesToConverge() + 1) + ")\n");
        for (int i = 0; i < r.allErrorsNs().length; i++) {
            b.append(i + 1).append(' ').append(r.allErrorsNs()[i]).append('\n');
        }
        Files.writeString(work.resolve("pps-run" + run + "-" + r.daemon() + ".errors"), b);
        Files.writeString(work.resolve("pps-run" + run + "-" + r.daemon() + ".log"), r.log());
    }

    /** jntpd's statistics in the guest: each update's offset and frequency, each PPS sample as the sync core took it. */
    private static final String STATS = "statsdir /job/stats\nstatistics loopstats clockstats peerstats\n";

    /** Keeps jntpd's statistics files as {@code pps-runN-jntpd.loopstats} etc. (the job folder goes with the guest). */
    private static void keepStats(Path stats, Path work, int run) throws IOException {
        try (var files = Files.list(stats)) {
            for (Path f : files.toList()) {
                String kind = f.getFileName().toString().replaceAll("\\..*", "");
                Files.copy(f, work.resolve("pps-run" + run + "-jntpd." + kind),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The side-by-side lines. */
    public static String table(List<Result> results) {
        StringBuilder b = new StringBuilder();
        for (Result r : results) {
            b.append(r.line()).append('\n');
        }
        return b.toString();
    }

    /**
     * bench/guest-pps-vs-chronyd: {@code [--window EDGES] [--runs N]}; runs alternate which daemon goes first. Each run
     * boots a guest; prints each daemon's line and, at the end, the medians over the runs.
     */
    public static void main(String[] args) throws Exception {
        int window = 300;
        int runs = 1;
        int requestMs = 5;
        int replyMs = 5;
        String only = null; // one daemon only (a diagnostic run): jntpd or chronyd
        int firstRun = 1; // runs split over several invocations go on numbering (and alternating) from here
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--window" -> window = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                case "--first-run" -> firstRun = Integer.parseInt(args[++i]);
                case "--relay" -> {
                    String[] ms = args[++i].split(",");
                    requestMs = Integer.parseInt(ms[0]);
                    replyMs = Integer.parseInt(ms[1]);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (expected --window EDGES, --runs N)");
            }
        }
        GuestVm.unavailableReason().ifPresent(why -> {
            throw new IllegalStateException("the guest tier cannot run here: " + why);
        });
        Map<String, String> hostBefore = GuestVm.hostTimex();
        Duration timeout = Duration.ofSeconds(window + 150);
        List<Result> all = new ArrayList<>();
        Map<String, Integer> failures = new java.util.HashMap<>();
        Path work = Path.of(System.getProperty("jntpd.buildDir", "target"), "guest").toAbsolutePath();
        Files.createDirectories(work);
        for (int run = firstRun - 1; run < firstRun - 1 + runs; run++) {
            try (HostTimeServer server = HostTimeServer.start(work, Duration.ofMillis(requestMs), Duration.ofMillis(replyMs));
                    GuestVm vm = GuestVm.builder().name("GuestPpsComparison").modules("jntpd_pps").udpForward(123)
                            .lifetime(timeout.multipliedBy(3)).start()) {
                GuestPpsComparison c = of(vm, server);
                for (int k = 0; k < 2; k++) {
                    boolean jntpdNow = (run + k) % 2 == 0;
                    String daemon = jntpdNow ? "jntpd" : "chronyd";
                    if (only != null && !only.equals(daemon)) {
                        continue;
                    }
                    try {
                        Path stats = vm.jobDir().resolve("stats");
                        Files.createDirectories(stats);
                        Result r = jntpdNow ? c.runJntpd(window, timeout, STATS, () -> { })
                                : c.runChronyd(window, timeout, () -> { });
                        System.out.print("run " + (run + 1) + " " + r.line() + "\n");
                        all.add(r);
                        keep(work, run + 1, r);
                        if (jntpdNow) {
                            keepStats(stats, work, run + 1);
                        }
                    } catch (AssertionError notConverged) {
                        // One daemon failing to settle is a result too: say so, keep its log, go on with the other.
                        // The whole message (every error so far, the daemon's log's tail) in a file: the guest's
                        // job folder goes with the guest.
                        String why = notConverged.getMessage();
                        Path kept = work.resolve("pps-run" + (run + 1) + "-" + daemon + ".failed");
                        Files.writeString(kept, why);
                        if (jntpdNow) {
                            keepStats(vm.jobDir().resolve("stats"), work, run + 1);
                        }
                        System.out.printf(Locale.ROOT, "run %d %-8s DID NOT CONVERGE in %s (all of it: %s)%n  %s%n",
                                run + 1, daemon, timeout, kept, why.substring(0, Math.min(why.length(), 600)));
                        failures.merge(daemon, 1, Integer::sum);
                    }
                }
            }
        }
        GuestVm.requireHostClockUnchanged(hostBefore);
        for (String d : List.of("jntpd", "chronyd")) {
            double[] rms = all.stream().filter(r -> r.daemon().equals(d)).mapToDouble(Result::rmsNs).sorted().toArray();
            long[] max = all.stream().filter(r -> r.daemon().equals(d)).mapToLong(Result::maxAbsNs).sorted().toArray();
            int failed = failures.getOrDefault(d, 0);
            if (rms.length == 0) {
                System.out.printf(Locale.ROOT, "%-8s converged in none of %d runs%n", d, failed);
                continue;
            }
            int m = rms.length / 2;
            double medianRms = rms.length % 2 == 1 ? rms[m] : (rms[m - 1] + rms[m]) / 2;
            double medianMax = max.length % 2 == 1 ? max[m] : (max[m - 1] + max[m]) / 2.0;
            System.out.printf(Locale.ROOT, "%-8s runs=%d (and %d that did not converge)  median RMS %.0f ns  median MAX %.0f ns"
                    + "  (window %d edges each)%n", d, rms.length, failed, medianRms, medianMax, window);
        }
    }
}
