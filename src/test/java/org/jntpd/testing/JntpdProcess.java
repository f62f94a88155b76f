package org.jntpd.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 */
public final class JntpdProcess implements AutoCloseable {
    /** The line the daemon logs once its sockets are bound. */
    public static final String READY = "serving NTP on";
    private static final long START_TIMEOUT_MS = 30_000;
    private static final int PORT_ATTEMPTS = 5;

    private final Process process;
    private final Path dir;
    private final Path logFile;
    private final InetSocketAddress address;
    private final Thread killer;

    private JntpdProcess(Process process, Path dir, Path logFile, String bindAddress, int port) {
        this.process = process;
        this.dir = dir;
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
        private String bindAddress = "127.0.0.1";
        private int port;

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

        public JntpdProcess start() throws IOException {
            Path dir = Files.createTempDirectory("jntpd-test");
            try {
                if (port != 0) {
                    return launch(dir, port);
                }
                AddressInUse last = null;
                for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
                    try {
                        return launch(dir, freePort(bindAddress));
                    } catch (AddressInUse e) {
                        last = e; // taken between picking and binding: pick again
                    }
                }
                throw new IOException("no free port after " + PORT_ATTEMPTS + " attempts", last);
            } catch (IOException | RuntimeException e) {
                TestFiles.deleteTree(dir);
                throw e;
            }
        }

        private JntpdProcess launch(Path dir, int p) throws IOException {
            Path conf = dir.resolve("jntpd.conf");
            List<String> all = new ArrayList<>();
            all.add("port " + p);
            if (bindAddress != null) {
                all.add("bindaddress " + bindAddress);
            }
            all.addAll(lines);
            Files.write(conf, all);
            Path log = dir.resolve("jntpd-" + p + ".log");
            List<String> cmd = new ArrayList<>(prefix);
            cmd.addAll(List.of(projectDir().resolve("bin/jntpd").toString(), "-c", conf.toString(), "-n", "-x"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("JNTPD_CLASSPATH", buildDir().resolve("classes").toString());
            pb.environment().put("JNTPD_FORBID_HOST_CLOCK", "1"); // belt and braces: never steer this machine's clock
            JntpdProcess d = new JntpdProcess(pb.start(), dir, log, bindAddress, p);
            try {
                d.awaitReady();
                return d;
            } catch (IOException | RuntimeException e) {
                d.release();
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

    /** The temporary folder holding the configuration and the log (deleted on close). */
    public Path dir() {
        return dir;
    }

    /** Everything the daemon printed so far. */
    public String log() {
        return TestFiles.readOrExplain(logFile);
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
        TestFiles.deleteTree(dir);
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
    static int freePort(String address) throws IOException {
        InetAddress a = address == null ? null : InetAddress.ofLiteral(address);
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(a, 0))) {
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
