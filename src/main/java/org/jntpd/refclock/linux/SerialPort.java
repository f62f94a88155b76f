package org.jntpd.refclock.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.PollFd;
import org.jntpd.platform.Serial;
import org.jntpd.platform.Sys;
import org.jntpd.platform.Termios;

/**
 * A serial port for an NMEA receiver: opened without becoming the controlling terminal, in raw mode at the configured
 * speed, 8N1, modem lines ignored (CLOCAL), {@code VMIN 1 / VTIME 0}: a read returns as soon as a byte is there, so the
 * time it returns is the time the bytes arrived. The open itself is non-blocking (a port without carrier would
 * otherwise wait for DCD); the descriptor is made blocking once CLOCAL is set.
 *
 * <p>Native buffers in a confined arena: open, use and close on one thread. {@link #await} and {@link #read} are
 * allocation-free.
 */
public final class SerialPort implements AutoCloseable {
    public static final int BUFFER_BYTES = 512;

    private final String path;
    private final Arena arena;
    private final int fd;
    private final MemorySegment pollfd;
    private final MemorySegment buffer;
    private boolean closed;

    private SerialPort(String path, Arena arena, int fd) {
        this.path = path;
        this.arena = arena;
        this.fd = fd;
        this.pollfd = arena.allocate(PollFd.LAYOUT);
        this.buffer = arena.allocate(BUFFER_BYTES);
    }

    /**
     * Opens and configures the port.
     *
     * @param baud bits per second; one of the speeds {@link Serial#speedCode} knows
     * @throws IllegalArgumentException for a speed termios has no code for
     * @throws NativeException naming the path when open or a termios call fails
     */
    public static SerialPort open(String path, int baud) {
        int speed = Serial.speedCode(baud);
        if (speed < 0) {
            throw new IllegalArgumentException("serial speed " + baud + " is not supported (expected 1200, 2400, 4800, "
                    + "9600, 19200, 38400, 57600, 115200, 230400, 460800 or 921600)");
        }
        Arena arena = Arena.ofConfined();
        int fd = Libc.open(arena.allocateFrom(path), Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_NONBLOCK | Sys.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Libc.errno();
            arena.close();
            throw new NativeException("open", path, errno);
        }
        try {
            MemorySegment tio = arena.allocate(Termios.LAYOUT);
            check(Libc.tcgetattr(fd, tio), "tcgetattr", path);
            Libc.cfmakeraw(tio);
            Termios.c_cflag(tio, Termios.c_cflag(tio) & ~(Serial.CSTOPB | Serial.PARENB | Serial.CRTSCTS)
                    | Serial.CLOCAL | Serial.CREAD);
            Termios.c_cc(tio, Serial.VMIN, 1);
            Termios.c_cc(tio, Serial.VTIME, 0);
            check(Libc.cfsetispeed(tio, speed), "cfsetispeed", path);
            check(Libc.cfsetospeed(tio, speed), "cfsetospeed", path);
            check(Libc.tcsetattr(fd, Serial.TCSANOW, tio), "tcsetattr", path);
            int flags = check(Libc.fcntl(fd, Sys.F_GETFL, 0), "fcntl(F_GETFL)", path);
            check(Libc.fcntl(fd, Sys.F_SETFL, flags & ~Sys.O_NONBLOCK), "fcntl(F_SETFL)", path);
        } catch (RuntimeException e) {
            Libc.close(fd);
            arena.close();
            throw e;
        }
        return new SerialPort(path, arena, fd);
    }

    private static int check(int rc, String call, String path) {
        if (rc < 0) {
            throw new NativeException(call, path, Libc.errno());
        }
        return rc;
    }

    public String path() {
        return path;
    }

    /** Waits up to {@code timeoutMs} for input; true when a read will not block. EINTR answers false. */
    public boolean await(int timeoutMs) {
        int rc = PollFd.waitReadable(pollfd, fd, timeoutMs);
        if (rc < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EINTR) {
                return false;
            }
            throw new NativeException("poll", path, errno);
        }
        return rc > 0;
    }

    /**
     * Reads what has arrived into {@link #buffer()} (blocks until at least one byte is there). Returns the byte count,
     * 0 after EINTR.
     *
     * @throws NativeException on a read error, or EIO when the device went away (a hang-up reads as end of file: EIO
     *                         too)
     */
    public int read() {
        long n = Libc.read(fd, buffer, BUFFER_BYTES);
        if (n < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EINTR || errno == Errno.EAGAIN) {
                return 0;
            }
            throw new NativeException("read", path, errno);
        }
        if (n == 0) {
            throw new NativeException("read", path + " (end of file: the device hung up)", Errno.EIO);
        }
        return (int) n;
    }

    public MemorySegment buffer() {
        return buffer;
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
        return "serial " + path;
    }
}
