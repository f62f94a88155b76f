package org.jntpd.netbench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jntpd.testing.ExternalProgram;

/**
 * The namespaces of bench/network-vs-chronyd: a server, and two clients each behind its own router.
 *
 * <pre>
 *   PREFIX-c1 (198.18.11.2) -- rc | PREFIX-r1 | rs -- r1 (198.18.1.1) \
 *                                                                       PREFIX-s (198.18.0.1 on lo)
 *   PREFIX-c2 (198.18.12.2) -- rc | PREFIX-r2 | rs -- r2 (198.18.2.1) /
 * </pre>
 *
 * Both clients name the server 198.18.0.1. Each router forwards, and its iptables-legacy FORWARD chain sends UDP
 * packets from or to port 123 (NTP) or 9123 (netprobe) to NFQUEUE 0 (from the client) and 1 (from the server), with
 * --queue-bypass: while no netdelay runs the packets pass undelayed. Every process started here runs through
 * {@code ip netns exec} (which execs, so the PID is the program's) and is stopped by that PID; {@link #close()} stops
 * what is left and deletes the namespaces, and a shutdown hook does the same if the JVM is interrupted.
 */
final class NetLab implements AutoCloseable {
    static final String SERVER_ADDRESS = "198.18.0.1";
    static final int PROBE_PORT = 9123;
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Thread hook = Thread.ofPlatform().unstarted(this::cleanUp);
    private boolean closed;

    private NetLab(String prefix) {
        this.prefix = prefix;
    }

    static NetLab create() throws IOException {
        NetLab lab = new NetLab(String.format("jnb%04x", ThreadLocalRandom.current().nextInt(0x10000)));
        Runtime.getRuntime().addShutdownHook(lab.hook);
        try {
            lab.build();
            return lab;
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    String server() {
        return prefix + "-s";
    }

    String router(int i) {
        return prefix + "-r" + i;
    }

    String client(int i) {
        return prefix + "-c" + i;
    }

    private void build() throws IOException {
        for (String ns : List.of(server(), router(1), router(2), client(1), client(2))) {
            ip("netns", "add", ns);
            namespaces.add(ns);
            ip("-n", ns, "link", "set", "lo", "up");
        }
        ip("-n", server(), "addr", "add", SERVER_ADDRESS + "/32", "dev", "lo");
        for (int i = 1; i <= 2; i++) {
            String r = router(i);
            String c = client(i);
            ip("link", "add", "r" + i, "netns", server(), "type", "veth", "peer", "name", "rs", "netns", r);
            ip("link", "add", "rc", "netns", r, "type", "veth", "peer", "name", "r", "netns", c);
            ip("-n", server(), "addr", "add", "198.18." + i + ".1/30", "dev", "r" + i);
            ip("-n", server(), "link", "set", "r" + i, "up");
            ip("-n", r, "addr", "add", "198.18." + i + ".2/30", "dev", "rs");
            ip("-n", r, "link", "set", "rs", "up");
            ip("-n", r, "addr", "add", "198.18.1" + i + ".1/24", "dev", "rc");
            ip("-n", r, "link", "set", "rc", "up");
            ip("-n", c, "addr", "add", "198.18.1" + i + ".2/24", "dev", "r");
            ip("-n", c, "link", "set", "r", "up");
            ip("-n", server(), "route", "add", "198.18.1" + i + ".0/24", "via", "198.18." + i + ".2");
            ip("-n", r, "route", "add", SERVER_ADDRESS + "/32", "via", "198.18." + i + ".1");
            ip("-n", c, "route", "add", "default", "via", "198.18.1" + i + ".1");
            run(List.of("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1"));
            String ports = "123," + PROBE_PORT;
            run(List.of("ip", "netns", "exec", r, "iptables-legacy", "-A", "FORWARD", "-i", "rc", "-p", "udp", "-m",
                    "multiport", "--ports", ports, "-j", "NFQUEUE", "--queue-num", "0", "--queue-bypass"));
            run(List.of("ip", "netns", "exec", r, "iptables-legacy", "-A", "FORWARD", "-i", "rs", "-p", "udp", "-m",
                    "multiport", "--ports", ports, "-j", "NFQUEUE", "--queue-num", "1", "--queue-bypass"));
        }
    }

    /** Starts {@code command} in namespace {@code ns}, output to {@code log}; stopped by {@link #stop} or close. */
    Process start(String ns, List<String> command, Map<String, String> env, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    /** SIGTERM by PID, SIGKILL after {@code graceMs}; returns the exit code (-1 when killed). */
    int stop(Process p, long graceMs) {
        p.destroy();
        int exit = -1;
        try {
            if (p.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                exit = p.exitValue();
            } else {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        synchronized (processes) {
            processes.remove(p);
        }
        return exit;
    }

    /** Runs a command in namespace {@code ns} to completion (bounded). */
    ExternalProgram.Result exec(String ns, Duration timeout, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        return ExternalProgram.run(timeout, cmd);
    }

    private void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    private static void run(List<String> cmd) throws IOException {
        ExternalProgram.Result r = ExternalProgram.run(IP_TIMEOUT, cmd);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r);
        }
    }

    private synchronized void cleanUp() {
        if (closed) {
            return;
        }
        closed = true;
        List<Process> left;
        synchronized (processes) {
            left = new ArrayList<>(processes);
        }
        for (Process p : left) {
            p.destroy();
        }
        for (Process p : left) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        // The veths go with their namespaces.
        for (String ns : namespaces.reversed()) {
            ExternalProgram.run(IP_TIMEOUT, "ip", "netns", "del", ns);
        }
    }

    @Override
    public void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }
}
