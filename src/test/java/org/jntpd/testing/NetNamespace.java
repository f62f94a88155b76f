package org.jntpd.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace made for one test ({@code ip netns add jntpd-test-XXXXXXXX}, loopback up), so a program that
 * only speaks port 123 can run without touching the host's port 123. Deleted on close, and by a shutdown hook if the
 * test JVM ends first. Needs root and iproute2.
 */
public final class NetNamespace implements AutoCloseable {
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);

    private final String name;
    private final Thread deleter;

    private NetNamespace(String name) {
        this.name = name;
        this.deleter = Thread.ofPlatform().unstarted(this::delete);
    }

    /** True when this process may make namespaces (root with ip on the PATH). */
    public static boolean available() {
        return ExternalProgram.isRoot() && ExternalProgram.find("ip").isPresent();
    }

    public static NetNamespace create() throws IOException {
        String name = String.format("jntpd-test-%08x", ThreadLocalRandom.current().nextInt());
        NetNamespace ns = new NetNamespace(name);
        ExternalProgram.Result add = ExternalProgram.run(IP_TIMEOUT, "ip", "netns", "add", name);
        if (add.exitCode() != 0) {
            throw new IOException("ip netns add " + name + " failed: " + add);
        }
        Runtime.getRuntime().addShutdownHook(ns.deleter);
        ExternalProgram.Result up = ExternalProgram.run(IP_TIMEOUT, "ip", "-n", name, "link", "set", "lo", "up");
        if (up.exitCode() != 0) {
            ns.close();
            throw new IOException("ip -n " + name + " link set lo up failed: " + up);
        }
        return ns;
    }

    /** Adds {@code address} (a /32 or /128, e.g. in 198.18.0.0/15) to the namespace's loopback device. */
    public void addLoopbackAddress(String address) throws IOException {
        String cidr = address.indexOf(':') >= 0 ? address + "/128" : address + "/32";
        ExternalProgram.Result r = ExternalProgram.run(IP_TIMEOUT, "ip", "-n", name, "addr", "add", cidr, "dev", "lo");
        if (r.exitCode() != 0) {
            throw new IOException("ip -n " + name + " addr add " + cidr + " dev lo failed: " + r);
        }
    }

    public String name() {
        return name;
    }

    /** {@code ip netns exec NAME} followed by {@code command}: ip execs it in place, so its PID is the program's. */
    public List<String> exec(String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        return cmd;
    }

    @Override
    public void close() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(deleter);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void delete() {
        ExternalProgram.run(IP_TIMEOUT, "ip", "netns", "del", name);
    }
}
