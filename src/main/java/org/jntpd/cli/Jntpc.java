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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jntpd.config.Config;
import org.jntpd.control.ControlCommands;
import org.jntpd.control.Json;
import org.jntpd.perf.PerfCommand;
import org.jntpd.timefile.TimeFile;

/**
 * Entry point of the control and query tool (bin/jntpc): {@code jntpc [-s SOCKET] [-j] COMMAND [ARGS]}. Asks the
 * daemon over its control socket (docs/CONTROL.md) and prints the reply as aligned text, or as JSON with -j.
 */
public final class Jntpc {
    static final String USAGE = """
            usage: jntpc [-s SOCKET] [-j] COMMAND [ARGS] [-h]
            commands answered by the daemon (docs/CONTROL.md: the JSON protocol, every field and its unit):
            %s
            commands of jntpc itself:
              waitsync [TRIES [MAX-CORRECTION-S [MAX-SKEW-PPM [INTERVAL-S]]]]
                                         waits until the daemon is synchronised (chronyc waitsync; TRIES 0: forever)
              query HOST[:PORT]          one NTP exchange with a server: its offset, delay, stratum (like ntpdig)
              perf HOST[:PORT]           open-loop load generator for an NTP server (jntpc perf --help)
              time [FILE]                true time with its error bound from the daemon's time file (timefile; default
                                         %s), read without asking the daemon (docs/TIMEFILE.md)
            -s SOCKET   the daemon's control socket (default %s, or controlsocket in its configuration)
            -j          the daemon's JSON reply as it is (one line), for programs
            -h          after a command: its usage
            A query gives up after 5 s without the daemon's whole answer.
            """;

    /** The daemon's commands, as its table describes them (usage, summary), for the help texts. */
    private static final List<ControlCommands.Command> DAEMON_COMMANDS = ControlCommands.table();

    private Jntpc() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static String usage() {
        StringBuilder b = new StringBuilder();
        for (ControlCommands.Command c : DAEMON_COMMANDS) {
            b.append(String.format(Locale.ROOT, "  %-26s %s%s%n", c.usage(), c.summary(),
                    c.privileged() ? " (owner group only)" : ""));
        }
        return USAGE.formatted(b.toString().stripTrailing(), Config.DEFAULT_TIME_FILE, Config.DEFAULT_CONTROL_SOCKET);
    }

