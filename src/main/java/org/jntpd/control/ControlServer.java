package org.jntpd.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;
import org.jntpd.base.Log;

/**
 * The local control socket jntpc talks to (chronyc's command socket): a Unix stream socket, one command line per
 * connection, a text answer, close. Read-only commands only: nothing here changes the daemon. Runs on its own thread,
 * far from the serving and synchronisation threads, which it only reads through published snapshots.
 */
public final class ControlServer implements AutoCloseable {
    private static final int MAX_COMMAND_BYTES = 256;

    private final Path path;
    private final ServerSocketChannel channel;
    private final Supplier<DaemonStatus> status;
    private final Supplier<String> serverStats;
    private final Supplier<String> authData;
    private final Thread thread;
    private volatile boolean running = true;

    private ControlServer(Path path, ServerSocketChannel channel, Supplier<DaemonStatus> status, Supplier<String> serverStats,
            Supplier<String> authData) {
        this.path = path;
        this.channel = channel;
        this.status = status;
        this.serverStats = serverStats;
        this.authData = authData;
        this.thread = Thread.ofPlatform().name("jntpd-control").daemon(true).unstarted(this::run);
    }

    /**
     * Binds the socket at {@code path} (replacing a stale one; the folder is created, mode 0750; the socket is 0660).
     * Returns null, logged, when it cannot (the daemon runs on without it).
     */
    public static ControlServer open(String path, Supplier<DaemonStatus> status, Supplier<String> serverStats) {
        return open(path, status, serverStats, () -> "no authentication configured\n");
    }

    /** As above, with {@code authData} answering {@code authdata} (keys and NTS, client and server side). */
    public static ControlServer open(String path, Supplier<DaemonStatus> status, Supplier<String> serverStats,
            Supplier<String> authData) {
        Path p = Path.of(path);
        try {
            Path dir = p.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
            }
            if (Files.exists(p) && alive(p)) {
                Log.warn("control socket " + path + " belongs to another running jntpd; this one runs without one "
                        + "(set controlsocket PATH to give each its own)");
                return null;
            }
            Files.deleteIfExists(p); // a stale one, left by a daemon that died
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(p));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw----"));
            ControlServer s = new ControlServer(p, ch, status, serverStats, authData);
            s.thread.start();
            return s;
        } catch (IOException | UnsupportedOperationException e) {
            Log.info("no control socket at " + path + " (" + e + "); jntpc cannot query this daemon");
            return null;
        }
    }

    private static boolean alive(Path p) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(p));
            c.write(ByteBuffer.wrap("help\n".getBytes(StandardCharsets.UTF_8)));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void run() {
        while (running) {
            try (SocketChannel c = channel.accept()) {
                String command = readLine(c);
                c.write(ByteBuffer.wrap(answer(command).getBytes(StandardCharsets.UTF_8)));
                discardUnread(c);
            } catch (IOException e) {
                if (running) {
                    Log.debug("control connection: " + e.getMessage());
                }
            }
        }
    }

    /**
     * Reads away what a client sent beyond the command line (without waiting): unread bytes at close make the kernel
     * reset the connection, and the client lost its answer (fuzzing found it: a request of more than 256 bytes).
     */
    private static void discardUnread(SocketChannel c) throws IOException {
        c.configureBlocking(false);
        ByteBuffer sink = ByteBuffer.allocate(4096);
        for (int i = 0; i < 64 && c.read(sink.clear()) > 0; i++) {
            // at most 256 KiB
        }
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_COMMAND_BYTES);
        while (buf.hasRemaining()) {
            int n = c.read(buf);
            if (n < 0) {
                break;
            }
            byte[] a = buf.array();
            for (int i = 0; i < buf.position(); i++) {
                if (a[i] == '\n') {
                    return new String(a, 0, i, StandardCharsets.UTF_8).trim();
                }
            }
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
    }

    /** The answer to one command (for tests too). */
    String answer(String command) {
        DaemonStatus s = status.get();
        return switch (command) {
            case "tracking" -> s.trackingText();
            case "sources" -> s.sourcesText();
            case "serverstats" -> serverStats.get();
            case "authdata" -> authData.get();
            case "help" -> "commands: tracking, sources, serverstats, authdata\n";
            default -> "error: unknown command '" + command + "' (expected tracking, sources, serverstats, authdata)\n";
        };
    }

    @Override
    public void close() {
        running = false;
        try {
            channel.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            Log.debug("closing the control socket: " + e.getMessage());
        }
    }
}
