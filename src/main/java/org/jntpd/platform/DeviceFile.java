package org.jntpd.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * An open device file (or socket) with a confined arena for the native buffers its calls need: what every device
 * adapter is built on. Open, use and close it on one thread. Failures become a {@link NativeException} naming the call
 * and the path; {@link #awaitReadable} and {@link #check} are allocation-free unless they throw.
 */
public final class DeviceFile implements AutoCloseable {
    private final String path;
    private final Arena arena;
    private final int fd;
    private final MemorySegment pollfd;
    private boolean closed;

    private DeviceFile(String path, Arena arena, int fd) {
        this.path = path;
        this.arena = arena;
        this.fd = fd;
        this.pollfd = arena.allocate(PollFd.LAYOUT);
    }

    /**
     * Opens {@code path} with the {@link Sys} {@code O_} flags (O_CLOEXEC is added).
     *
     * @throws NativeException naming the path when it cannot be opened
     */
    public static DeviceFile open(String path, int flags) {
        Arena arena = Arena.ofConfined();
        int fd = Libc.open(arena.allocateFrom(path), flags | Sys.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Libc.errno();
            arena.close();
            throw new NativeException("open", path, errno);
        }
        return new DeviceFile(path, arena, fd);
    }

    /**
     * Takes over a descriptor made otherwise ({@code socket()}); {@code name} is what errors call it. The descriptor is
     * closed with this file.
     */
    public static DeviceFile adopt(String name, int fd) {
        return new DeviceFile(name, Arena.ofConfined(), fd);
    }

    public int fd() {
        return fd;
    }

    public String path() {
        return path;
    }

    /** A buffer for this file's calls, freed when it closes. */
    public MemorySegment allocate(MemoryLayout layout) {
        return arena.allocate(layout);
    }

    /** A buffer for this file's calls, freed when it closes. */
    public MemorySegment allocate(long bytes, long alignment) {
        return arena.allocate(bytes, alignment);
    }

    /** {@code rc}, or a {@link NativeException} naming {@code call}, the path and errno when it is negative. */
    public int check(int rc, String call) {
        if (rc < 0) {
            throw new NativeException(call, path, Libc.errno());
        }
        return rc;
    }

    /** The exception for a failed {@code call} with {@code errno}. */
    public NativeException failure(String call, int errno) {
        return new NativeException(call, path, errno);
    }

    /**
     * Waits up to {@code timeoutMs} for input: true when a read will not block (or will report an error or hang-up).
     * EINTR answers false.
     */
    public boolean awaitReadable(int timeoutMs) {
        int rc = PollFd.waitReadable(pollfd, fd, timeoutMs);
        if (rc < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EINTR) {
                return false;
            }
            throw failure("poll", errno);
        }
        return rc > 0;
    }

    /**
     * read(2) into {@code buffer}: the byte count (0 at end of file), or -1 when nothing could be read now (EAGAIN on a
     * non-blocking descriptor, or EINTR). Other errors throw.
     */
    public long read(MemorySegment buffer, long count) {
        long n = Libc.read(fd, buffer, count);
        if (n < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                return -1;
            }
            throw failure("read", errno);
        }
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
            arena.close();
        }
    }

    @Override
    public String toString() {
        return path;
    }
}
