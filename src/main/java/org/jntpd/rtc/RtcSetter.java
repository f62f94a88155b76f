package org.jntpd.rtc;

import static org.jntpd.time.Units.NS_PER_S;

import java.time.ZoneId;
import java.util.function.LongSupplier;

/**
 * Sets the RTC so that its seconds tick together with the system clock's, then checks where they actually tick.
 *
 * <p>An RTC takes only whole seconds, and when its next tick comes after a write depends on the chip. The Linux
 * kernel describes it per driver as {@code set_offset_nsec}, the time from the write call to the first tick: the
 * MC146818 ({@code rtc_cmos}) restarts its divider on a write and ticks 500 ms later (its data sheet: "the first update
 * cycle begins one-half second later"; util-linux hwclock uses the same 0.5 s for {@code rtc_cmos} and 0 for other
 * RTCs); most other chips tick a full second after the write, which the kernel default puts at 1 s plus 10 ms of bus
 * transport. So the value {@code X} is written at system time {@code X + 1 s - setOffset}, and the RTC reads
 * {@code X + 1} from system time {@code X + 1 s} on.
 *
 * <p>Measured in this project's qemu guest (rtc_cmos, Linux 6.1): with an Intel CPU model the kernel resets the divider
 * and the first tick came 500.0 ms after the write, leaving the RTC 2-3 ms behind the system clock when written at
 * X.5; with qemu's default {@code qemu64} model (AMD vendor) Linux leaves the divider alone (bit 4 of register A is a
 * bank select on AMD), so a write changes the seconds only and the RTC keeps ticking at its old sub-second phase,
 * whenever it is written. The setter therefore measures the RTC after writing; if the tick did not follow the write
 * it switches to {@link WriteBehaviour#KEEPS_PHASE}: it writes the seconds that put the RTC's own ticks nearest the
 * system's whole seconds (an error of at most 0.5 s, all such an RTC allows).
 */
public final class RtcSetter {
    /** Linux {@code rtc_cmos}: first tick 500 ms after the write. */
    public static final long CMOS_SET_OFFSET_NS = 500_000_000L;
    /** Linux's default for other RTCs: tick 1 s after the write, which takes 10 ms to arrive. */
    public static final long DEFAULT_SET_OFFSET_NS = 1_010_000_000L;
    /** How late a write may start before the attempt is moved to the next second (doubling per attempt, as hwclock). */
    private static final long FIRST_TOLERANCE_NS = 1_000_000L;
    private static final int ATTEMPTS = 5;
    /** Waking this long before the write instant leaves time to get there. */
    private static final long MARGIN_NS = 2_000_000L;
    /** After a write meant to align the RTC, a larger error means the RTC kept its phase. */
    private static final long ALIGNED_LIMIT_NS = 250_000_000L;

    /** Sleeps until the system clock reaches a time: {@code clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME)}. */
    public interface Sleeper {
        void sleepUntilNs(long realtimeNs);
    }

    /** What a write does to the RTC's sub-second phase. */
    public enum WriteBehaviour {
        /** The first tick follows the write after a fixed delay ({@code setOffsetNs}). */
        RESTARTS,
        /** The write sets the seconds only; the ticks stay where they were. */
        KEEPS_PHASE
    }

    private final RtcDevice device;
    private final RtcReader reader;
    private final LongSupplier realtimeNs;
    private final Sleeper sleeper;
    private final ZoneId zone;
    private final long setOffsetNs;
    private final RtcTime time = new RtcTime();
    private WriteBehaviour behaviour;

    /**
     * @param zone        the RTC's time zone, null for UTC
     * @param setOffsetNs time from the write call to the RTC's first tick ({@link #setOffsetForDriver})
     * @param behaviour   the expected behaviour; {@link WriteBehaviour#RESTARTS} is corrected after the first set if wrong
     */
    public RtcSetter(RtcDevice device, RtcReader reader, LongSupplier realtimeNs, Sleeper sleeper, ZoneId zone,
            long setOffsetNs, WriteBehaviour behaviour) {
        if (setOffsetNs <= 0 || setOffsetNs > 2 * NS_PER_S) {
            throw new IllegalArgumentException("set offset must be in (0, 2 s], got " + setOffsetNs + " ns");
        }
        this.device = device;
        this.reader = reader;
        this.realtimeNs = realtimeNs;
        this.sleeper = sleeper;
        this.zone = zone;
        this.setOffsetNs = setOffsetNs;
        this.behaviour = behaviour;
    }

