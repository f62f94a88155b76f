package org.jntpd.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import org.jntpd.base.Agent;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.Log;
import org.jntpd.base.LoopRunner;

/**
 * The local control socket jntpc talks to (chronyc's command socket): a Unix stream socket, one request line per
 * connection, one JSON reply line, close (the protocol: docs/CONTROL.md, read and answered by
 * {@link ControlDispatcher}; the commands: {@link ControlCommands}). Every reply, an error's too, carries the
 * protocol's version. Runs on its own thread (a {@link LoopRunner}), far from the serving and synchronisation
 * threads, which it only reads through published snapshots; the modifying commands are queued for the
 * synchronisation loop, and only for the socket's owner, its group and root (SO_PEERCRED).
 *
 * <p>One loop serves every connection at once (non-blocking, a selector): a client that connects and sends nothing,
 * or reads nothing, holds only its own connection, which is closed {@value #CONNECTION_DEADLINE_MS} ms after it was
 * accepted whatever state it is in. At most {@value #MAX_CONNECTIONS} are open at a time; more wait in the kernel's
 * backlog until one closes.
 *
 * <p>The socket is bound by {@link #bind} while the daemon still runs as root (the folder, {@code /run/jntpd} by
 * default, may be writable by root only) and handed to the daemon's user; the thread starts after the privilege drop
 * ({@link #start}). Only a stale socket is ever replaced at the path: a regular file, a folder, a link or anything
 * else there is left alone and the daemon runs without a control socket, saying why.
 */
public final class ControlServer implements Agent, AutoCloseable {
    static final int MAX_COMMAND_BYTES = 256;
    static final int MAX_CONNECTIONS = 16;
    static final long CONNECTION_DEADLINE_MS = 2_000;
    private static final int SELECT_TIMEOUT_MS = 250;
    /** st_mode's file type bits and the socket type, sys/stat.h. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final ServerSocketChannel channel;
    private final Selector selector;
    private final SelectionKey acceptKey;
    private final ControlDispatcher dispatcher;
    private final ByteBuffer scratch = ByteBuffer.allocate(4096);
    private int connections;
    private long timedOut;
    private volatile LoopRunner runner;

    /** One client: its command so far, then its answer, and when it must be done. */
    private static final class Connection {
        final long deadlineNs;
        final ByteBuffer in = ByteBuffer.allocate(MAX_COMMAND_BYTES);
        ByteBuffer out;

        Connection(long deadlineNs) {
            this.deadlineNs = deadlineNs;
        }
    }

    private ControlServer(Path path, ServerSocketChannel channel, Selector selector, ControlCommands commands)
            throws IOException {
        this.path = path;
        this.channel = channel;
        this.selector = selector;
        this.dispatcher = new ControlDispatcher(commands);
        channel.configureBlocking(false);
        this.acceptKey = channel.register(selector, SelectionKey.OP_ACCEPT);
    }

    /** {@link #bind} for the user running now, then {@link #start} with a log-only death handler (tests). */
    public static ControlServer open(String path, ControlCommands commands) {
        ControlServer s = bind(path, -1, -1, commands);
        if (s != null) {
            s.start((r, cause) -> Log.error("jntpc cannot query this daemon any more: the control loop stopped"));
        }
        return s;
    }

