package org.jntpd.refclock.linux;

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
    private static final long NS_PER_MS = 1_000_000L;

    final Refclock clock;
    final Object lock;
    final LongSupplier realtimeNs;
    /** Messages or readings the driver could not use (SHM clash, bad SOCK datagram, NMEA checksum, PHC read). */
    long badMessages;
    private long nextReadNs;

    DeviceLoop(Refclock clock, Object lock, LongSupplier realtimeNs) {
        this.clock = clock;
        this.lock = lock;
        this.realtimeNs = realtimeNs;
    }

    /** What the log and counters call the device: a path, "SHM unit 0". */
    abstract String device();

    /** Opens and configures the device; throws (NativeException, IllegalStateException) when it cannot. */
    abstract void open();

    /** Closes the device; safe when it is not open. */
    abstract void close();

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
