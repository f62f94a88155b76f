package org.jntpd.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
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
              authdata           authentication: each source's keys or NTS state, the NTS-KE server's certificate
                                 (and its expiry) and counters (like chronyc -N authdata)
              perf HOST[:PORT]   open-loop load generator for an NTP server (jntpc perf --help)
            -s SOCKET            the daemon's control socket (default %s, or controlsocket in its configuration)
            A query gives up after 5 s without the daemon's whole answer.
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
            case "tracking", "sources", "serverstats", "authdata" -> query(socket, args[i]);
            default -> {
                System.err.println("jntpc: unknown command " + args[i]
                        + " (expected tracking, sources, serverstats, authdata or perf)");
                yield 2;
            }
        };
    }

    /** How long jntpc waits for the daemon's whole answer. */
    static final long QUERY_TIMEOUT_MS = 5_000;

    /** Sends one command to the daemon's control socket and prints the answer. */
    static int query(String socket, String command) {
        return query(socket, command, QUERY_TIMEOUT_MS);
    }

    /** {@link #query(String, String)}, giving up after {@code timeoutMs} (a daemon that accepts but never answers). */
    static int query(String socket, String command, long timeoutMs) {
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            c.connect(UnixDomainSocketAddress.of(socket)); // a Unix socket connects at once or fails
            c.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            StringBuilder answer = new StringBuilder();
            SelectionKey key = c.register(selector, SelectionKey.OP_WRITE);
            while (true) {
                long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000L;
                if (leftMs <= 0) {
                    System.err.println("jntpc: jntpd at " + socket + " did not answer within " + timeoutMs + " ms");
                    return 1;
                }
                selector.select(leftMs);
                if (out.hasRemaining()) {
                    c.write(out);
                    if (!out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                    continue;
                }
                int n = c.read(buf);
                if (n < 0) {
                    break;
                }
                buf.flip();
                answer.append(StandardCharsets.UTF_8.decode(buf));
                buf.clear();
            }
            System.out.print(answer);
            return answer.toString().startsWith("error:") ? 1 : 0;
        } catch (IOException e) {
            System.err.println("jntpc: cannot reach jntpd at " + socket + " (" + e.getMessage() + "); is it running, and "
                    + "may you read the socket?");
            return 1;
        }
    }
}
