package org.jntpd.refclock.linux;

import java.util.function.LongSupplier;
import org.jntpd.refclock.PhcDriver;
import org.jntpd.refclock.PhcSampler;
import org.jntpd.refclock.Refclock;

/** A PHC clock: compares the PTP clock with the system clock every 2^driverPollLog2 s. */
final class PhcLoop extends DeviceLoop {
    /** Readings per comparison: the kernel's maximum, as chrony takes. */
    private static final int READINGS = 25;

    private final String path;
    private final long intervalNs;
    private final PhcSampler sampler = new PhcSampler(READINGS, true);
    private LinuxPhcDevice device;
    private PhcDriver driver;

    PhcLoop(String path, Refclock clock, Object lock, LongSupplier realtimeNs) {
        super(clock, lock, realtimeNs);
        this.path = path;
        this.intervalNs = RefclockRunner.intervalNs(clock.settings().driverPollLog2());
    }

    @Override
    String device() {
        return path;
    }

    @Override
    void open() {
        device = LinuxPhcDevice.open(path);
        driver = new PhcDriver(device, clock, sampler);
        readNow();
    }

    @Override
    void close() {
        if (device != null) {
            device.close();
            device = null;
        }
    }

    @Override
    void service(long waitNs) {
        if (!readDue(waitNs, intervalNs)) {
            return;
        }
        Refclock.Verdict v;
        synchronized (lock) {
            v = driver.poll(realtimeNs);
        }
        if (v == null) {
            badMessages++;
        }
    }

    /** How the PHC was read last (PRECISE, EXTENDED, BASIC), null before the first reading. */
    PhcSampler.Method method() {
        return sampler.method();
    }
}
