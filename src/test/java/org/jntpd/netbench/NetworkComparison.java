package org.jntpd.netbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.HostClock;
import org.jntpd.testing.VirtualClockLog;

/**
 * bench/network-vs-chronyd: jntpd and chronyd as clients of one server through identical emulated networks, side by
 * side in the same run (see bench/README.md, "Real network"). Each client runs on its own virtual clock
 * (native/vclock: the same oscillator for both, the error read exactly from the shim's per-second log of virtual
 * minus true time) in its own namespace behind its own router, where native/netdelay holds every NTP packet for a
 * delay drawn from the profile's law, counted from the kernel's arrival stamp. The server serves the host clock,
 * which is true time. Both daemons steer only their virtual clocks: jntpd through its platform layer's shim, chronyd
 * with the shim as LD_PRELOAD, without CAP_SYS_TIME (setpriv) so a call that escaped the shim would fail; the host
 * clock's state is compared before and after.
 */
public final class NetworkComparison {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final double LATE_NS = 20_000;

    private final Path top;
    private final Path nativeDir;
    private final Path out;
    private final boolean quick;
    private final Integer runsOverride;
    private final String serverKind;
    private final String jntpdJavaOpts;
    private final boolean differentSeeds;
    private final long baseSeed;
    private final List<String> clientExtra;
    private NetLab lab;
    private Process server;
    private Double durationOverrideS;

    /** One daemon's figures in one run. */
    record DaemonRun(String daemon, int router, double rmsS, double maxS, double meanS, int seconds, long requests,
            long lost, double lateP99Us, double lateFraction, double[] tS, double[] errorS, String problem) {}

    /** One run: both daemons, the machine's load. */
    record Run(int index, long seed, DaemonRun jntpd, DaemonRun chronyd, double busyPercent, double loadAvg) {}

    private NetworkComparison(Path top, Path out, boolean quick, Integer runs, String serverKind, String jntpdJavaOpts,
            boolean differentSeeds, long baseSeed, List<String> clientExtra) {
        this.top = top;
        this.nativeDir = top.resolve("target/native");
        this.out = out;
        this.quick = quick;
        this.runsOverride = runs;
        this.serverKind = serverKind;
        this.jntpdJavaOpts = jntpdJavaOpts;
        this.differentSeeds = differentSeeds;
        this.baseSeed = baseSeed;
        this.clientExtra = clientExtra;
    }

