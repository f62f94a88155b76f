package org.jntpd.refclock.linux;

import java.util.function.LongSupplier;
import org.jntpd.refclock.PhcDriver;
import org.jntpd.refclock.PhcSampler;
import org.jntpd.refclock.Refclock;

/** A PHC clock: compares the PTP clock with the system clock every 2^driverPollLog2 s. */
final class PhcLoop extends DeviceLoop {
    /** Readings per comparison: the kernel's maximum, as chrony takes. */
    private static final int READINGS = 25;

    private final long intervalNs;
    private final PhcSampler sampler = new PhcSampler(READINGS, true);
    private PhcDriver driver;

    PhcLoop(String path, Refclock clock, Object lock, LongSupplier realtimeNs) {
        super(path, clock, lock, realtimeNs);
        this.intervalNs = RefclockRunner.intervalNs(clock.settings().driverPollLog2());
    }

    @Override
    void open() {
        LinuxPhcDevice device = LinuxPhcDevice.open(device());
        driver = new PhcDriver(device, clock, sampler);
        opened(device);
        readNow();
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
}
