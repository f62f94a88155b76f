package org.jntpd.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jntpd.config.Config;
import org.jntpd.perf.PerfCommand;

/** Entry point of the control and query tool (bin/jntpc): {@code jntpc [-s SOCKET] COMMAND [options]}. */
public final class Jntpc {
    static final String USAGE = """
            usage: jntpc [-s SOCKET] COMMAND [options]
            commands:
              tracking           the system's synchronisation state (like chronyc tracking)
              sources            the time sources and their last measurements (like chronyc sources)
              serverstats        the NTP server's counters: requests, replies, drops by reason, rate limited, KoD
              perf HOST[:PORT]   open-loop load generator for an NTP server (jntpc perf --help)
            -s SOCKET            the daemon's control socket (default %s, or controlsocket in its configuration)
            """.formatted(Config.DEFAULT_CONTROL_SOCKET);

    private Jntpc() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String socket = Config.DEFAULT_CONTROL_SOCKET;
        int i = 0;
        if (args.length >= 2 && args[0].equals("-s")) {
            socket = args[1];
            i = 2;
        }
        if (args.length == i || args[i].equals("-h") || args[i].equals("--help") || args[i].equals("help")) {
            System.out.print(USAGE);
            return args.length == i ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, i + 1, args.length);
        return switch (args[i]) {
            case "perf" -> PerfCommand.main(rest, System.out, System.err);
            case "tracking", "sources", "serverstats" -> query(socket, args[i]);
            default -> {
                System.err.println("jntpc: unknown command " + args[i] + " (expected tracking, sources, serverstats or perf)");
                yield 2;
            }
        };
    }

    /** Sends one command to the daemon's control socket and prints the answer. */
    static int query(String socket, String command) {
        try {
            String out = request(socket, command);
            System.out.print(out);
            return out.startsWith("error:") ? 1 : 0;
        } catch (IOException e) {
            System.err.println("jntpc: cannot reach jntpd at " + socket + " (" + e.getMessage() + "); is it running, and "
                    + "may you read the socket?");
            return 1;
        }
    }

    /** One command over the control socket (one per connection) and the daemon's whole answer: jntpc's protocol. */
    public static String request(String socket, String command) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            StringBuilder out = new StringBuilder();
            while (c.read(buf) >= 0) {
                buf.flip();
                out.append(StandardCharsets.UTF_8.decode(buf));
                buf.clear();
            }
            return out.toString();
        }
    }
}