    /**
     * Binds the socket at {@code path}: the folder is created when missing (mode 0750, then owned by {@code uid:gid});
     * the socket is mode 0660 and owned by {@code uid:gid}, so the daemon can remove it after dropping privileges and
     * the user's group may query. A stale socket (nobody answers on it) is replaced; anything else at the path is
     * not. Returns null, logged at WARN, when it cannot: the daemon runs on without it.
     *
     * @param uid the user the daemon will run as, -1 = the current one (no change of owner)
     */
    public static ControlServer bind(String path, int uid, int gid, ControlCommands commands) {
        Path p = Path.of(path);
        try {
            Path dir = p.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
                chown(dir, uid, gid);
            }
            String refusal = whatIsAt(p);
            if (refusal != null) {
                Log.warn("control socket " + path + ": " + refusal + "; jntpc cannot query this daemon (remove it, or "
                        + "set controlsocket to another path)");
                return null;
            }
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.bind(UnixDomainSocketAddress.of(p));
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw----"));
                chown(p, uid, gid);
                return new ControlServer(p, ch, Selector.open(), commands);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException | UnsupportedOperationException e) {
            Log.warn("no control socket at " + path + " (" + e + "); jntpc cannot query this daemon");
            return null;
        }
    }

    /**
     * What is at {@code p} that forbids binding there (null: nothing, or a stale socket, now removed). A live socket
     * belongs to another daemon; a file of another kind is someone's data and never deleted.
     */
    private static String whatIsAt(Path p) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            String kind = Files.isSymbolicLink(p) ? "a symbolic link" : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                    ? "a directory" : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "a regular file" : "a file that is no socket";
            return "there is " + kind + " at that path, not a socket; it is left alone";
        }
        if (alive(p)) {
            return "it belongs to another running jntpd (set controlsocket PATH to give each its own)";
        }
        Files.deleteIfExists(p); // a stale one, left by a daemon that died
        return null;
    }

    private static void chown(Path p, int uid, int gid) throws IOException {
        if (uid >= 0) {
            Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static boolean alive(Path p) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(p));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts the loop's thread (after the privilege drop: threads keep the capabilities they are started with). */
    public void start(LoopRunner.DeathHandler onDeath) {
        runner = LoopRunner.start("jntpd-control", this, IdleStrategy.waitsInAgent(), onDeath);
    }

    /** Its loop, null before {@link #start}. */
    public LoopRunner runner() {
        return runner;
    }

    /** Connections closed at their deadline so far (loop thread; tests read it after the fact). */
    long timedOut() {
        return timedOut;
    }

    @Override
    public String roleName() {
        return "control socket " + path;
    }

    /** Waits up to 250 ms for clients, serves what is ready, closes connections past their deadline. */
    @Override
    public int doWork() throws IOException {
        int work = selector.select(SELECT_TIMEOUT_MS);
        Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
        while (ready.hasNext()) {
            SelectionKey key = ready.next();
            ready.remove();
            if (key == acceptKey) {
                accept();
            } else if (key.isValid()) {
                serve(key);
            }
        }
        long nowNs = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Connection c && nowNs - c.deadlineNs >= 0) {
                timedOut++;
                Log.debug("control connection closed at its " + CONNECTION_DEADLINE_MS + " ms deadline");
                close(key);
            }
        }
        return work;
    }

    private void accept() throws IOException {
        while (connections < MAX_CONNECTIONS) {
            SocketChannel c = channel.accept();
            if (c == null) {
                return;
            }
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ, new Connection(System.nanoTime() + CONNECTION_DEADLINE_MS * 1_000_000L));
            connections++;
        }
        acceptKey.interestOps(0); // full: the rest wait in the backlog until one closes
    }

    private void serve(SelectionKey key) {
        Connection c = (Connection) key.attachment();
        SocketChannel ch = (SocketChannel) key.channel();
        try {
            if (c.out == null) {
                int n = ch.read(c.in);
                String command = ControlDispatcher.commandIn(c.in.array(), c.in.position(), !c.in.hasRemaining(), n < 0);
                if (command == null) {
                    return; // more to come
                }
                c.out = ByteBuffer.wrap(dispatcher.answer(command, () -> PeerCredentials.refusal(ch, path))
                        .getBytes(StandardCharsets.UTF_8));
                key.interestOps(SelectionKey.OP_WRITE);
            }
            ch.write(c.out);
            if (!c.out.hasRemaining()) {
                discardUnread(ch);
                close(key);
            }
        } catch (IOException e) {
            Log.debug("control connection: " + e.getMessage());
            close(key);
        }
    }

    /**
     * Reads away what a client sent beyond the command line (without waiting): unread bytes at close make the kernel
     * reset the connection, and the client lost its answer (fuzzing found it: a request of more than 256 bytes).
     */
    private void discardUnread(SocketChannel ch) throws IOException {
        for (int i = 0; i < 64 && ch.read(scratch.clear()) > 0; i++) {
            // at most 256 KiB
        }
    }

    private void close(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException e) {
            Log.debug("closing a control connection: " + e.getMessage());
        }
        connections--;
        acceptKey.interestOps(SelectionKey.OP_ACCEPT);
    }

    /** Closes the open connections, the socket and its selector; removes the socket file. */
    @Override
    public void onClose() {
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException e) {
                Log.debug("closing the control socket: " + e.getMessage());
            }
        }
        try {
            selector.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            Log.debug("removing the control socket: " + e.getMessage());
        }
    }

    /** Stops the loop (which closes everything); before {@link #start}, closes at once. */
    @Override
    public void close() {
        LoopRunner r = runner;
        if (r != null) {
            r.close();
        } else {
            onClose();
        }
    }
}
