package org.jntpd.rtc;

import static org.jntpd.time.Units.NS_PER_S;

import java.time.ZoneId;
import java.util.function.LongSupplier;

/**
 * Reads an RTC against the system clock. The RTC only shows whole seconds, so the useful measurement is the instant
 * its second changes: with update interrupts that instant is the interrupt (chrony's {@code rtc_linux.c}); without
 * them the time is read over and over until the seconds change (hwclock's busy wait), bounded by a timeout.
 *
 * <p>The system clock comes in as a {@link LongSupplier} of CLOCK_REALTIME Unix ns: the platform layer's
 * {@code clock_gettime}, a virtual clock in tests.
 */
public final class RtcReader {
    /** Reads in one polling search at most: a bound even if the clock source stopped. */
    private static final int MAX_POLL_READS = 50_000_000;

    private final RtcDevice device;
    private final LongSupplier realtimeNs;
    private final ZoneId zone;
    private final RtcTime time = new RtcTime();
    private final RtcTime retry = new RtcTime();
    private int interrupts; // 0 unknown, 1 supported, -1 not supported
    private long lastSystemNs;

    /**
     * @param zone the RTC's time zone, null for UTC
     */
    public RtcReader(RtcDevice device, LongSupplier realtimeNs, ZoneId zone) {
        this.device = device;
        this.realtimeNs = realtimeNs;
        this.zone = zone;
    }

    /**
     * The RTC's current whole seconds, read twice until both reads agree so a read during the RTC's own update is not
     * taken (chrony's {@code RTC_Linux_ReadTimeNow}); {@link #lastSystemNs()} is the system clock right after.
     */
    public long readNow() {
        for (int i = 0; i < 10; i++) {
            device.readTime(time);
            device.readTime(retry);
            if (time.sec == retry.sec) {
                break;
            }
        }
        lastSystemNs = realtimeNs.getAsLong();
        return RtcCalendar.toUnixSeconds(retry, zone);
    }

    /** System clock right after the last {@link #readNow()}. */
    public long lastSystemNs() {
        return lastSystemNs;
    }

    /** Finds the next second boundary, by interrupt where the RTC has them, else by polling. */
    public boolean measure(RtcReading out, long timeoutNs) {
        if (interrupts >= 0) {
            if (measureByInterrupt(out, timeoutNs)) {
                return true;
            }
            if (interrupts > 0) {
                return false; // supported but timed out: no reason to believe polling does better
            }
        }
        return measureByPolling(out, timeoutNs);
    }

    /**
     * The boundary from the update interrupt. The first interrupt after switching them on is skipped: it may be one
     * that was pending (chrony does the same). Interrupts are switched off again afterwards.
     *
     * @return false when the RTC has no update interrupts or none came in time
     */
    public boolean measureByInterrupt(RtcReading out, long timeoutNs) {
        if (!device.updateInterrupts(true)) {
            interrupts = -1;
            return false;
        }
        interrupts = 1;
        try {
            if (!device.waitForUpdate(timeoutNs) || !device.waitForUpdate(timeoutNs)) {
                return false;
            }
            long tick = realtimeNs.getAsLong();
            device.readTime(time);
            long after = realtimeNs.getAsLong();
            out.rtcSeconds = RtcCalendar.toUnixSeconds(time, zone);
            out.systemNs = tick;
            out.uncertaintyNs = after - tick;
            return true;
        } finally {
            device.updateInterrupts(false);
        }
    }

    /**
     * The boundary by reading the time until the seconds change. The change lies between the start of the last read
     * that showed the old second and the end of the first read that shows the new one; the midpoint is taken.
     *
     * @return false when the seconds did not change within {@code timeoutNs}
     */
    public boolean measureByPolling(RtcReading out, long timeoutNs) {
        long start = realtimeNs.getAsLong();
        device.readTime(time);
        int firstSec = time.sec; // any tick changes tm_sec; comparing it avoids a date conversion per read
        long prevBefore = start;
        for (int i = 0; i < MAX_POLL_READS; i++) {
            long before = realtimeNs.getAsLong();
            device.readTime(time);
            long after = realtimeNs.getAsLong();
            if (time.sec != firstSec) {
                out.rtcSeconds = RtcCalendar.toUnixSeconds(time, zone);
                out.systemNs = prevBefore + (after - prevBefore) / 2;
                out.uncertaintyNs = (after - prevBefore + 1) / 2;
                return true;
            }
            if (after - start > timeoutNs) {
                return false;
            }
            prevBefore = before;
        }
        return false;
    }

    /** Whether update interrupts worked (1), did not (-1), or were not tried yet (0). */
    public int interruptSupport() {
        return interrupts;
    }

    /** Shortest wait that surely contains a boundary: a bit over one second. */
    public static long defaultTimeoutNs() {
        return NS_PER_S + NS_PER_S / 5;
    }
}
