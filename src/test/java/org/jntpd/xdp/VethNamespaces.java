package org.jntpd.xdp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jntpd.testing.ExternalProgram;

/**
 * Two network namespaces made for one test, joined by a veth pair: the server end {@value #SERVER_DEV}
 * ({@value #SERVER_V4}, {@value #SERVER_V6}) and the client end {@value #CLIENT_DEV} ({@value #CLIENT_V4},
 * {@value #CLIENT_V6}), in the benchmarking ranges (198.18.0.0/15, 2001:2::/48). Deleted on close, and by a
 * shutdown hook if the test JVM ends first; the veth goes with them. Needs root and iproute2.
 */
public final class VethNamespaces implements AutoCloseable {
    public static final String SERVER_DEV = "xs0";
    public static final String CLIENT_DEV = "xc0";
    public static final String SERVER_V4 = "198.18.0.1";
    public static final String CLIENT_V4 = "198.18.0.2";
    public static final String SERVER_V6 = "2001:2::1";
    public static final String CLIENT_V6 = "2001:2::2";
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);

    private final String server;
    private final String client;
    private final Thread deleter;

    private VethNamespaces(String server, String client) {
        this.server = server;
        this.client = client;
        this.deleter = Thread.ofPlatform().unstarted(this::delete);
    }

    public static boolean available() {
        return ExternalProgram.isRoot() && ExternalProgram.find("ip").isPresent();
    }

    public static VethNamespaces create() throws IOException {
        String id = String.format("%08x", ThreadLocalRandom.current().nextInt());
        VethNamespaces v = new VethNamespaces("jntpd-xs-" + id, "jntpd-xc-" + id);
        Runtime.getRuntime().addShutdownHook(v.deleter);
        try {
            ip("netns", "add", v.server);
            ip("netns", "add", v.client);
            ip("link", "add", SERVER_DEV, "netns", v.server, "type", "veth", "peer", "name", CLIENT_DEV, "netns", v.client);
            for (String[] end : new String[][] {{v.server, SERVER_DEV, SERVER_V4, SERVER_V6},
                    {v.client, CLIENT_DEV, CLIENT_V4, CLIENT_V6}}) {
                ip("-n", end[0], "link", "set", "lo", "up");
                ip("-n", end[0], "addr", "add", end[2] + "/24", "dev", end[1]);
                ip("-n", end[0], "addr", "add", end[3] + "/64", "dev", end[1], "nodad");
                ip("-n", end[0], "link", "set", end[1], "up");
            }
        } catch (IOException | RuntimeException e) {
            v.close();
            throw e;
        }
        return v;
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        ExternalProgram.Result r = ExternalProgram.run(IP_TIMEOUT, cmd);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r);
        }
    }

    public String server() {
        return server;
    }

    public String client() {
        return client;
    }

    /** {@code ip netns exec SERVER command...} */
    public List<String> inServer(String... command) {
        return exec(server, command);
    }

    /** {@code ip netns exec CLIENT command...} */
    public List<String> inClient(String... command) {
        return exec(client, command);
    }

    private static List<String> exec(String ns, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        return cmd;
    }

    /** Runs a command in the client namespace (bounded). */
    public ExternalProgram.Result runInClient(Duration timeout, String... command) {
        return ExternalProgram.run(timeout, inClient(command));
    }

    /** Runs a command in the server namespace (bounded). */
    public ExternalProgram.Result runInServer(Duration timeout, String... command) {
        return ExternalProgram.run(timeout, inServer(command));
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
        ExternalProgram.run(IP_TIMEOUT, List.of("ip", "netns", "del", server));
        ExternalProgram.run(IP_TIMEOUT, List.of("ip", "netns", "del", client));
    }
}
