package org.jntpd.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * One emulated guest (qemu TCG, see native/guest/README.md): a Linux with real /dev/rtc0, /dev/pps0 (module
 * jntpd_pps), /dev/ptp0 (module jntpd_ptp) and a CLOCK_REALTIME that jobs may discipline, the host's {@code /}
 * mounted read-only with a RAM overlay (host paths such as the JDK and {@code target/} work unchanged).
 * <p>
 * Boot one per test class, run shell jobs in it with {@link #exec}, close it. Jobs run as root under bash,
 * with cwd {@code /job}: the host folder {@link #jobDir()}, the only place whose writes reach the host.
 * Guests run one at a time per machine (a lock in native/guest/run-guest); the host clock is never touched.
 */
public final class GuestVm implements AutoCloseable {
    /** The probe tool inside the guest (see native/guest/tools/jntpd-guest-tool.c). */
    public static final String GUEST_TOOL = "/run/jntpd-guest/bin/jntpd-guest-tool";
    /** The guest's address on its user-mode network; the host's 127.0.0.1 is {@code 10.0.2.2} from inside. */
    public static final String GUEST_ADDRESS = "10.0.2.15";

    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);
    private static final Duration LOCK_WAIT = Duration.ofMinutes(10);
    private static Optional<String> unavailable;
    private static Path build;

    private final Path jobDir;
    private final Process runner;
    private final Map<Integer, Integer> hostPortByGuestPort;
    private final Duration bootTime;
    private final double guestBootSeconds;
    private final Thread shutdownHook;
    private int nextRequest = 1;

    /** The output of one job. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Returns this result, or throws with the job's output when it exited non-zero. */
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("guest job exited " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
            }
            return this;
        }
    }

    /** A job submitted to the guest that may still run. */
    public final class Job {
        private final Path out;
        private final Path err;
        private final Path rc;

        private Job(int id) {
            Path req = jobDir.resolve("req");
            this.out = req.resolve(id + ".out");
            this.err = req.resolve(id + ".err");
            this.rc = req.resolve(id + ".rc");
        }

        /** What the job printed to stdout so far. */
        public String stdoutSoFar() {
            return read(out);
        }

        /** Whether the job has ended. */
        public boolean done() {
            return Files.exists(rc);
        }

        /** Waits for the job to end. */
        public Result await(Duration timeout) throws IOException, TimeoutException {
            long deadlineNs = System.nanoTime() + timeout.toNanos();
            while (!Files.exists(rc)) {
                if (!runner.isAlive()) {
                    throw new IOException("the guest stopped before the job ended (exit " + runner.exitValue() + ")\n"
                            + consoleTail());
                }
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new TimeoutException("guest job " + rc.getFileName() + " still runs after " + timeout);
                }
                sleep(POLL);
            }
            return new Result(Integer.parseInt(Files.readString(rc).strip()), read(out), read(err));
        }
    }

    /** How a guest boots. */
    public static final class Builder {
        private final List<String> modules = new ArrayList<>(List.of("jntpd_pps", "jntpd_ptp"));
        private final List<Integer> udpGuestPorts = new ArrayList<>();
        private String name = "guest";
        private String kernelArgs = "";
        private String cpu = "qemu64";
        private Duration bootTimeout = Duration.ofMinutes(2);
        private Duration lifetime = Duration.ofMinutes(10);

        private Builder() {
        }

        /** Names the job folder ({@code target/guest/NAME}); a test class's simple name is a good choice. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Replaces the default modules (jntpd_pps and jntpd_ptp with default parameters) with this list, each
         * "module param=value ...", e.g. {@code "jntpd_pps period_ns=1000000500 clear_ns=200000000"}.
         */
        public Builder modules(String... modprobeLines) {
            modules.clear();
            modules.addAll(List.of(modprobeLines));
            return this;
        }

        /** Forwards UDP from a free host port on 127.0.0.1 to this guest port; see {@link #hostUdpPort}. */
        public Builder udpForward(int guestPort) {
            udpGuestPorts.add(guestPort);
            return this;
        }

        /** Extra kernel command line. */
        public Builder kernelArgs(String args) {
            this.kernelArgs = args;
            return this;
        }

        /**
         * qemu's {@code -cpu} (default {@code qemu64}, whose vendor string is AMD's). With
         * {@code qemu64,vendor=GenuineIntel} Linux restarts the RTC's divider on a write (rtc_cmos), so a set RTC's
         * seconds begin 0.5 s after the write instead of keeping their old phase.
         */
        public Builder cpu(String model) {
            this.cpu = model;
            return this;
        }

        /** Longest wait from qemu's start to the guest being ready (default 2 min). */
        public Builder bootTimeout(Duration timeout) {
            this.bootTimeout = timeout;
            return this;
        }

        /** Hard limit on the guest's whole life: qemu is killed after it (default 10 min). */
        public Builder lifetime(Duration lifetime) {
            this.lifetime = lifetime;
            return this;
        }

        /** Builds the cache when needed, boots the guest and waits until it takes jobs. */
        public GuestVm start() throws IOException, TimeoutException {
            return new GuestVm(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private GuestVm(Builder b) throws IOException, TimeoutException {
        Path buildDir = build();
        jobDir = Path.of(System.getProperty("jntpd.buildDir", "target"), "guest", b.name).toAbsolutePath();
        deleteTree(jobDir);
        Files.createDirectories(jobDir);
        Files.createDirectories(jobDir.resolve("req"));
        Files.write(jobDir.resolve("modules"), b.modules);

        List<String> cmd = new ArrayList<>(List.of(script("run-guest").toString(), "--build", buildDir.toString(),
                "--timeout", Long.toString(b.lifetime.toSeconds()), "--lock-wait", Long.toString(LOCK_WAIT.toSeconds())));
        hostPortByGuestPort = new LinkedHashMap<>();
        for (int guestPort : b.udpGuestPorts) {
            int hostPort = freeUdpPort();
            hostPortByGuestPort.put(guestPort, hostPort);
            cmd.addAll(List.of("--udp", hostPort + ":" + guestPort));
        }
        cmd.addAll(List.of("--cpu", b.cpu));
        if (!b.kernelArgs.isBlank()) {
            cmd.addAll(List.of("--append", b.kernelArgs));
        }
        cmd.add(jobDir.toString());
        runner = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(jobDir.resolve("run-guest.log").toFile()).start();
        shutdownHook = new Thread(this::kill, "guest-vm-kill");
        Runtime.getRuntime().addShutdownHook(shutdownHook);

        try {
            long startNs = System.nanoTime();
            long qemuStartNs = 0;
            Path ready = jobDir.resolve("ready");
            while (!Files.exists(ready)) {
                long nowNs = System.nanoTime();
                if (qemuStartNs == 0 && Files.exists(jobDir.resolve("qemu.pid"))) {
                    qemuStartNs = nowNs; // the machine-wide guest lock is ours from here
                }
                if (!runner.isAlive()) {
                    throw new IOException("the guest stopped while booting (exit " + runner.exitValue() + "): "
                            + read(jobDir.resolve("run-guest.log")) + read(jobDir.resolve("init-error"))
                            + "\n" + consoleTail());
                }
                boolean late = qemuStartNs != 0 ? nowNs - qemuStartNs > b.bootTimeout.toNanos()
                        : nowNs - startNs > LOCK_WAIT.plus(b.bootTimeout).toNanos();
                if (late) {
                    throw new TimeoutException("the guest was not ready after " + b.bootTimeout + "\n" + consoleTail());
                }
                sleep(POLL);
            }
            bootTime = Duration.ofNanos(System.nanoTime() - (qemuStartNs != 0 ? qemuStartNs : startNs));
            guestBootSeconds = Double.parseDouble(Files.readString(ready).strip());
            // The guest's uptime cannot exceed the host's wait unless its clock races (a miscalibrated TSC).
            if (guestBootSeconds > bootTime.toMillis() / 1000.0 * 1.2 + 0.5) {
                throw new IOException("the guest clock runs fast: uptime " + guestBootSeconds + " s at ready, "
                        + bootTime.toMillis() + " ms on the host\n" + consoleTail());
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Runs a bash script in the guest and waits for it. */
    public Result exec(String script, Duration timeout) throws IOException, TimeoutException {
        return submit(script).await(timeout);
    }

    /** Starts a bash script in the guest; jobs run concurrently. */
    public synchronized Job submit(String script) throws IOException {
        int id = nextRequest++;
        Path req = jobDir.resolve("req");
        Path tmp = req.resolve(id + ".sh.tmp");
        Files.writeString(tmp, script + "\n");
        Files.move(tmp, req.resolve(id + ".sh"), StandardCopyOption.ATOMIC_MOVE);
        return new Job(id);
    }

    /** The host port on 127.0.0.1 forwarded to this guest UDP port (see {@link Builder#udpForward}). */
    public int hostUdpPort(int guestPort) {
        Integer port = hostPortByGuestPort.get(guestPort);
        if (port == null) {
            throw new IllegalArgumentException("guest UDP port " + guestPort + " is not forwarded; forwarded: "
                    + hostPortByGuestPort.keySet());
        }
        return port;
    }

    /** The host folder the guest sees as {@code /job}. */
    public Path jobDir() {
        return jobDir;
    }

    /** From qemu's start (after the machine-wide lock) to the guest taking jobs, as the host saw it. */
    public Duration bootTime() {
        return bootTime;
    }

    /** The guest's uptime when it was ready, seconds. */
    public double guestBootSeconds() {
        return guestBootSeconds;
    }

    /** The serial console so far: kernel messages and the init's "jntpd-guest:" lines. */
    public String consoleLog() {
        return read(jobDir.resolve("console.log"));
    }

    /** Powers the guest off (killing qemu when it does not stop in 10 s). The job folder stays for inspection. */
    @Override
    public void close() {
        try {
            if (runner.isAlive()) {
                Files.writeString(jobDir.resolve("halt"), "");
                runner.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            kill();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    /** Kills the qemu this guest started (its PID file, if it is our descendant), then the runner script. */
    private void kill() {
        if (!runner.isAlive()) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(jobDir.resolve("qemu.pid")).strip());
            runner.descendants().filter(p -> p.pid() == pid).forEach(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException noPidYet) {
            // qemu did not start (still waiting for the lock): the runner's tree is all there is
        }
        runner.descendants().forEach(ProcessHandle::destroyForcibly);
        runner.destroyForcibly();
        try {
            runner.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- the cache and availability -----------------------------------------------------------------------

    /**
     * Why guest tests cannot run here (qemu or the kernel packages missing, or -Djntpd.guest=false), or empty
     * when they can. The first call builds the cache (native/guest/build-cache: up to a minute or two).
     * A build that fails for any other reason throws: that is a bug, not a missing prerequisite.
     */
    public static synchronized Optional<String> unavailableReason() {
        if (unavailable == null) {
            unavailable = probe();
        }
        return unavailable;
    }

    /** The folder native/guest/build-cache made (vmlinux, initramfs, modules, bin/jntpd-guest-tool). */
    public static synchronized Path build() {
        unavailableReason().ifPresent(why -> {
            throw new IllegalStateException("guest tier unavailable: " + why);
        });
        return build;
    }

    /** The clock state of the host (adjtimex with modes=0, read only), as "key=value ..." of the probe tool. */
    public static Map<String, String> hostTimex() throws IOException {
        Process p = new ProcessBuilder(build().resolve("bin/jntpd-guest-tool").toString(), "timex")
                .redirectErrorStream(true).start();
        String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("jntpd-guest-tool timex failed: " + line);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return ProbeLines.fields(line.strip());
    }

    /**
     * Throws when the host's clock state differs from {@code before} (a {@link #hostTimex()} result) in any
     * field an adjustment would change: status, freq, offset, constant, tick, tai.
     */
    public static void requireHostClockUnchanged(Map<String, String> before) throws IOException {
        Map<String, String> now = hostTimex();
        for (String key : List.of("status", "freq", "offset", "constant", "tick", "tai")) {
            if (!before.get(key).equals(now.get(key))) {
                throw new AssertionError("the host clock state changed: " + key + " was " + before.get(key)
                        + ", is " + now.get(key));
            }
        }
    }

    private static Optional<String> probe() {
        if (!Boolean.parseBoolean(System.getProperty("jntpd.guest", "true"))) {
            return Optional.of("guest tests turned off by -Djntpd.guest=false");
        }
        if (!onPath("qemu-system-x86_64")) {
            return Optional.of("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86 busybox-static cpio)");
        }
        Path log = Path.of(System.getProperty("jntpd.buildDir", "target"), "guest", "build-cache.log").toAbsolutePath();
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(script("build-cache").toString()).redirectError(log.toFile()).start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException("native/guest/build-cache did not finish in " + BUILD_TIMEOUT);
            }
            String stderr = Files.readString(log);
            if (p.exitValue() == 3) {
                return Optional.of(stderr.lines().filter(l -> l.contains("unavailable:")).findFirst().orElse(stderr).strip());
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("native/guest/build-cache failed (exit " + p.exitValue() + "):\n" + stderr);
            }
            build = Path.of(stdout.lines().reduce((a, z) -> z).orElseThrow());
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path script(String name) {
        Path project = Path.of(System.getProperty("jntpd.projectDir", System.getProperty("user.dir")));
        return project.resolve("native/guest").resolve(name).toAbsolutePath();
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private String consoleTail() {
        List<String> lines = consoleLog().lines().toList();
        return "console (last lines):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException missing) {
            return "";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the guest", e);
        }
    }
}
