package org.jntpd.refclock.linux;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.jntpd.platform.DeviceFile;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Net;
import org.jntpd.platform.SockaddrUn;

/**
 * The SOCK refclock's socket: a non-blocking Unix datagram socket bound to the configured path, where gpsd (and
 * chrony-compatible senders) send one {@code struct sock_sample} per measurement. A socket file left by an earlier
 * run is removed before binding, as chrony does; any other file at the path is refused. Closing removes the file.
 *
 * <p>Open, use and close on one thread. {@link #receive} is allocation-free.
 */
public final class SockReceiver implements AutoCloseable {
    /** A datagram larger than any sock_sample is read whole, then refused by its size. */
    private static final int BUFFER_BYTES = 256;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final DeviceFile socket;
    private final MemorySegment buffer;
    private boolean closed;

    private SockReceiver(DeviceFile socket) {
        this.socket = socket;
        this.buffer = socket.allocate(BUFFER_BYTES, 8);
    }

    /**
     * Binds a socket at {@code path}.
     *
     * @throws NativeException from socket or bind
     * @throws IllegalStateException when something other than a socket is at the path
     */
    public static SockReceiver bind(String path) {
        removeStaleSocket(path);
        int fd = Libc.socket(Net.AF_UNIX, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC | Net.SOCK_NONBLOCK, 0);
        if (fd < 0) {
            throw new NativeException("socket(AF_UNIX)", path, Libc.errno());
        }
        DeviceFile socket = DeviceFile.adopt(path, fd);
        try {
            MemorySegment addr = socket.allocate(SockaddrUn.LAYOUT);
            socket.check(Libc.bind(fd, addr, SockaddrUn.setPath(addr, path)), "bind");
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
        return new SockReceiver(socket);
    }

    private static void removeStaleSocket(String path) {
        Path p = Path.of(path);
        try {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IllegalStateException(path + " exists and is not a socket: refusing to replace it");
            }
            Files.delete(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove the old socket " + path + ": " + e.getMessage(), e);
        }
    }

    public String path() {
        return socket.path();
    }

    /** Waits up to {@code timeoutMs} for a datagram; true when one is there. EINTR answers false. */
    public boolean await(int timeoutMs) {
        return socket.awaitReadable(timeoutMs);
    }

    /** Reads one datagram into {@link #buffer()}: its length, or -1 when none is queued. */
    public long receive() {
        return socket.read(buffer, BUFFER_BYTES);
    }

    /** The receive buffer; the first bytes of it hold the datagram {@link #receive} returned. */
    public MemorySegment buffer() {
        return buffer;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            socket.close();
            Libc.unlink(socket.path());
        }
    }

    @Override
    public String toString() {
        return "SOCK " + socket.path();
    }
}