    /** The kernel's {@code set_offset_nsec} for an RTC driver ({@code /sys/class/rtc/rtcN/name}). */
    public static long setOffsetForDriver(String driverName) {
        return "rtc_cmos".equals(driverName) ? CMOS_SET_OFFSET_NS : DEFAULT_SET_OFFSET_NS;
    }

    /** The first instant at or after {@code earliestNs} at which a write makes the RTC tick on a whole second. */
    public static long writeInstantNs(long earliestNs, long setOffsetNs) {
        long tick = Math.floorDiv(earliestNs + setOffsetNs + NS_PER_S - 1, NS_PER_S) * NS_PER_S;
        return tick - setOffsetNs;
    }

    /** The seconds to write at {@code writeNs}: the RTC then reads one more from the next whole system second on. */
    public static long valueToWrite(long writeNs, long setOffsetNs) {
        return Math.floorDiv(writeNs + setOffsetNs, NS_PER_S) - 1;
    }

    /**
     * Sets the RTC from the system clock and measures the result into {@code result}.
     *
     * @return false when no write could be placed in time or the RTC could not be measured afterwards
     */
    public boolean set(RtcReading result) {
        if (behaviour == WriteBehaviour.KEEPS_PHASE) {
            return setKeepingPhase(result);
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long target = writeInstantNs(realtimeNs.getAsLong() + MARGIN_NS, setOffsetNs);
            sleeper.sleepUntilNs(target);
            long now = realtimeNs.getAsLong();
            long late = now - target;
            if (late < 0 || late > FIRST_TOLERANCE_NS << attempt) {
                continue; // woke early (signal) or too late (preempted): aim at the next second
            }
            write(valueToWrite(now, setOffsetNs));
            // The write's own transport (the kernel's 10 ms for a bus RTC: set offsets beyond 1 s) is expected.
            long allowedNs = (FIRST_TOLERANCE_NS << attempt) + Math.max(0, setOffsetNs - NS_PER_S);
            if (realtimeNs.getAsLong() - target > allowedNs && attempt < ATTEMPTS - 1) {
                // Preempted during the write: it may have reached the RTC that late (a busy machine's 22 ms once);
                // the next second's write replaces it.
                continue;
            }
            if (!reader.measure(result, RtcReader.defaultTimeoutNs())) {
                return false;
            }
            if (Math.abs(result.fastNs()) <= ALIGNED_LIMIT_NS) {
                return true;
            }
            behaviour = WriteBehaviour.KEEPS_PHASE;
            return setKeepingPhase(result);
        }
        return false;
    }

    /**
     * For an RTC whose ticks stay put: finds the tick, and writes the seconds that make the reading after each tick
     * the whole system second nearest to it.
     */
    private boolean setKeepingPhase(RtcReading result) {
        if (!reader.measure(result, RtcReader.defaultTimeoutNs())) {
            return false;
        }
        long tick = result.systemNs;
        long wanted = Math.floorDiv(tick + NS_PER_S / 2, NS_PER_S);
        if (wanted == result.rtcSeconds) {
            return true;
        }
        // Right after the tick: the RTC second now running began at `tick`.
        write(wanted + Math.floorDiv(realtimeNs.getAsLong() - tick, NS_PER_S));
        return reader.measure(result, RtcReader.defaultTimeoutNs());
    }

    private void write(long unixSeconds) {
        RtcCalendar.fromUnixSeconds(unixSeconds, zone, time);
        device.setTime(time);
    }

    /** The behaviour in use: {@link WriteBehaviour#KEEPS_PHASE} once a set found that the RTC kept its phase. */
    public WriteBehaviour behaviour() {
        return behaviour;
    }
}
