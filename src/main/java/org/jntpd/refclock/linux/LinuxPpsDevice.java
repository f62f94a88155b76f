package org.jntpd.refclock.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.time.Units.NS_PER_S;

import java.lang.foreign.MemorySegment;
import org.jntpd.platform.DeviceFile;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Pps;
import org.jntpd.platform.PpsFdata;
import org.jntpd.platform.PpsKinfo;
import org.jntpd.platform.PpsKparams;
import org.jntpd.platform.PpsKtime;
import org.jntpd.platform.Sys;
import org.jntpd.refclock.PpsDevice;
import org.jntpd.refclock.PpsEvent;

/**
 * An RFC 2783 PPS source, {@code /dev/ppsN}, through the Linux ioctls ({@code PPS_GETCAP}, {@code PPS_GETPARAMS} /
 * {@code PPS_SETPARAMS}, {@code PPS_FETCH}). Setting the capture mode needs CAP_SYS_TIME.
 *
 * <p>Open, use and close it on one thread (the clock's runner thread). {@link #fetch} is allocation-free.
 */
public final class LinuxPpsDevice implements PpsDevice, AutoCloseable {

    private final DeviceFile file;
    private final MemorySegment caps;
    private final MemorySegment params;
    private final MemorySegment fdata;

    private LinuxPpsDevice(DeviceFile file) {
        this.file = file;
        this.caps = file.allocate(JAVA_INT);
        this.params = file.allocate(PpsKparams.LAYOUT);
        this.fdata = file.allocate(PpsFdata.LAYOUT);
    }

    /**
     * Opens the device read-write (PPS_SETPARAMS needs it).
     *
     * @throws NativeException naming the path when it cannot be opened
     */
    public static LinuxPpsDevice open(String path) {
        return new LinuxPpsDevice(DeviceFile.open(path, Sys.O_RDWR));
    }

    public String path() {
        return file.path();
    }

    @Override
    public int capabilities() {
        file.check(Libc.ioctl(file.fd(), Pps.PPS_GETCAP, caps), "ioctl(PPS_GETCAP)");
        return caps.get(JAVA_INT, 0);
    }

    @Override
    public void setCaptureMode(int captureMode) {
        file.check(Libc.ioctl(file.fd(), Pps.PPS_GETPARAMS, params), "ioctl(PPS_GETPARAMS)");
        PpsKparams.api_version(params, Pps.PPS_API_VERS);
        PpsKparams.mode(params, captureMode | Pps.PPS_TSFMT_TSPEC);
        PpsKtime.clear(params, PpsKparams.ASSERT_OFF_TU_OFFSET);
        PpsKtime.clear(params, PpsKparams.CLEAR_OFF_TU_OFFSET);
        file.check(Libc.ioctl(file.fd(), Pps.PPS_SETPARAMS, params), "ioctl(PPS_SETPARAMS)");
    }

    /**
     * {@code PPS_FETCH}. The kernel waits for an event after the call began, in jiffies (a timeout below one jiffy does
     * not wait); ETIMEDOUT and EINTR answer false.
     */
    @Override
    public boolean fetch(long timeoutNs, PpsEvent out) {
        long timeout = PpsFdata.TIMEOUT_OFFSET;
        if (timeoutNs < 0) {
            PpsKtime.set(fdata, timeout, 0, 0, Pps.PPS_TIME_INVALID);
        } else {
            PpsKtime.set(fdata, timeout, timeoutNs / NS_PER_S, (int) (timeoutNs % NS_PER_S), 0);
        }
        if (Libc.ioctl(file.fd(), Pps.PPS_FETCH, fdata) < 0) {
            int errno = Libc.errno();
            if (errno == Errno.ETIMEDOUT || errno == Errno.EINTR) {
                return false;
            }
            throw file.failure("ioctl(PPS_FETCH)", errno);
        }
        long info = PpsFdata.INFO_OFFSET;
        out.set(Integer.toUnsignedLong(fdata.get(JAVA_INT, info + PpsKinfo.ASSERT_SEQUENCE_OFFSET)),
                PpsKtime.toNanos(fdata, info + PpsKinfo.ASSERT_TU_OFFSET),
                Integer.toUnsignedLong(fdata.get(JAVA_INT, info + PpsKinfo.CLEAR_SEQUENCE_OFFSET)),
                PpsKtime.toNanos(fdata, info + PpsKinfo.CLEAR_TU_OFFSET));
        out.mode = fdata.get(JAVA_INT, info + PpsKinfo.CURRENT_MODE_OFFSET);
        return true;
    }

    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return "PPS " + file.path();
    }
}
