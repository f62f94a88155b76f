package org.jntpd.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jntpd.clock.linux.LinuxClock;

/**
 * The real daemon as a child process, for system tests: {@code bin/jntpd -c FILE -n -x} with
 * {@code JNTPD_CLASSPATH=target/classes} (the launcher then runs the compiled classes, no build), a configuration
 * written to a temporary folder, started and waited for until it logs {@value #READY}. The log (stdout and stderr)
 * goes to a file in that folder. {@link #close()} stops it by PID (SIGTERM, then SIGKILL), and a shutdown hook does
 * the same if the test JVM ends first.
 *
 * <p>By default the daemon serves on 127.0.0.1 at a free port picked here (bind port 0, close, start; another try on
 * "Address already in use"). Use {@link Builder#port(int)} for a fixed port (123 inside a namespace) and
 * {@link Builder#commandPrefix} to run it through e.g. {@code ip netns exec NS}.
 *
 * <p>Clock control is off ({@code -x}) unless {@link Builder#virtualClock(String)} runs the daemon against
 * native/vclock's virtual clock: this helper never starts a daemon that could steer the host's clock, and every
 * daemon gets {@code JNTPD_FORBID_HOST_CLOCK=1}, so LinuxClock refuses the host clock without the shim.
 */
public final class JntpdProcess implements AutoCloseable {
    /** The line the daemon logs once its sockets are bound. */
    public static final String READY = "serving NTP on";
    /** The shim's per-second V - T log, in {@link #dir()} when the daemon runs on the virtual clock. */
    public static final String VIRTUAL_CLOCK_LOG = "vclock.log";
    /** The file a {@link Builder#logFile()} daemon logs to ({@code logfile}), in {@link #dir()}. */
    public static final String LOG_FILE = "jntpd.logfile";
    /**
     * Bounded, but generous: under a load of 10-20 on two cores a JVM took over 30 s to log its first line. A daemon
     * that never serves still fails here; how fast it starts is LifecycleTest's business.
     */
    private static final long START_TIMEOUT_MS = 90_000;
    private static final int PORT_ATTEMPTS = 5;
    private static final String VIRTUAL_CLOCK_ENV = "JNTPD_VIRTUAL_CLOCK";

    private final Process process;
    private final long startedNanoTime;
    private final Path dir;
    private final boolean ownDir;
    private final Path logFile;
    private final InetSocketAddress address;
    private final Thread killer;

