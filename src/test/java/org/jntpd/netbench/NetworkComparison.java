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
    private String lockFile;
    private String lockScope;
    /** chronyd -x on the host clock, its error read from {@code chronyc tracking} every second (issue 15's way). */
    private boolean chronydX;
    /** Seconds of bench/network/cpu-after-send on both daemons once settled (0: none). */
    private int cpuAfterSendS;

    /** One daemon's figures in one run. */
    record DaemonRun(String daemon, int router, double rmsS, double maxS, double meanS, int seconds, long requests,
            long lost, double lateP99Us, double lateFraction, double rateRmsPpm, double[] tS, double[] errorS,
            String problem) {}

    /** One run: both daemons, the machine's load, and what the per-sample analysis found. */
    record Run(int index, long seed, DaemonRun jntpd, DaemonRun chronyd, double busyPercent, double loadAvg,
            List<SampleAnalysis.Result> samples, SampleAnalysis.ServerTimes server) {}

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
        String lockFile = null;
        String lockScope = "profile";
        boolean chronydX = false;
        int cpuAfterSendS = 0;
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
                case "--lock" -> lockFile = args[++i];
                case "--lock-scope" -> lockScope = args[++i];
                case "--chronyd-x" -> chronydX = true;
                case "--cpu-after-send" -> cpuAfterSendS = Integer.parseInt(args[++i]);
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + a + " (see bench/network-vs-chronyd --help)");
                    }
                    names.add(a);
                }
            }
        }
        if (!List.of("run", "profile", "all").contains(lockScope)) {
            throw new IllegalArgumentException("--lock-scope: expected run, profile or all, got " + lockScope);
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
        bench.lockFile = lockFile;
        bench.lockScope = lockScope;
        bench.chronydX = chronydX;
        bench.cpuAfterSendS = cpuAfterSendS;
        HostClock before = HostClock.read();
        try (NetLab l = NetLab.create()) {
            bench.lab = l;
            if (calibrate) {
                try (HeavyLock ignored = HeavyLock.take(lockFile)) {
                    bench.calibrate();
                }
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
                + "\tlate_p99_us\tlate_frac\tbusy_pct\tloadavg\tdelay_excess_p50_us\toffset_error_p50_us\trate_rms_ppm\tproblem\n");
        try (HeavyLock all = HeavyLock.take(lockScope.equals("all") ? lockFile : null)) {
            runProfiles(profiles, table, tsv);
        }
        System.out.println();
        System.out.println(tableHeader());
        table.forEach(System.out::println);
        Files.write(out.resolve("table.md"), Stream.concat(Stream.of(tableHeader()), table.stream()).toList());
    }

    private void runProfiles(List<NetProfile> profiles, List<String> table, Path tsv) throws Exception {
        for (NetProfile p : profiles) {
            List<Run> runs = new ArrayList<>();
            HeavyLock profileLock = HeavyLock.take(lockScope.equals("profile") ? lockFile : null);
            for (int k = 0; k < runs(p); k++) {
                Run r;
                try (HeavyLock ignored = HeavyLock.take(lockScope.equals("run") ? lockFile : null)) {
                    r = runOnce(p, k);
                } catch (Exception e) {
                    profileLock.close();
                    throw e;
                }
                runs.add(r);
                for (int i = 0; i < 2; i++) {
                    DaemonRun d = i == 0 ? r.jntpd() : r.chronyd();
                    SampleAnalysis.Result a = r.samples().get(i);
                    Files.writeString(tsv, String.format(Locale.ROOT,
                            "%s\t%d\t%d\t%s\t%d\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\t%.1f\t%.4f\t%.0f\t%.2f\t%s\t%s\t%.3f\t%s%n", p.id(),
                            k, r.seed(), d.daemon(), d.router(), d.rmsS() * 1e6, d.maxS() * 1e6, d.meanS() * 1e6,
                            d.seconds(), d.requests(), d.lost(), d.lateP99Us(), d.lateFraction(), r.busyPercent(),
                            r.loadAvg(), median(a.delayExcessUs()), median(a.offsetErrorUs()), d.rateRmsPpm(),
                            d.problem() == null ? "" : d.problem()), java.nio.file.StandardOpenOption.APPEND);
                }
                System.out.println(runLine(p, r));
            }
            profileLock.close();
            String line = summaryLine(p, runs);
            System.out.println(line);
            table.add(tableRow(p, runs));
            plot(p, runs);
        }
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
        Files.write(dir.resolve("routers.txt"), List.of("jntpd " + jr, "chronyd " + cr));
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
        // With --chronyd-x chronyd's clock is the host's, which is true time: jntpd's virtual oscillator is then perfect too.
        String clock = chronydX ? "0,0" : p.clockOffsetS() + "," + p.clockFreqPpm();
        String wander = p.wanderPpm() > 0 && !chronydX ? p.wanderPpm() + "," + seed : null;
        Process chronyd = startChronyd(p, cr, dir.resolve("chronyd"), clock, wander);
        Process jntpd = startJntpd(p, jr, dir.resolve("jntpd"), clock, wander);
        Thread tracking = chronydX ? Thread.ofPlatform().daemon().start(() -> pollTracking(cr, dir.resolve("chronyd"),
                startUnixS + durationS)) : null;
        List<Process> probes = new ArrayList<>();
        if (cpuAfterSendS > 0) {
            Thread.sleep(Math.max(0, (long) ((startUnixS + p.settle().seconds(durationS)) * 1e3) - System.currentTimeMillis()));
            String tool = top.resolve("bench/network/cpu-after-send").toString();
            long secs = Math.min(cpuAfterSendS, (long) (durationS - p.settle().seconds(durationS)) - 5);
            for (Map.Entry<String, Process> e : Map.of("jntpd", jntpd, "chronyd", chronyd).entrySet()) {
                probes.add(new ProcessBuilder(tool, String.valueOf(e.getValue().pid()), String.valueOf(secs))
                        .redirectErrorStream(true).redirectOutput(dir.resolve(e.getKey() + "/cpu-after-send.txt").toFile())
                        .start());
            }
        }
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
        for (Process pr : probes) {
            if (!pr.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                pr.destroy();
            }
        }
        if (tracking != null) {
            tracking.interrupt();
            tracking.join(5_000);
        }
        lab.stop(jntpd, 10_000);
        lab.stop(chronyd, 10_000);
        for (Process d : delayers) {
            lab.stop(d, 5_000);
        }
        double busy = busyPercent(cpu0, cpu1);
        double load = loadAvg();
        DaemonRun j = measure("jntpd", p, jr, dir, startUnixS, durationS, problem);
        DaemonRun c = measure("chronyd", p, cr, dir, startUnixS, durationS, problem);
        List<SampleAnalysis.Result> samples = SampleAnalysis.analyse(dir);
        SampleAnalysis.ServerTimes server = SampleAnalysis.server(dir.resolve("router1.log"));
        List<String> analysis = new ArrayList<>();
        samples.forEach(r -> analysis.add(r.line()));
        analysis.add("router 1: " + server.line());
        analysis.add("router 2: " + SampleAnalysis.server(dir.resolve("router2.log")).line());
        Files.write(dir.resolve("samples.txt"), analysis);
        return new Run(k, seed, j, c, busy, load, samples, server);
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
                chronydX ? "bindcmdaddress 127.0.0.1" : "bindcmdaddress /", chronydX ? "cmdport 323" : "cmdport 0",
                "pidfile " + dir.resolve("chronyd.pid"), "logdir " + dir, "log measurements statistics tracking"));
        if (chronydX) {
            return lab.start(lab.client(r), ExternalProgram.withoutSysTime("/usr/sbin/chronyd", "-x", "-d", "-u", "root",
                    "-f", dir.resolve("chronyd.conf").toString()), Map.of(), dir.resolve("daemon.log"));
        }
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

    /**
     * The heavy-work lock other helpers' benches and full test runs take with flock(1), held for one run (so other
     * work can go between runs): a child {@code flock FILE sh -c 'echo; read'} holds it until its stdin closes. (A
     * JVM's own FileChannel.lock is an fcntl lock, which flock(2) does not see.)
     */
    private record HeavyLock(Process holder, Thread hook) implements AutoCloseable {
        static HeavyLock take(String file) throws IOException {
            if (file == null) {
                return new HeavyLock(null, null);
            }
            Process p = new ProcessBuilder("flock", file, "sh", "-c", "echo locked; read line")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Thread hook = Thread.ofPlatform().unstarted(p::destroy); // a killed bench must not leave it queued
            Runtime.getRuntime().addShutdownHook(hook);
            long t0 = System.nanoTime();
            int c = p.getInputStream().read(); // blocks until flock got the lock and the shell echoed
            if (c < 0) {
                throw new IOException("flock " + file + " failed");
            }
            double waitedS = (System.nanoTime() - t0) / 1e9;
            if (waitedS > 1) {
                System.out.printf(Locale.ROOT, "(waited %.0f s for %s)%n", waitedS, file);
            }
            return new HeavyLock(p, hook);
        }

        @Override
        public void close() throws IOException {
            if (holder != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
                holder.getOutputStream().close(); // read returns, the shell exits, flock releases
                try {
                    if (!holder.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                        holder.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    holder.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * For --chronyd-x: {@code chronyc tracking} once a second until {@code endUnixS}, written as a virtual-clock log
     * (true time, error, NaN) so the measurement reads it like the shim's. chronyd -x keeps the corrections it would
     * make in software (its null clock driver): its "System time" X seconds "slow" means it would add X to the clock,
     * whose own time it takes as X behind true time; its clock (the host's plus that correction) is then X ahead.
     */
    private void pollTracking(int r, Path dir, double endUnixS) {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("System time\\s*:\\s*([0-9.]+) seconds (slow|fast)");
        try (java.io.BufferedWriter w = Files.newBufferedWriter(dir.resolve("vclock.log"))) {
            while (!Thread.currentThread().isInterrupted() && System.currentTimeMillis() / 1e3 < endUnixS) {
                long next = (System.currentTimeMillis() / 1000 + 1) * 1000;
                Thread.sleep(Math.max(1, next - System.currentTimeMillis()));
                double t0 = System.currentTimeMillis() / 1e3;
                ExternalProgram.Result res = lab.exec(lab.client(r), Duration.ofSeconds(2), "chronyc", "-h", "127.0.0.1",
                        "-n", "tracking");
                double t1 = System.currentTimeMillis() / 1e3;
                java.util.regex.Matcher m = line.matcher(res.output());
                if (m.find()) {
                    double x = Double.parseDouble(m.group(1));
                    w.write(String.format(Locale.ROOT, "%.6f %.9f NaN%n", (t0 + t1) / 2, m.group(2).equals("slow") ? x : -x));
                    w.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            System.out.println("chronyc tracking: " + e);
        }
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
        double rateSq = 0;
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
                rateSq += l.freqPpm() * l.freqPpm();
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
                n == 0 ? Double.NaN : Math.sqrt(rateSq / n), series.stream().mapToDouble(a -> a[0]).toArray(), series.stream().mapToDouble(a -> a[1]).toArray(), why);
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
        return String.format(Locale.ROOT, "%s run %d seed %d: %s | %s | busy %.0f%%%n    delay excess p50 jntpd %s us, "
                + "chronyd %s us; jntpd offset error p50 %s us; server T3 lead p50 %s us", p.id(), r.index(), r.seed(),
                daemonFigures(r.jntpd()), daemonFigures(r.chronyd()), r.busyPercent(),
                median(r.samples().get(0).delayExcessUs()), median(r.samples().get(1).delayExcessUs()),
                median(r.samples().get(0).offsetErrorUs()), median(r.server().t3LeadUs()));
    }

    private static String median(double[] v) {
        if (v.length == 0) {
            return "-";
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f", s[(s.length - 1) / 2]);
    }

    private static String daemonFigures(DaemonRun d) {
        return String.format(Locale.ROOT, "%s (r%d) RMS %s MAX %s mean %s rate RMS %.2f ppm requests %d lost %d "
                + "late>20us %.1f%%%s", d.daemon(), d.router(), NetProfile.us(d.rmsS()), NetProfile.us(d.maxS()),
                NetProfile.us(d.meanS()), d.rateRmsPpm(), d.requests(), d.lost(), d.lateFraction() * 100,
                d.problem() == null ? "" : " [" + d.problem() + "]");
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
