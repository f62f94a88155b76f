package org.jntpd.cli;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import org.jntpd.config.Config;
import org.jntpd.perf.PerfCommand;
import org.jntpd.timefile.TimeFile;

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
              reload             read the daemon's configuration again and apply it whole, or refuse it and say why
                                 (the socket's owner and group only; README, "Reloading the configuration")
              warnings           what needs the operator: a source smearing a leap second or on another timescale,
                                 a leap second file or certificate near expiry, another program steering the clock
              perf HOST[:PORT]   open-loop load generator for an NTP server (jntpc perf --help)
              time [FILE]        true time with its error bound from the daemon's time file (timefile; default
                                 %s), read without asking the daemon (docs/TIMEFILE.md)
            -s SOCKET            the daemon's control socket (default %s, or controlsocket in its configuration)
            A query gives up after 5 s without the daemon's whole answer.
            """.formatted(Config.DEFAULT_TIME_FILE, Config.DEFAULT_CONTROL_SOCKET);

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
            case "time" -> time(rest.length > 0 ? rest[0] : Config.DEFAULT_TIME_FILE);
            case "tracking", "sources", "serverstats", "authdata", "reload", "warnings" -> query(socket, args[i]);
            default -> {
                System.err.println("jntpc: unknown command " + args[i]
                        + " (expected tracking, sources, serverstats, authdata, reload, time or perf)");
                yield 2;
            }
        };
    }

    /** How long jntpc waits for the daemon's whole answer. */
    static final long QUERY_TIMEOUT_MS = 5_000;

    /** Prints true time from the time file: earliest and latest, the bound, and whether the daemon is synchronised. */
    static int time(String file) {
        TimeFile.Update u;
        try (TimeFile.Reader r = new TimeFile.Reader(Path.of(file))) {
            u = r.read();
        } catch (IOException e) {
            System.err.println("jntpc: cannot read the time file " + file + " (" + e.getMessage() + "); is timefile in"
                    + " jntpd's configuration?");
            return 1;
        }
        if (u == null) {
            System.err.println("jntpc: " + file + " holds no update yet (or is not a jntpd time file)");
            return 1;
        }
        // CLOCK_REALTIME and CLOCK_MONOTONIC, as the daemon read them (System.nanoTime is CLOCK_MONOTONIC on Linux)
        Instant now = Instant.now();
        long realtimeNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long monotonicNs = System.nanoTime();
        long boundNs = u.boundNsAt(monotonicNs);
        System.out.printf(Locale.ROOT, """
                synchronised : %s
                earliest     : %s
                latest       : %s
                bound        : +-%.3f us (%.3f us at the update, %.1f s ago)
                correction   : %+.9f s (added to the system clock)
                leap second  : %s
                """, u.synchronised() ? "yes" : "no", instant(u.earliestNs(realtimeNs, monotonicNs)),
                instant(u.latestNs(realtimeNs, monotonicNs)), boundNs / 1e3, u.maxErrorNs() / 1e3,
                (monotonicNs - u.monotonicNs()) / 1e9, u.correctionNs() / 1e9,
                (u.flags() & TimeFile.FLAG_LEAP_INSERT) != 0 ? "insertion at the end of the day"
                        : (u.flags() & TimeFile.FLAG_LEAP_DELETE) != 0 ? "deletion at the end of the day" : "none");
        return u.synchronised() ? 0 : 1;
    }

    private static Instant instant(long unixNs) {
        return Instant.ofEpochSecond(Math.floorDiv(unixNs, 1_000_000_000L), Math.floorMod(unixNs, 1_000_000_000L));
    }

    /** Sends one command to the daemon's control socket and prints the answer. */
    static int query(String socket, String command) {
        return query(socket, command, QUERY_TIMEOUT_MS);
    }

    /** {@link #query(String, String)}, giving up after {@code timeoutMs} (a daemon that accepts but never answers). */
    static int query(String socket, String command, long timeoutMs) {
        try {
            String out = request(socket, command, timeoutMs);
            System.out.print(out);
            return out.startsWith("error:") ? 1 : 0;
        } catch (SocketTimeoutException e) {
            System.err.println("jntpc: jntpd at " + socket + " " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("jntpc: cannot reach jntpd at " + socket + " (" + e.getMessage() + "); is it running, and "
                    + "may you read the socket?");
            return 1;
        }
    }

    /** One command over the control socket (one per connection) and the daemon's whole answer: jntpc's protocol. */
    public static String request(String socket, String command) throws IOException {
        return request(socket, command, QUERY_TIMEOUT_MS);
    }

    /**
     * {@link #request(String, String)}, giving up after {@code timeoutMs} without the whole answer
     * ({@link SocketTimeoutException}).
     */
    static String request(String socket, String command, long timeoutMs) throws IOException {
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
                    throw new SocketTimeoutException("did not answer within " + timeoutMs + " ms");
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
            return answer.toString();
        }
    }
}