    /** jntpc with {@code args}: what it prints goes to System.out and System.err; returns its exit status. */
    public static int run(String[] args) {
        String socket = Config.DEFAULT_CONTROL_SOCKET;
        boolean json = false;
        int i = 0;
        while (i < args.length && args[i].startsWith("-") && !args[i].equals("-h") && !args[i].equals("--help")) {
            if (args[i].equals("-s") && i + 1 < args.length) {
                socket = args[i + 1];
                i += 2;
            } else if (args[i].equals("-j")) {
                json = true;
                i++;
            } else {
                System.err.println("jntpc: unknown option " + args[i]);
                return 2;
            }
        }
        if (args.length == i || args[i].equals("-h") || args[i].equals("--help") || args[i].equals("help")
                && args.length == i + 1 && !json) {
            System.out.print(usage());
            return args.length == i ? 2 : 0;
        }
        String command = args[i];
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(i + 1, args.length));
        if (command.equals("perf")) {
            return PerfCommand.main(rest.toArray(String[]::new), System.out, System.err);
        }
        if (rest.contains("-h") || rest.contains("--help")) {
            return commandHelp(command);
        }
        boolean verbose = rest.remove("-v");
        json |= rest.remove("-j");
        return switch (command) {
            case "time" -> time(rest.isEmpty() ? Config.DEFAULT_TIME_FILE : rest.getFirst());
            case "waitsync" -> WaitSync.run(socket, rest, System.out);
            case "query" -> QueryCommand.run(rest, json, System.out, System.err);
            default -> {
                if (DAEMON_COMMANDS.stream().noneMatch(c -> c.name().equals(command))) {
                    System.err.println("jntpc: unknown command " + command + " (jntpc -h lists them)");
                    yield 2;
                }
                yield query(socket, command, rest, json, verbose);
            }
        };
    }

    /** {@code jntpc COMMAND -h}: the command's usage. */
    private static int commandHelp(String command) {
        for (ControlCommands.Command c : DAEMON_COMMANDS) {
            if (c.name().equals(command)) {
                System.out.printf(Locale.ROOT, "usage: jntpc [-s SOCKET] [-j] %s%s%n  %s%s%n", c.usage(),
                        command.equals("sources") ? " [-v]" : "", c.summary(),
                        c.privileged() ? "\n  Changes the daemon: only root, the socket's owner and its group may." : "");
                return 0;
            }
        }
        String text = switch (command) {
            case "waitsync" -> WaitSync.USAGE;
            case "query" -> QueryCommand.USAGE;
            case "time" -> "usage: jntpc time [FILE]\n  true time with its error bound from the daemon's time file\n";
            default -> null;
        };
        if (text == null) {
            System.err.println("jntpc: unknown command " + command + " (jntpc -h lists them)");
            return 2;
        }
        System.out.print(text);
        return 0;
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

    /** Sends one command to the daemon's control socket and prints the reply: as text, or as JSON with -j. */
    static int query(String socket, String command, List<String> args, boolean json, boolean verbose) {
        return query(socket, command, args, json, verbose, QUERY_TIMEOUT_MS);
    }

    /** {@link #query(String, String)}, giving up after {@code timeoutMs} (a daemon that accepts but never answers). */
    static int query(String socket, String command, long timeoutMs) {
        return query(socket, command, List.of(), false, false, timeoutMs);
    }

    static int query(String socket, String command, List<String> args, boolean json, boolean verbose, long timeoutMs) {
        try {
            String line = request(socket, requestLine(command, args), timeoutMs);
            Map<String, Object> reply = parseReply(line);
            System.out.print(json ? line : ControlText.render(command, reply, verbose));
            return Boolean.TRUE.equals(reply.get("ok")) ? 0 : 1;
        } catch (SocketTimeoutException e) {
            System.err.println("jntpc: jntpd at " + socket + " " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("jntpc: cannot reach jntpd at " + socket + " (" + e.getMessage() + "); is it running, and "
                    + "may you read the socket?");
            return 1;
        }
    }

    /** The request for {@code command} and its arguments: JSON, so that no argument is split or misread. */
    static String requestLine(String command, List<String> args) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", ControlCommands.PROTOCOL_VERSION);
        m.put("command", command);
        m.put("args", args);
        return Json.write(m);
    }

    /** A reply line as a JSON object; an {@link IOException} when it is none (not a jntpd of this protocol). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> parseReply(String line) throws IOException {
        try {
            if (Json.parse(line) instanceof Map<?, ?> m && m.get("version") instanceof Long) {
                return (Map<String, Object>) m;
            }
        } catch (Json.ParseException e) {
            // said below
        }
        throw new IOException("not a reply of jntpd's control protocol: " + (line.length() > 80
                ? line.substring(0, 80) + "..." : line.strip()));
    }

    /**
     * {@code jntpc COMMAND} as text, what people read (tests too): the command line's first word is the command, the
     * rest its arguments.
     */
    public static String request(String socket, String commandLine) throws IOException {
        List<String> words = List.of(commandLine.trim().split("\\s+"));
        String line = request(socket, requestLine(words.getFirst(), words.subList(1, words.size())), QUERY_TIMEOUT_MS);
        return ControlText.render(words.getFirst(), parseReply(line), false);
    }

    /** The daemon's JSON reply to {@code command} with {@code args}, parsed (programs and tests). */
    public static Map<String, Object> requestJson(String socket, String command, String... args) throws IOException {
        return parseReply(request(socket, requestLine(command, List.of(args)), QUERY_TIMEOUT_MS));
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
