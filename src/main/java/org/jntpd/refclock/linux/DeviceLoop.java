package org.jntpd.refclock.linux;

import static org.jntpd.time.Units.NS_PER_MS;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.jntpd.refclock.PulseMonitor;
import org.jntpd.refclock.Refclock;

/**
 * The device half of a {@link RefclockRunner}: opens the device on the runner's thread, waits on it for at most the
 * time the runner allows, and feeds what it brings to the pure driver. Every call into {@link Refclock} (through the
 * drivers) holds {@link #lock}, which the clocks of one {@code lock} group share; waiting never does.
 */
abstract class DeviceLoop {

    final Refclock clock;
    final Object lock;
    final LongSupplier realtimeNs;
    private final String device;
    private AutoCloseable[] opened = {};
    /** Messages or readings the driver could not use (SHM clash, bad SOCK datagram, NMEA checksum, PHC read). */
    long badMessages;
    private long nextReadNs;

    /** @param device what the log and counters call the device: a path, "SHM unit 0" */
    DeviceLoop(String device, Refclock clock, Object lock, LongSupplier realtimeNs) {
        this.device = device;
        this.clock = clock;
        this.lock = lock;
        this.realtimeNs = realtimeNs;
    }

    final String device() {
        return device;
    }

    /** The {@code time2} in force (NMEA: configured, saved or learnt); thread-safe. */
    long time2Ns() {
        return clock.settings().time2Ns();
    }

    /**
     * Opens and configures the device, registering with {@link #opened} what {@link #close()} must close; throws when
     * it cannot (the runner then closes what was registered).
     */
    abstract void open();

    /** Registers what {@link #open()} opened: {@link #close()} closes it, last first. */
    final void opened(AutoCloseable... resources) {
        opened = resources;
    }

    /** Closes what is open; safe when nothing is. */
    final void close() {
        for (int i = opened.length - 1; i >= 0; i--) {
            try {
                opened[i].close();
            } catch (Exception e) {
                // closing a descriptor cannot fail in a way the runner could act on
            }
        }
        opened = new AutoCloseable[0];
    }

    /** Waits up to {@code waitNs} for the device and hands what came to the driver. Device failures throw. */
    abstract void service(long waitNs);

    /** Right before the clock's poll, under the lock: a last read of a polled device (SHM). */
    void beforePoll() {
    }

    /** The system clock was stepped (under the lock): driver state that holds times moves with it. */
    void onClockStep(long stepNs) {
    }

    /** The pulse monitor of a pulse device, null for others. */
    PulseMonitor pulses() {
        return null;
    }

    /** Starts the schedule of {@link #readDue}: the first read is due at once. */
    final void readNow() {
        nextReadNs = System.nanoTime();
    }

    /**
     * For a device nothing signals (SHM, PHC): parks until the next read is due or the wait is over, whichever comes
     * first. True when a read is due now; the read after it is then scheduled {@code intervalNs} later (from now, when
     * a stall left the schedule behind).
     */
    final boolean readDue(long waitNs, long intervalNs) {
        long untilRead = nextReadNs - System.nanoTime();
        if (untilRead > 0) {
            park(Math.min(waitNs, untilRead));
            return false;
        }
        nextReadNs += intervalNs;
        if (nextReadNs - System.nanoTime() < 0) {
            nextReadNs = System.nanoTime() + intervalNs;
        }
        return true;
    }

    /** A wait in whole milliseconds for poll(), rounded up so a short budget still waits. */
    static int millis(long ns) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, (ns + NS_PER_MS - 1) / NS_PER_MS));
    }

    /** Sleeps on the runner thread; {@link RefclockRunner#close()} unparks it. */
    static void park(long ns) {
        if (ns > 0) {
            LockSupport.parkNanos(ns);
        }
    }
}
