package org.jntpd.refclock.linux;

import java.util.function.LongSupplier;
import org.jntpd.refclock.PpsDevice;
import org.jntpd.refclock.PpsDriver;
import org.jntpd.refclock.PpsEvent;
import org.jntpd.refclock.PulseMonitor;
import org.jntpd.refclock.Refclock;

/**
 * A PPS clock: waits in {@code PPS_FETCH} for the next edge (sources with PPS_CANWAIT; others are read every wait),
 * then lets the {@link PpsDriver} take the new pulse under the lock. The kernel stamped the edge, so the wait's own
 * latency does not matter; the second, non-blocking fetch inside the driver reads the same event.
 */
final class PpsLoop extends DeviceLoop {
    /** Below this a PPS_FETCH timeout rounds to zero jiffies and would not wait: sleep instead. */
    private static final long MIN_FETCH_WAIT_NS = 10_000_000L;

    private final PulseMonitor monitor;
    private final PpsEvent waited = new PpsEvent();
    private LinuxPpsDevice device;
    private PpsDriver driver;
    private boolean canWait;
    /** A step came while no driver existed: the next driver drops its first pulse. */
    private boolean skipAfterStep;

    PpsLoop(String path, Refclock clock, Object lock, LongSupplier realtimeNs) {
        super(path, clock, lock, realtimeNs);
        this.monitor = PulseMonitor.forSettings(clock.settings());
    }

    @Override
    void open() {
        device = LinuxPpsDevice.open(device());
        opened(device);
        PpsDriver d = new PpsDriver(device, clock, monitor);
        d.start();
        synchronized (lock) { // onClockStep runs on the daemon's thread, under the lock
            if (skipAfterStep) {
                skipAfterStep = false;
                d.skipNextPulse();
            }
            driver = d;
        }
        canWait = (device.capabilities() & PpsDevice.CAN_WAIT) != 0;
    }

    @Override
    void service(long waitNs) {
        if (canWait && waitNs >= MIN_FETCH_WAIT_NS) {
            if (!device.fetch(waitNs, waited)) {
                return; // no edge within the wait
            }
        } else {
            park(waitNs);
        }
        synchronized (lock) {
            driver.poll(realtimeNs.getAsLong(), 0);
        }
    }

    @Override
    void onClockStep(long stepNs) {
        monitor.onClockStep(stepNs);
        if (driver != null) {
            driver.skipNextPulse();
        } else {
            skipAfterStep = true;
        }
    }

    @Override
    PulseMonitor pulses() {
        return monitor;
    }
}
