package org.jntpd.refclock.linux;

import java.util.function.LongSupplier;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
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
    /** Spans over which the clock's rate is measured: long enough to resolve it, short enough to be current. */
    private static final long RATE_MIN_SPAN_NS = 500_000_000L;
    private static final long RATE_MAX_SPAN_NS = 10_000_000_000L;

    private final PulseMonitor monitor;
    private final PpsEvent waited = new PpsEvent();
    private LinuxPpsDevice device;
    private PpsDriver driver;
    private boolean canWait;
    /** A step came while no driver existed: the next driver drops its first pulse. */
    private boolean skipAfterStep;
    /** System clock and CLOCK_MONOTONIC_RAW when the last new pulse was taken (0: none since the start or a step). */
    private long lastPulseRealNs;
    private long lastPulseRawNs;

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
            long nowNs = realtimeNs.getAsLong();
            long rawNs = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC_RAW);
            // The system clock's rate over the interval this pulse closes (read together, so the wake-up latency
            // cancels): a slew of several % stretches the interval beyond the monitor's tolerance otherwise.
            long rawSpanNs = rawNs - lastPulseRawNs;
            if (lastPulseRawNs != 0 && rawSpanNs > RATE_MIN_SPAN_NS && rawSpanNs < RATE_MAX_SPAN_NS) {
                monitor.localRate((double) (nowNs - lastPulseRealNs) / rawSpanNs - 1);
            }
            if (driver.poll(nowNs, 0) != PpsDriver.Outcome.NO_NEW_PULSE) {
                lastPulseRealNs = nowNs;
                lastPulseRawNs = rawNs;
            }
        }
    }

    @Override
    void onClockStep(long stepNs) {
        monitor.onClockStep(stepNs);
        monitor.localRate(0);
        lastPulseRawNs = 0; // the next span would hold the step
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
