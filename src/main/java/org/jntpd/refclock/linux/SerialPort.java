package org.jntpd.refclock.linux;

import java.lang.foreign.MemorySegment;
import org.jntpd.platform.DeviceFile;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Serial;
import org.jntpd.platform.Sys;
import org.jntpd.platform.Termios;

/**
 * A serial port for an NMEA receiver: opened without becoming the controlling terminal, in raw mode at the configured
 * speed, 8N1, modem lines ignored (CLOCAL), {@code VMIN 1 / VTIME 0}: a read returns as soon as a byte is there, so the
 * time it returns is the time the bytes arrived. The open itself is non-blocking (a port without carrier would
 * otherwise wait for DCD); the descriptor is made blocking once CLOCAL is set.
 *
 * <p>Open, use and close on one thread. {@link #await} and {@link #read} are allocation-free.
 */
public final class SerialPort implements AutoCloseable {
    public static final int BUFFER_BYTES = 512;

    private final DeviceFile port;
    private final MemorySegment buffer;

    private SerialPort(DeviceFile port) {
        this.port = port;
        this.buffer = port.allocate(BUFFER_BYTES, 1);
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
        DeviceFile port = DeviceFile.open(path, Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_NONBLOCK);
        try {
            int fd = port.fd();
            MemorySegment tio = port.allocate(Termios.LAYOUT);
            port.check(Libc.tcgetattr(fd, tio), "tcgetattr");
            Libc.cfmakeraw(tio);
            Termios.c_cflag(tio, Termios.c_cflag(tio) & ~(Serial.CSTOPB | Serial.PARENB | Serial.CRTSCTS)
                    | Serial.CLOCAL | Serial.CREAD);
            Termios.c_cc(tio, Serial.VMIN, 1);
            Termios.c_cc(tio, Serial.VTIME, 0);
            port.check(Libc.cfsetispeed(tio, speed), "cfsetispeed");
            port.check(Libc.cfsetospeed(tio, speed), "cfsetospeed");
            port.check(Libc.tcsetattr(fd, Serial.TCSANOW, tio), "tcsetattr");
            int flags = port.check(Libc.fcntl(fd, Sys.F_GETFL, 0), "fcntl(F_GETFL)");
            port.check(Libc.fcntl(fd, Sys.F_SETFL, flags & ~Sys.O_NONBLOCK), "fcntl(F_SETFL)");
        } catch (RuntimeException e) {
            port.close();
            throw e;
        }
        return new SerialPort(port);
    }

    public String path() {
        return port.path();
    }

    /** Waits up to {@code timeoutMs} for input; true when a read will not block. EINTR answers false. */
    public boolean await(int timeoutMs) {
        return port.awaitReadable(timeoutMs);
    }

    /**
     * Reads what has arrived into {@link #buffer()} (blocks until at least one byte is there). Returns the byte count,
     * 0 after EINTR.
     *
     * @throws NativeException on a read error, or EIO when the device hung up (end of file)
     */
    public int read() {
        long n = port.read(buffer, BUFFER_BYTES);
        if (n == 0) {
            throw new NativeException("read", port.path() + " (end of file: the device hung up)", Errno.EIO);
        }
        return (int) Math.max(n, 0);
    }

    public MemorySegment buffer() {
        return buffer;
    }

    @Override
    public void close() {
        port.close();
    }

    @Override
    public String toString() {
        return "serial " + port.path();
    }
}
