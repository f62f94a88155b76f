package org.jntpd.refclock.linux;

import java.lang.foreign.MemorySegment;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.DeviceFile;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Ptp;
import org.jntpd.platform.PtpClockTime;
import org.jntpd.platform.PtpSysOffset;
import org.jntpd.platform.PtpSysOffsetExtended;
import org.jntpd.platform.PtpSysOffsetPrecise;
import org.jntpd.platform.Sys;
import org.jntpd.refclock.PhcDevice;

/**
 * A PTP hardware clock, {@code /dev/ptpN}, compared with CLOCK_REALTIME through {@code PTP_SYS_OFFSET_PRECISE},
 * {@code PTP_SYS_OFFSET_EXTENDED} and {@code PTP_SYS_OFFSET}. A method the driver lacks answers EOPNOTSUPP (ENOTTY or
 * EINVAL on kernels older than the ioctl): reported as "not supported", as {@link PhcDevice} asks.
 *
 * <p>Open, use and close it on one thread. The reads are allocation-free.
 */
public final class LinuxPhcDevice implements PhcDevice, AutoCloseable {
    private final DeviceFile file;
    private final MemorySegment precise;
    private final MemorySegment extended;
    private final MemorySegment basic;

    private LinuxPhcDevice(DeviceFile file) {
        this.file = file;
        this.precise = file.allocate(PtpSysOffsetPrecise.LAYOUT);
        this.extended = file.allocate(PtpSysOffsetExtended.LAYOUT);
        this.basic = file.allocate(PtpSysOffset.LAYOUT);
    }

    /**
     * Opens the device read-only (comparing needs no more).
     *
     * @throws NativeException naming the path when it cannot be opened
     */
    public static LinuxPhcDevice open(String path) {
        return new LinuxPhcDevice(DeviceFile.open(path, Sys.O_RDONLY));
    }

    public String path() {
        return file.path();
    }

    /** The dynamic clock id of the open device, for clock_gettime. */
    public int clockId() {
        return Clocks.phcClockId(file.fd());
    }

    @Override
    public boolean readPrecise(long[] out) {
        precise.fill((byte) 0);
        if (!ioctl(Ptp.PTP_SYS_OFFSET_PRECISE, precise, "ioctl(PTP_SYS_OFFSET_PRECISE)")) {
            return false;
        }
        out[0] = PtpClockTime.toNanos(precise, PtpSysOffsetPrecise.DEVICE_OFFSET);
        out[1] = PtpClockTime.toNanos(precise, PtpSysOffsetPrecise.SYS_REALTIME_OFFSET);
        return true;
    }

    @Override
    public int readExtended(int readings, long[] triples) {
        int n = Math.min(readings, Ptp.PTP_MAX_SAMPLES);
        PtpSysOffsetExtended.n_samples(extended, n);
        for (int i = 0; i < 3; i++) {
            PtpSysOffsetExtended.rsv(extended, i, 0);
        }
        if (!ioctl(Ptp.PTP_SYS_OFFSET_EXTENDED, extended, "ioctl(PTP_SYS_OFFSET_EXTENDED)")) {
            return 0;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) {
                triples[3 * i + j] = PtpClockTime.toNanos(extended, PtpSysOffsetExtended.tsOffset(i, j));
            }
        }
        return n;
    }

    @Override
    public int readBasic(int readings, long[] alternating) {
        int n = Math.min(readings, Ptp.PTP_MAX_SAMPLES);
        PtpSysOffset.n_samples(basic, n);
        for (int i = 0; i < 3; i++) {
            PtpSysOffset.rsv(basic, i, 0);
        }
        if (!ioctl(Ptp.PTP_SYS_OFFSET, basic, "ioctl(PTP_SYS_OFFSET)")) {
            return 0;
        }
        for (int i = 0; i <= 2 * n; i++) {
            alternating[i] = PtpClockTime.toNanos(basic, PtpSysOffset.tsOffset(i));
        }
        return n;
    }

    /** True when done, false when the device does not support the request; other failures throw. */
    private boolean ioctl(int request, MemorySegment arg, String call) {
        if (Libc.ioctl(file.fd(), request, arg) == 0) {
            return true;
        }
        int errno = Libc.errno();
        if (errno == Errno.EOPNOTSUPP || errno == Errno.ENOTTY || errno == Errno.EINVAL) {
            return false;
        }
        throw file.failure(call, errno);
    }

    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return "PHC " + file.path();
    }
}
