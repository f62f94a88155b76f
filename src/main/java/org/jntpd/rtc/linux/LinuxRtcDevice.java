package org.jntpd.rtc.linux;

import static org.jntpd.time.Units.NS_PER_MS;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jntpd.platform.DeviceFile;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Rtc;
import org.jntpd.platform.Sys;
import org.jntpd.rtc.RtcDevice;
import org.jntpd.rtc.RtcTime;

/**
 * A Linux RTC, {@code /dev/rtcN}: {@code RTC_RD_TIME}, {@code RTC_SET_TIME} (needs CAP_SYS_TIME), update interrupts
 * ({@code RTC_UIE_ON/OFF}) and the blocking {@code read()} of their count, waited for with {@code poll()}.
 *
 * <p>Open, use and close on one thread. The calls are allocation-free.
 */
public final class LinuxRtcDevice implements RtcDevice, AutoCloseable {

    private final DeviceFile file;
    private final MemorySegment time;
    private final MemorySegment count;

    private LinuxRtcDevice(DeviceFile file) {
        this.file = file;
        this.time = file.allocate(org.jntpd.platform.RtcTime.LAYOUT);
        this.count = file.allocate(8, 8);
    }

    /**
     * Opens the RTC (read-only is enough for every ioctl here, as hwclock does).
     *
     * @throws NativeException naming the path when it cannot be opened (EBUSY: another process has it open)
     */
    public static LinuxRtcDevice open(String path) {
        return new LinuxRtcDevice(DeviceFile.open(path, Sys.O_RDONLY));
    }

    public String path() {
        return file.path();
    }

    /**
     * The kernel driver of this RTC from {@code /sys/class/rtc/NAME/name} ("rtc_cmos"), for
     * {@link org.jntpd.rtc.RtcSetter#setOffsetForDriver}; null when sysfs does not tell.
     */
    public String driverName() {
        try {
            Path dev = Path.of(file.path()).toRealPath();
            // "rtc_cmos 00:05": the driver, then the device (Linux 5.x and later); the driver alone before.
            String name = Files.readString(Path.of("/sys/class/rtc", dev.getFileName().toString(), "name")).strip();
            int space = name.indexOf(' ');
            return space < 0 ? name : name.substring(0, space);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void readTime(RtcTime out) {
        file.check(Libc.ioctl(file.fd(), Rtc.RTC_RD_TIME, time), "ioctl(RTC_RD_TIME)");
        out.sec = org.jntpd.platform.RtcTime.tm_sec(time);
        out.min = org.jntpd.platform.RtcTime.tm_min(time);
        out.hour = org.jntpd.platform.RtcTime.tm_hour(time);
        out.mday = org.jntpd.platform.RtcTime.tm_mday(time);
        out.mon = org.jntpd.platform.RtcTime.tm_mon(time);
        out.year = org.jntpd.platform.RtcTime.tm_year(time);
        out.wday = org.jntpd.platform.RtcTime.tm_wday(time);
        out.yday = org.jntpd.platform.RtcTime.tm_yday(time);
        out.isdst = org.jntpd.platform.RtcTime.tm_isdst(time);
    }

    @Override
    public void setTime(RtcTime t) {
        org.jntpd.platform.RtcTime.tm_sec(time, t.sec);
        org.jntpd.platform.RtcTime.tm_min(time, t.min);
        org.jntpd.platform.RtcTime.tm_hour(time, t.hour);
        org.jntpd.platform.RtcTime.tm_mday(time, t.mday);
        org.jntpd.platform.RtcTime.tm_mon(time, t.mon);
        org.jntpd.platform.RtcTime.tm_year(time, t.year);
        org.jntpd.platform.RtcTime.tm_wday(time, t.wday);
        org.jntpd.platform.RtcTime.tm_yday(time, t.yday);
        org.jntpd.platform.RtcTime.tm_isdst(time, t.isdst);
        file.check(Libc.ioctl(file.fd(), Rtc.RTC_SET_TIME, time), "ioctl(RTC_SET_TIME)");
    }

    @Override
    public boolean updateInterrupts(boolean on) {
        if (Libc.ioctl(file.fd(), on ? Rtc.RTC_UIE_ON : Rtc.RTC_UIE_OFF, 0L) == 0) {
            return true;
        }
        int errno = Libc.errno();
        if (errno == Errno.EINVAL || errno == Errno.ENOTTY) {
            return false;
        }
        throw file.failure(on ? "ioctl(RTC_UIE_ON)" : "ioctl(RTC_UIE_OFF)", errno);
    }

    /** {@code poll()} for up to the timeout (rounded up to ms), then {@code read()} of the interrupt count. */
    @Override
    public boolean waitForUpdate(long timeoutNs) {
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (timeoutNs + NS_PER_MS - 1) / NS_PER_MS));
        if (!file.awaitReadable(timeoutMs)) {
            return false;
        }
        return file.read(count, 8) > 0;
    }

    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return "RTC " + file.path();
    }
}
