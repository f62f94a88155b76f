package org.jntpd.xdp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.NetNamespace;

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

    private final NetNamespace server;
    private final NetNamespace client;

    private VethNamespaces(NetNamespace server, NetNamespace client) {
        this.server = server;
        this.client = client;
    }

    public static boolean available() {
        return NetNamespace.available();
    }

    /** Two namespaces (each deleted on close or by its shutdown hook, the veth with them), joined and addressed. */
    public static VethNamespaces create() throws IOException {
        NetNamespace server = NetNamespace.create();
        NetNamespace client;
        try {
            client = NetNamespace.create();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        VethNamespaces v = new VethNamespaces(server, client);
        try {
            ip("link", "add", SERVER_DEV, "netns", server.name(), "type", "veth", "peer", "name", CLIENT_DEV, "netns",
                    client.name());
            for (String[] end : new String[][] {{server.name(), SERVER_DEV, SERVER_V4, SERVER_V6},
                    {client.name(), CLIENT_DEV, CLIENT_V4, CLIENT_V6}}) {
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
        return server.name();
    }

    /** The server end's namespace (for helpers that take a {@link NetNamespace}). */
    public NetNamespace serverNamespace() {
        return server;
    }

    /** The client end's namespace. */
    public NetNamespace clientNamespace() {
        return client;
    }

    public String client() {
        return client.name();
    }

    /** {@code ip netns exec SERVER command...} */
    public List<String> inServer(String... command) {
        return server.exec(command);
    }

    /** {@code ip netns exec CLIENT command...} */
    public List<String> inClient(String... command) {
        return client.exec(command);
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
        server.close();
        client.close();
    }
}