    private JntpdProcess(Process process, long startedNanoTime, Path dir, boolean ownDir, Path logFile,
            String bindAddress, int port) {
        this.process = process;
        this.startedNanoTime = startedNanoTime;
        this.dir = dir;
        this.ownDir = ownDir;
        this.logFile = logFile;
        InetAddress a = bindAddress == null ? null : InetAddress.ofLiteral(bindAddress);
        this.address = new InetSocketAddress(a == null || a.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : a,
                port);
        this.killer = Thread.ofPlatform().unstarted(process::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(killer);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a daemon with the default bind address and a free port, and these configuration lines. */
    public static JntpdProcess start(String... configLines) throws IOException {
        return builder().config(configLines).start();
    }

    /** What to run; see {@link JntpdProcess}. */
    public static final class Builder {
        private final List<String> lines = new ArrayList<>();
        private final List<String> prefix = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private String bindAddress = "127.0.0.1";
        private int port;
        private String virtualClock;
        private boolean logToFile;
        private boolean awaitReady = true;
        private Path dir;

        private Builder() {}

        /** Configuration lines (the builder adds {@code port} and {@code bindaddress}). */
        public Builder config(String... configLines) {
            lines.addAll(List.of(configLines));
            return this;
        }

        /** A fixed port; 0 (the default) = a free one. */
        public Builder port(int fixedPort) {
            this.port = fixedPort;
            return this;
        }

        /** The {@code bindaddress} line; null = none (the wildcard of both families). */
        public Builder bindAddress(String address) {
            this.bindAddress = address;
            return this;
        }

        /** Words put before {@code bin/jntpd}, e.g. {@code ip netns exec NS} (it must exec, so the PID stays ours). */
        public Builder commandPrefix(String... words) {
            prefix.addAll(List.of(words));
            return this;
        }

        /** Options after {@code -c FILE -n [-x]}, e.g. {@code -u nobody} or {@code -q}. */
        public Builder args(String... words) {
            args.addAll(List.of(words));
            return this;
        }

        /**
         * Clock control on (no {@code -x}) against native/vclock's virtual CLOCK_REALTIME, the only way this helper
         * turns it on: {@code JNTPD_VIRTUAL_CLOCK=spec} (OFFSET_S,FREQ_PPM, e.g. "0.3,50") makes the launcher load the
         * shim, whose per-second V - T log goes to {@value #VIRTUAL_CLOCK_LOG} in {@link JntpdProcess#dir()}. With
         * {@code -x} in {@link #args} the daemon serves the virtual time without steering it (a server that is off).
         */
        public Builder virtualClock(String spec) {
            this.virtualClock = spec;
            return this;
        }

        /**
         * An environment variable of the daemon (not the host-clock guard, which is always on, nor the virtual clock's
         * but JNTPD_VIRTUAL_CLOCK_STEP, another program stepping the virtual clock).
         */
        public Builder env(String name, String value) {
            if (name.equals(LinuxClock.FORBID_HOST_CLOCK_ENV)
                    || name.startsWith(VIRTUAL_CLOCK_ENV) && !name.equals(VIRTUAL_CLOCK_ENV + "_STEP")) {
                throw new IllegalArgumentException(name + " is the helper's to set (see virtualClock)");
            }
            env.put(name, value);
            return this;
        }

        /** Extra JVM options (JNTPD_JAVA_OPTS), e.g. {@code -Djntpd.driftIntervalMs=20}. */
        public Builder javaOptions(String... options) {
            env.put("JNTPD_JAVA_OPTS", String.join(" ", options));
            return this;
        }

        /** Adds {@code logfile DIR/}{@value #LOG_FILE}; {@link JntpdProcess#log()} then reads that file too. */
        public Builder logFile() {
            this.logToFile = true;
            return this;
        }

        /** Returns from {@link #start()} as soon as the process runs (default: once it logged {@value #READY}). */
        public Builder noWait() {
            this.awaitReady = false;
            return this;
        }

        /** The folder for the configuration and logs; default a new temporary one. A given folder is left on close. */
        public Builder dir(Path folder) {
            this.dir = folder;
            return this;
        }

        public JntpdProcess start() throws IOException {
            Path d = dir != null ? dir : Files.createTempDirectory("jntpd-test");
            try {
                if (port != 0) {
                    return launch(d, port);
                }
                AddressInUse last = null;
                for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
                    try {
                        return launch(d, freePort(bindAddress));
                    } catch (AddressInUse e) {
                        last = e; // taken between picking and binding: pick again
                    }
                }
                throw new IOException("no free port after " + PORT_ATTEMPTS + " attempts", last);
            } catch (IOException | RuntimeException e) {
                if (dir == null) {
                    TestFiles.deleteTree(d);
                }
                throw e;
            }
        }

        /**
         * Runs the daemon to its exit (for {@code -q}, {@code -Q}, {@code --check-config}: put them in
         * {@link #args}), killed after {@code timeout}. The folder is left when given with {@link #dir}.
         */
        public ExternalProgram.Result run(Duration timeout) throws IOException {
            Path d = dir != null ? dir : Files.createTempDirectory("jntpd-test");
            try {
                Path conf = writeConfig(d, port != 0 ? port : freePort(bindAddress));
                return ExternalProgram.run(timeout, command(conf), environment(d));
            } finally {
                if (dir == null) {
                    TestFiles.deleteTree(d);
                }
            }
        }

        private Path writeConfig(Path d, int p) throws IOException {
            Path conf = d.resolve("jntpd.conf");
            List<String> all = new ArrayList<>();
            all.add("port " + p);
            if (bindAddress != null) {
                all.add("bindaddress " + bindAddress);
            }
            if (logToFile) {
                all.add("logfile " + d.resolve(LOG_FILE));
            }
            all.addAll(lines);
            Files.write(conf, all);
            return conf;
        }

        private List<String> command(Path conf) {
            List<String> cmd = new ArrayList<>(prefix);
            cmd.addAll(List.of(projectDir().resolve("bin/jntpd").toString(), "-c", conf.toString(), "-n"));
            if (virtualClock == null) {
                cmd.add("-x");
            }
            cmd.addAll(args);
            return cmd;
        }

        private Map<String, String> environment(Path d) {
            Map<String, String> e = new LinkedHashMap<>(env);
            // A jar, not the directory: after -u nobody classes still load from a checkout that user cannot read.
            e.put("JNTPD_CLASSPATH", ClassesJar.of(buildDir().resolve("classes")).toString());
            e.put(LinuxClock.FORBID_HOST_CLOCK_ENV, "1"); // belt and braces: never steer this machine's clock
            if (virtualClock != null) {
                e.put(VIRTUAL_CLOCK_ENV, virtualClock);
                e.put(VIRTUAL_CLOCK_ENV + "_LOG", d.resolve(VIRTUAL_CLOCK_LOG).toString());
            }
            return e;
        }

        private JntpdProcess launch(Path d, int p) throws IOException {
            Path conf = writeConfig(d, p);
            Path log = d.resolve("jntpd-" + p + ".log");
            ProcessBuilder pb = new ProcessBuilder(command(conf)).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(environment(d));
            long startedNanoTime = System.nanoTime();
            JntpdProcess jntpd = new JntpdProcess(pb.start(), startedNanoTime, d, dir == null, log, bindAddress, p);
            if (!awaitReady) {
                return jntpd;
            }
            try {
                jntpd.awaitReady();
                return jntpd;
            } catch (IOException | RuntimeException e) {
                jntpd.release();
                throw e;
            }
        }
    }

    /** The daemon could not bind its port (the message has its log); for a port picked here, the builder tries another. */
    private static final class AddressInUse extends IOException {
        private static final long serialVersionUID = 1L;

        AddressInUse(String message) {
            super(message);
        }
    }

    private void awaitReady() throws IOException {
        long deadlineNs = System.nanoTime() + START_TIMEOUT_MS * 1_000_000;
        while (System.nanoTime() - deadlineNs < 0) {
            String log = log();
            if (log.contains(READY)) {
                return;
            }
            if (!process.isAlive()) {
                if (log.contains("Address already in use")) {
                    throw new AddressInUse("jntpd could not bind port " + port() + ":\n" + log);
                }
                throw new IOException("jntpd exited with " + process.exitValue() + " before serving:\n" + log);
            }
            sleepMs(20);
        }
        throw new IOException("jntpd did not log '" + READY + "' within " + START_TIMEOUT_MS + " ms:\n" + log());
    }

    /**
     * Asks the daemon's control socket (what {@code jntpc COMMAND} prints), which must be {@code DIR/control.sock}
     * ({@code controlsocket} + {@link #dir()} + {@code /control.sock} in its configuration).
     */
    public String jntpc(String command) {
        Path socket = dir.resolve("control.sock");
        try {
            return org.jntpd.cli.Jntpc.request(socket.toString(), command); // the JSON reply as jntpc prints it
        } catch (IOException e) {
            return "(no answer on " + socket + ": " + e + ")";
        }
    }

    /** The port it serves on. */
    public int port() {
        return address.getPort();
    }

    /** Where to send requests: the bind address (loopback when none or the wildcard) and the port. */
    public InetSocketAddress address() {
        return address;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The folder holding the configuration and the logs (deleted on close unless given to the builder). */
    public Path dir() {
        return dir;
    }

    /** Everything the daemon printed so far. */
    public String log() {
        Path configured = dir.resolve(LOG_FILE);
        String out = TestFiles.readOrExplain(logFile);
        return Files.exists(configured) ? out + TestFiles.readOrExplain(configured) : out;
    }

    /**
     * Waits up to {@code timeoutMs} for a log line containing {@code text} and returns it; fails (with the log) on
     * the timeout or when the daemon exits first.
     */
    public String awaitLog(String text, long timeoutMs) {
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            boolean alive = process.isAlive(); // before reading: a line logged just before the exit still counts
            String found = log().lines().filter(l -> l.contains(text)).findFirst().orElse(null);
            if (found != null) {
                return found;
            }
            if (!alive) {
                throw new AssertionError("jntpd exited with " + process.exitValue() + " before logging '" + text
                        + "':\n" + log());
            }
            if (System.nanoTime() - deadlineNs >= 0) {
                throw new AssertionError("jntpd did not log '" + text + "' within " + timeoutMs + " ms:\n" + log());
            }
            sleepMs(20);
        }
    }

    /** The log lines containing {@code text}, in order. */
    public List<String> logLines(String text) {
        return log().lines().filter(l -> l.contains(text)).toList();
    }

    /** The host time of a log line (its leading ISO-8601 timestamp) in Unix seconds. */
    public static double logTimeS(String line) {
        Instant t = Instant.parse(line.substring(0, line.indexOf(' ')));
        return t.getEpochSecond() + t.getNano() * 1e-9;
    }

    /** The shim's V - T log so far (see {@link Builder#virtualClock}). */
    public VirtualClockLog virtualClockLog() {
        return VirtualClockLog.read(dir.resolve(VIRTUAL_CLOCK_LOG));
    }

    /** {@link System#nanoTime()} just before the process was started. */
    public long startedNanoTime() {
        return startedNanoTime;
    }

    /** Sends SIGHUP (reopen the log file). */
    public void hangUp() {
        ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(pid()));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("kill -HUP " + pid() + " failed: " + r);
        }
    }

    /** SIGTERM, then waits up to {@code timeoutMs} for the exit: its code, or -1 when it had to be killed. */
    public int terminate(long timeoutMs) {
        process.destroy();
        return awaitExit(timeoutMs);
    }

    /** SIGKILL: the daemon gets no chance to tidy up; returns once it is gone. */
    public void killHard() {
        process.destroyForcibly();
        awaitExit(10_000);
    }

    /** Waits up to {@code timeoutMs} for the exit: its code, or -1 when it had to be killed. */
    public int awaitExit(long timeoutMs) {
        try {
            if (process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            return -1;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Resident set size of the daemon's JVM in KiB (VmRSS of /proc/PID/status). */
    public long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid() + "/status (has jntpd exited?)", e);
        }
        throw new IllegalStateException("no VmRSS in /proc/" + pid() + "/status");
    }

    /**
     * The daemon's live Java heap in KiB: a full GC ({@code jcmd PID GC.run}), then what the old generation holds
     * ({@code GC.heap_info}; the launcher runs the serial collector, whose full GC moves every live object there, so
     * what is allocated after the GC, jcmd's own work included, does not count). Unlike the RSS this sees a leak of
     * objects at once, whatever pages the heap had touched. Uses the jcmd of the JDK running the tests.
     */
    public long liveHeapKiB() {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jcmd");
        String pidText = Long.toString(pid());
        ExternalProgram.Result gc = ExternalProgram.run(java.time.Duration.ofSeconds(30), jcmd.toString(), pidText,
                "GC.run");
        ExternalProgram.Result info = ExternalProgram.run(java.time.Duration.ofSeconds(30), jcmd.toString(), pidText,
                "GC.heap_info");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^Tenured\\s+total \\d+K, used (\\d+)K")
                .matcher(info.output());
        if (gc.exitCode() != 0 || !m.find()) {
            throw new IllegalStateException("jcmd could not read the serial collector's old generation:\n" + gc
                    + "\n" + info);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * Datagrams the kernel dropped at the daemon's sockets on its port (receive buffer full), summed over the
     * "drops" column of /proc/PID/net/udp and udp6 (the daemon's own network namespace).
     */
    public long receiveDrops() {
        String portHex = String.format(":%04X", port());
        long drops = 0;
        for (String table : new String[] {"udp", "udp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "net", table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 12 && f[1].endsWith(portHex)) {
                        drops += Long.parseLong(f[f.length - 1]);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/" + pid() + "/net/" + table, e);
            }
        }
        return drops;
    }

    /** Stops the daemon and deletes its folder. */
    @Override
    public void close() {
        release();
        if (ownDir) {
            TestFiles.deleteTree(dir);
        }
    }

    private void release() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy(); // SIGTERM to this PID: the daemon's shutdown hook closes its sockets
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A UDP port free on {@code address} (or the wildcard) right now. */
    public static int freePort(String address) throws IOException {
        InetAddress a = address == null ? null : InetAddress.ofLiteral(address);
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(a, 0))) {
            return s.getLocalPort();
        }
    }

    /** A TCP port free on 127.0.0.1 right now (NTS-KE, metrics). */
    public static int freeTcpPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.ofLiteral("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** The project folder (surefire sets jntpd.projectDir; else the working directory). */
    public static Path projectDir() {
        return Path.of(System.getProperty("jntpd.projectDir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    static Path buildDir() {
        String b = System.getProperty("jntpd.buildDir");
        return b != null ? Path.of(b) : projectDir().resolve("target");
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