    public static void main(String[] args) throws Exception {
        Path top = Path.of(System.getProperty("jntpd.top", ".")).toAbsolutePath().normalize();
        boolean quick = false;
        boolean calibrate = false;
        Integer runs = null;
        String serverKind = "chronyd";
        String javaOpts = "";
        boolean differentSeeds = false;
        long seed = 1;
        Path out = null;
        Double durationOverride = null;
        List<String> names = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--short" -> quick = true;
                case "--calibrate" -> calibrate = true;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--server" -> serverKind = args[++i];
                case "--jntpd-java-opts" -> javaOpts = args[++i];
                case "--different-seeds" -> differentSeeds = true;
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--client-conf" -> extra.add(args[++i]);
                case "--duration" -> durationOverride = Double.parseDouble(args[++i]);
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + a + " (see bench/network-vs-chronyd --help)");
                    }
                    names.add(a);
                }
            }
        }
        if (!serverKind.equals("chronyd") && !serverKind.equals("jntpd")) {
            throw new IllegalArgumentException("--server: expected chronyd or jntpd, got " + serverKind);
        }
        if (out == null) {
            out = top.resolve("target/netbench/" + LocalDateTime.now().format(STAMP));
        }
        Files.createDirectories(out);
        NetworkComparison bench = new NetworkComparison(top, out.toAbsolutePath(), quick, runs, serverKind, javaOpts,
                differentSeeds, seed, extra);
        bench.durationOverrideS = durationOverride;
        HostClock before = HostClock.read();
        try (NetLab l = NetLab.create()) {
            bench.lab = l;
            if (calibrate) {
                bench.calibrate();
            } else {
                List<NetProfile> profiles = bench.profiles(names);
                bench.startServer();
                bench.runAll(profiles);
            }
        } finally {
            HostClock after = HostClock.read();
            if (!after.equals(before)) {
                System.out.println("THE HOST CLOCK'S STATE CHANGED: " + before + " -> " + after);
                System.exit(3);
            }
            System.out.println("host clock state unchanged (" + after + "); results in " + out);
        }
    }

    private List<NetProfile> profiles(List<String> names) throws IOException {
        Path dir = top.resolve("bench/network");
        List<Path> files = new ArrayList<>();
        if (names.isEmpty()) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".profile")).sorted().forEach(files::add);
            }
        } else {
            for (String n : names) {
                Path p = n.contains("/") ? Path.of(n) : dir.resolve(n + ".profile");
                if (!Files.exists(p)) {
                    throw new IOException("no profile " + p);
                }
                files.add(p);
            }
        }
        List<NetProfile> profiles = new ArrayList<>();
        for (Path p : files) {
            profiles.add(NetProfile.read(p));
        }
        if (names.isEmpty()) { // the short ones first
            profiles.sort(java.util.Comparator.comparingDouble((NetProfile p) -> duration(p)).thenComparing(NetProfile::id));
        }
        return profiles;
    }

    // ------------------------------------------------------------------------------------------------ the server

    private void startServer() throws IOException, InterruptedException {
        Path dir = out.resolve("server");
        Files.createDirectories(dir);
        dir.toFile().setWritable(true, false);
        Path conf = dir.resolve("server.conf");
        if (serverKind.equals("chronyd")) {
            Files.write(conf, List.of("local stratum 1", "allow 198.18.0.0/15", "bindcmdaddress /", "cmdport 0",
                    "pidfile " + dir.resolve("chronyd.pid")));
            server = lab.start(lab.server(), ExternalProgram.withoutSysTime("/usr/sbin/chronyd", "-x", "-d", "-u", "root",
                    "-f", conf.toString()), Map.of(), dir.resolve("server.log"));
        } else {
            Files.write(conf, List.of("local stratum 1"));
            server = lab.start(lab.server(), ExternalProgram.withoutSysTime(top.resolve("bin/jntpd").toString(), "-c",
                    conf.toString(), "-n", "-x"), jntpdEnv(Map.of()), dir.resolve("server.log"));
        }
        for (int i = 0; i < 300; i++) {
            ExternalProgram.Result r = lab.exec(lab.server(), Duration.ofSeconds(5), "ss", "-Huln", "sport = :123");
            if (!r.output().isBlank()) {
                System.out.println("server: " + serverKind + " on " + NetLab.SERVER_ADDRESS + " (the host clock)");
                return;
            }
            if (!server.isAlive()) {
                throw new IOException("the server exited: " + Files.readString(dir.resolve("server.log")));
            }
            Thread.sleep(100);
        }
        throw new IOException("the server did not bind port 123 within 30 s: " + Files.readString(dir.resolve("server.log")));
    }

    private Map<String, String> jntpdEnv(Map<String, String> more) {
        Map<String, String> env = new LinkedHashMap<>(more);
        env.put("JNTPD_CLASSPATH", top.resolve("target/classes").toString());
        env.put("JNTPD_FORBID_HOST_CLOCK", "1");
        return env;
    }

    // ------------------------------------------------------------------------------------------------ runs

    private void runAll(List<NetProfile> profiles) throws Exception {
        double total = 0;
        for (NetProfile p : profiles) {
            total += runs(p) * (duration(p) + 15);
        }
        System.out.printf(Locale.ROOT, "%d profile(s), about %.0f min%n", profiles.size(), total / 60);
        List<String> table = new ArrayList<>();
        Path tsv = out.resolve("runs.tsv");
        Files.writeString(tsv, "profile\trun\tseed\tdaemon\trouter\trms_us\tmax_us\tmean_us\tseconds\trequests\tlost"
                + "\tlate_p99_us\tlate_frac\tbusy_pct\tloadavg\tproblem\n");
        for (NetProfile p : profiles) {
            List<Run> runs = new ArrayList<>();
            for (int k = 0; k < runs(p); k++) {
                Run r = runOnce(p, k);
                runs.add(r);
                for (DaemonRun d : List.of(r.jntpd(), r.chronyd())) {
                    Files.writeString(tsv, String.format(Locale.ROOT,
                            "%s\t%d\t%d\t%s\t%d\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\t%.1f\t%.4f\t%.0f\t%.2f\t%s%n", p.id(), k,
                            r.seed(), d.daemon(), d.router(), d.rmsS() * 1e6, d.maxS() * 1e6, d.meanS() * 1e6,
                            d.seconds(), d.requests(), d.lost(), d.lateP99Us(), d.lateFraction(), r.busyPercent(),
                            r.loadAvg(), d.problem() == null ? "" : d.problem()), java.nio.file.StandardOpenOption.APPEND);
                }
                System.out.println(runLine(p, r));
            }
            String line = summaryLine(p, runs);
            System.out.println(line);
            table.add(tableRow(p, runs));
            plot(p, runs);
        }
        System.out.println();
        System.out.println(tableHeader());
        table.forEach(System.out::println);
        Files.write(out.resolve("table.md"), Stream.concat(Stream.of(tableHeader()), table.stream()).toList());
    }

    private double duration(NetProfile p) {
        return durationOverrideS != null ? durationOverrideS : p.durationS(quick);
    }

    private int runs(NetProfile p) {
        return runsOverride != null ? runsOverride : p.runs();
    }

    private Run runOnce(NetProfile p, int k) throws Exception {
        double durationS = duration(p);
        long seed = baseSeed + k;
        int jr = 1 + k % 2; // jntpd's router; the routers take turns, so neither daemon always has the same one
        int cr = 3 - jr;
        Path dir = out.resolve(p.id() + "/run" + k);
        Files.createDirectories(dir.resolve("jntpd"));
        Files.createDirectories(dir.resolve("chronyd"));
        // chronyd writes its logs as root (-u root); the folder is ours
        double startUnixS = System.currentTimeMillis() / 1e3 + 4; // delayers up and warmed before this
        List<Process> delayers = new ArrayList<>();
        for (int r = 1; r <= 2; r++) {
            delayers.add(lab.start(lab.router(r), delayerCommand(p, durationS, startUnixS,
                    differentSeeds ? seed * 2 + r : seed, dir.resolve("router" + r + ".log")), Map.of(),
                    dir.resolve("router" + r + ".out")));
        }
        Thread.sleep(300);
        for (int r = 1; r <= 2; r++) {
            warmUp(r, dir);
        }
        long[] cpu0 = cpuTimes();
        long sleepMs = (long) (startUnixS * 1e3) - System.currentTimeMillis();
        if (sleepMs > 0) {
            Thread.sleep(sleepMs);
        }
        String clock = p.clockOffsetS() + "," + p.clockFreqPpm();
        String wander = p.wanderPpm() > 0 ? p.wanderPpm() + "," + seed : null;
        Process chronyd = startChronyd(p, cr, dir.resolve("chronyd"), clock, wander);
        Process jntpd = startJntpd(p, jr, dir.resolve("jntpd"), clock, wander);
        String problem = null;
        long endMs = (long) ((startUnixS + durationS) * 1e3);
        while (System.currentTimeMillis() < endMs) {
            Thread.sleep(Math.min(1000, Math.max(1, endMs - System.currentTimeMillis())));
            if (!jntpd.isAlive() || !chronyd.isAlive()) {
                problem = (!jntpd.isAlive() ? "jntpd" : "chronyd") + " exited early";
                break;
            }
        }
        long[] cpu1 = cpuTimes();
        lab.stop(jntpd, 10_000);
        lab.stop(chronyd, 10_000);
        for (Process d : delayers) {
            lab.stop(d, 5_000);
        }
        double busy = busyPercent(cpu0, cpu1);
        double load = loadAvg();
        DaemonRun j = measure("jntpd", p, jr, dir, startUnixS, durationS, problem);
        DaemonRun c = measure("chronyd", p, cr, dir, startUnixS, durationS, problem);
        return new Run(k, seed, j, c, busy, load);
    }

    private List<String> delayerCommand(NetProfile p, double durationS, double startUnixS, long seed, Path log) {
        List<String> cmd = new ArrayList<>(List.of("chrt", "-f", "10", nativeDir.resolve("netdelay").toString(),
                "--queue-up", "0", "--queue-down", "1", "--up", p.up().arg(), "--down", p.down().arg(),
                "--loss-up", String.valueOf(p.lossUp()), "--loss-down", String.valueOf(p.lossDown()),
                "--seed", String.valueOf(seed), "--duration", String.valueOf((long) durationS + 600),
                "--log", log.toString()));
        for (NetProfile.PathStep s : p.pathSteps()) {
            double at = startUnixS + s.at().seconds(durationS);
            cmd.addAll(List.of("--step-up", String.format(Locale.ROOT, "%.6f:%s", at, s.upS()),
                    "--step-down", String.format(Locale.ROOT, "%.6f:%s", at, s.downS())));
        }
        if (p.serverStep() != null) {
            double at = startUnixS + p.serverStep().at().seconds(durationS);
            cmd.addAll(List.of("--server-step", String.format(Locale.ROOT, "%.6f:%s", at, p.serverStep().stepS())));
        }
        return cmd;
    }

    /** A few probe packets each way through router {@code r}: its first packets take a cold path. */
    private void warmUp(int r, Path dir) {
        String probe = nativeDir.resolve("netprobe").toString();
        ExternalProgram.Result up = ExternalProgram.run(Duration.ofSeconds(60), probe, lab.client(r), lab.server(),
                NetLab.SERVER_ADDRESS, String.valueOf(NetLab.PROBE_PORT), "20", "5000");
        ExternalProgram.Result down = ExternalProgram.run(Duration.ofSeconds(60), probe, lab.server(), lab.client(r),
                "198.18.1" + r + ".2", String.valueOf(NetLab.PROBE_PORT), "20", "5000");
        try {
            Files.writeString(dir.resolve("warmup" + r + ".txt"), "up: " + up.output() + "down: " + down.output());
        } catch (IOException e) {
            // only a record
        }
    }

    private Process startJntpd(NetProfile p, int r, Path dir, String clock, String wander) throws IOException {
        List<String> conf = new ArrayList<>(List.of("server " + NetLab.SERVER_ADDRESS + " " + p.serverOptions(),
                "statsdir " + dir + "/", "statistics peerstats loopstats", "filegen peerstats file peerstats type none",
                "filegen loopstats file loopstats type none"));
        conf.addAll(clientExtra);
        Files.write(dir.resolve("jntpd.conf"), conf);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JNTPD_VIRTUAL_CLOCK", clock);
        env.put("JNTPD_VIRTUAL_CLOCK_LOG", dir.resolve("vclock.log").toString());
        if (wander != null) {
            env.put("JNTPD_VIRTUAL_CLOCK_WANDER", wander);
        }
        if (!jntpdJavaOpts.isBlank()) {
            env.put("JNTPD_JAVA_OPTS", jntpdJavaOpts);
        }
        return lab.start(lab.client(r), ExternalProgram.withoutSysTime(top.resolve("bin/jntpd").toString(), "-c",
                dir.resolve("jntpd.conf").toString(), "-n"), jntpdEnv(env), dir.resolve("daemon.log"));
    }

    private Process startChronyd(NetProfile p, int r, Path dir, String clock, String wander) throws IOException {
        Files.write(dir.resolve("chronyd.conf"), List.of("server " + NetLab.SERVER_ADDRESS + " " + p.serverOptions(),
                "bindcmdaddress /", "cmdport 0", "pidfile " + dir.resolve("chronyd.pid"), "logdir " + dir,
                "log measurements statistics tracking"));
        List<String> cmd = new ArrayList<>(ExternalProgram.withoutSysTime("env"));
        cmd.add("LD_PRELOAD=" + nativeDir.resolve("libjntpd_vclock.so"));
        cmd.add("JNTPD_VIRTUAL_CLOCK=" + clock);
        cmd.add("JNTPD_VIRTUAL_CLOCK_LOG=" + dir.resolve("vclock.log"));
        if (wander != null) {
            cmd.add("JNTPD_VIRTUAL_CLOCK_WANDER=" + wander);
        }
        cmd.addAll(List.of("/usr/sbin/chronyd", "-d", "-u", "root", "-f", dir.resolve("chronyd.conf").toString()));
        return lab.start(lab.client(r), cmd, Map.of(), dir.resolve("daemon.log"));
    }

    // ------------------------------------------------------------------------------------------------ measurement

    private DaemonRun measure(String daemon, NetProfile p, int router, Path dir, double startUnixS, double durationS,
            String problem) throws IOException {
        VirtualClockLog log = VirtualClockLog.read(dir.resolve(daemon + "/vclock.log"));
        double settleS = p.settle().seconds(durationS);
        double stepAt = p.serverStep() == null ? Double.MAX_VALUE : startUnixS + p.serverStep().at().seconds(durationS);
        double stepS = p.serverStep() == null ? 0 : p.serverStep().stepS();
        List<double[]> series = new ArrayList<>();
        double sum = 0;
        double sumSq = 0;
        double max = 0;
        int n = 0;
        for (VirtualClockLog.Line l : log.lines()) {
            double t = l.trueUnixS() - startUnixS;
            double e = l.offsetS() - (l.trueUnixS() >= stepAt ? stepS : 0);
            if (t < -1 || t > durationS + 1) {
                continue;
            }
            series.add(new double[] {t, e});
            if (t > settleS && t <= durationS) {
                sum += e;
                sumSq += e * e;
                max = Math.max(max, Math.abs(e));
                n++;
            }
        }
        RouterStats rs = routerStats(dir.resolve("router" + router + ".log"));
        String why = problem;
        if (n < (durationS - settleS) * 0.9) {
            why = (why == null ? "" : why + "; ") + "only " + n + " seconds logged";
        }
        return new DaemonRun(daemon, router, n == 0 ? Double.NaN : Math.sqrt(sumSq / n), n == 0 ? Double.NaN : max,
                n == 0 ? Double.NaN : sum / n, n, rs.requests, rs.lost, rs.lateP99Us, rs.lateFraction,
                series.stream().mapToDouble(a -> a[0]).toArray(), series.stream().mapToDouble(a -> a[1]).toArray(), why);
    }

    private record RouterStats(long requests, long lost, double lateP99Us, double lateFraction) {}

    /**
     * NTP packets in a router's log: requests (client to server, port 123, the lost ones included), packets lost
     * either way, and how late the delayer let them go (p99, and the fraction later than 20 us).
     */
    private static RouterStats routerStats(Path log) throws IOException {
        long requests = 0;
        long lost = 0;
        List<Long> late = new ArrayList<>();
        if (!Files.exists(log)) {
            return new RouterStats(0, 0, Double.NaN, Double.NaN);
        }
        for (String line : Files.readAllLines(log)) {
            String[] f = line.split(" ");
            if (f.length < 9) {
                continue;
            }
            boolean up = f[0].equals("u");
            int port = Integer.parseInt(up ? f[7] : f[6]);
            if (port != 123) {
                continue;
            }
            if (up) {
                requests++;
            }
            if (f[8].contains("D")) {
                lost++;
            } else {
                late.add(Long.parseLong(f[3]));
            }
        }
        long[] a = late.stream().mapToLong(Long::longValue).sorted().toArray();
        double p99 = a.length == 0 ? Double.NaN : a[(int) Math.round(0.99 * (a.length - 1))] / 1e3;
        double frac = a.length == 0 ? Double.NaN : Arrays.stream(a).filter(x -> x > LATE_NS).count() / (double) a.length;
        return new RouterStats(requests, lost, p99, frac);
    }

    /** user+nice+system+irq+softirq+steal and the total, summed over all CPUs (the first line of /proc/stat). */
    private static long[] cpuTimes() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    private static double busyPercent(long[] a, long[] b) {
        long total = b[1] - a[1];
        return total <= 0 ? Double.NaN : 100.0 * (b[0] - a[0]) / total;
    }

    private static double loadAvg() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    // ------------------------------------------------------------------------------------------------ calibration

    /**
     * The delayer's own error: one-way delays (sender's kernel TX stamp to receiver's kernel RX stamp) through router
     * 1, without the delayer (queue bypassed) and with it holding each packet for a constant delay.
     */
    private void calibrate() throws Exception {
        String probe = nativeDir.resolve("netprobe").toString();
        System.out.println("delayer accuracy: one-way delay through router 1, kernel TX stamp to kernel RX stamp, "
                + "2000 packets each way, ~2 ms apart");
        for (String law : new String[] {null, "0", "100e-6", "1e-3", "10e-3"}) {
            Process d = null;
            Path dlog = out.resolve("calibrate-" + (law == null ? "none" : law) + ".out");
            if (law != null) {
                d = lab.start(lab.router(1), List.of("chrt", "-f", "10", nativeDir.resolve("netdelay").toString(),
                        "--queue-up", "0", "--queue-down", "1", "--up", "const:" + law, "--down", "const:" + law,
                        "--duration", "600"), Map.of(), dlog);
                Thread.sleep(300);
            }
            long[] cpu0 = cpuTimes();
            ExternalProgram.Result up = ExternalProgram.run(Duration.ofSeconds(120), probe, lab.client(1), lab.server(),
                    NetLab.SERVER_ADDRESS, String.valueOf(NetLab.PROBE_PORT), "2000", "2000");
            ExternalProgram.Result down = ExternalProgram.run(Duration.ofSeconds(120), probe, lab.server(), lab.client(1),
                    "198.18.11.2", String.valueOf(NetLab.PROBE_PORT), "2000", "2000");
            double busy = busyPercent(cpu0, cpuTimes());
            if (d != null) {
                lab.stop(d, 5_000);
            }
            String name = law == null ? "no delayer (queue bypassed)" : "delayer, const " + NetProfile.us(Double.parseDouble(law));
            System.out.printf(Locale.ROOT, "%-30s up:   %s", name, up.output());
            System.out.printf(Locale.ROOT, "%-30s down: %s", "", down.output());
            if (d != null) {
                for (String l : Files.readAllLines(dlog)) {
                    System.out.printf(Locale.ROOT, "%-30s %s%n", "", l);
                }
            }
            System.out.printf(Locale.ROOT, "%-30s machine busy %.0f%% (2 cores)%n", "", busy);
        }
    }

    // ------------------------------------------------------------------------------------------------ reporting

    private static String runLine(NetProfile p, Run r) {
        return String.format(Locale.ROOT, "%s run %d seed %d: %s | %s | busy %.0f%%", p.id(), r.index(), r.seed(),
                daemonFigures(r.jntpd()), daemonFigures(r.chronyd()), r.busyPercent());
    }

    private static String daemonFigures(DaemonRun d) {
        return String.format(Locale.ROOT, "%s (r%d) RMS %s MAX %s mean %s requests %d lost %d late>20us %.1f%%%s",
                d.daemon(), d.router(), NetProfile.us(d.rmsS()), NetProfile.us(d.maxS()), NetProfile.us(d.meanS()),
                d.requests(), d.lost(), d.lateFraction() * 100, d.problem() == null ? "" : " [" + d.problem() + "]");
    }

    /** The line per profile: medians over runs and [min, max] of each figure. */
    static String summaryLine(NetProfile p, List<Run> runs) {
        StringBuilder b = new StringBuilder(p.id()).append(':');
        for (String daemon : List.of("jntpd", "chronyd")) {
            List<DaemonRun> d = runs.stream().map(r -> daemon.equals("jntpd") ? r.jntpd() : r.chronyd()).toList();
            b.append(String.format(Locale.ROOT, " %s RMS %s MAX %s mean %s packets %s;", daemon,
                    range(d.stream().mapToDouble(DaemonRun::rmsS).toArray(), true),
                    range(d.stream().mapToDouble(DaemonRun::maxS).toArray(), true),
                    range(d.stream().mapToDouble(DaemonRun::meanS).toArray(), true),
                    range(d.stream().mapToDouble(DaemonRun::requests).toArray(), false)));
        }
        b.append(String.format(Locale.ROOT, " busy %s%%; runs %d",
                range(runs.stream().mapToDouble(Run::busyPercent).toArray(), false), runs.size()));
        return b.toString();
    }

    static String tableHeader() {
        return "| profile | network (each direction) | poll | jntpd RMS | chronyd RMS | jntpd MAX | chronyd MAX | jntpd mean "
                + "| chronyd mean | requests jntpd / chronyd | machine busy | runs |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";
    }

    static String tableRow(NetProfile p, List<Run> runs) {
        List<DaemonRun> j = runs.stream().map(Run::jntpd).toList();
        List<DaemonRun> c = runs.stream().map(Run::chronyd).toList();
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s%% | %d |", p.id(),
                p.describe(), p.defaultPoll() ? "default" : p.minPoll() + ".." + p.maxPoll(),
                range(j.stream().mapToDouble(DaemonRun::rmsS).toArray(), true),
                range(c.stream().mapToDouble(DaemonRun::rmsS).toArray(), true),
                range(j.stream().mapToDouble(DaemonRun::maxS).toArray(), true),
                range(c.stream().mapToDouble(DaemonRun::maxS).toArray(), true),
                range(j.stream().mapToDouble(DaemonRun::meanS).toArray(), true),
                range(c.stream().mapToDouble(DaemonRun::meanS).toArray(), true),
                range(j.stream().mapToDouble(DaemonRun::requests).toArray(), false),
                range(c.stream().mapToDouble(DaemonRun::requests).toArray(), false),
                range(runs.stream().mapToDouble(Run::busyPercent).toArray(), false), runs.size());
    }

    /** "median [min, max]" (a time in seconds when {@code time}, else a count or percentage). */
    static String range(double[] v, boolean time) {
        double[] s = Arrays.stream(v).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (s.length == 0) {
            return "-";
        }
        double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        if (s.length == 1) {
            return time ? NetProfile.us(med) : NetProfile.fmt(Math.round(med));
        }
        return time ? NetProfile.us(med) + " [" + NetProfile.us(s[0]) + ", " + NetProfile.us(s[s.length - 1]) + "]"
                : NetProfile.fmt(Math.round(med)) + " [" + NetProfile.fmt(Math.round(s[0])) + ", "
                        + NetProfile.fmt(Math.round(s[s.length - 1])) + "]";
    }

    private void plot(NetProfile p, List<Run> runs) throws IOException {
        double durationS = duration(p);
        List<ErrorPlot.Series> series = new ArrayList<>();
        for (Run r : runs) {
            series.add(new ErrorPlot.Series("chronyd", r.chronyd().tS(), r.chronyd().errorS()));
            series.add(new ErrorPlot.Series("jntpd", r.jntpd().tS(), r.jntpd().errorS()));
        }
        List<ErrorPlot.Marker> markers = new ArrayList<>();
        for (NetProfile.PathStep s : p.pathSteps()) {
            markers.add(new ErrorPlot.Marker(s.at().seconds(durationS), "path +" + NetProfile.us(s.upS()) + " up, +"
                    + NetProfile.us(s.downS()) + " down"));
        }
        if (p.serverStep() != null) {
            markers.add(new ErrorPlot.Marker(p.serverStep().at().seconds(durationS), "server steps "
                    + NetProfile.us(p.serverStep().stepS())));
        }
        List<DaemonRun> j = runs.stream().map(Run::jntpd).toList();
        List<DaemonRun> c = runs.stream().map(Run::chronyd).toList();
        String title = String.format(Locale.ROOT, "%s: %s; poll %s; %d run(s) of %s", p.id(), p.describe(),
                p.defaultPoll() ? "default" : p.minPoll() + ".." + p.maxPoll(), runs.size(),
                durationS >= 3600 ? NetProfile.fmt(durationS / 3600) + " h" : NetProfile.fmt(durationS) + " s");
        String subtitle = String.format(Locale.ROOT, "median RMS after settling: jntpd %s, chronyd %s; MAX jntpd %s, "
                + "chronyd %s (errors beyond the frame are drawn on its edge)",
                range(j.stream().mapToDouble(DaemonRun::rmsS).toArray(), true).split(" \\[")[0],
                range(c.stream().mapToDouble(DaemonRun::rmsS).toArray(), true).split(" \\[")[0],
                range(j.stream().mapToDouble(DaemonRun::maxS).toArray(), true).split(" \\[")[0],
                range(c.stream().mapToDouble(DaemonRun::maxS).toArray(), true).split(" \\[")[0]);
        ErrorPlot.write(out.resolve(p.id() + ".svg"), title, subtitle, durationS, p.settle().seconds(durationS), series,
                markers);
    }
}
