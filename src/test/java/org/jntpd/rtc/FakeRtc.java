package org.jntpd.rtc;

import java.time.ZoneId;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * An RTC and a system clock for tests, on one virtual timeline. The system clock is the timeline itself (it advances
 * only when something waits or works); the RTC runs {@code gainPpm} fast against it and shows whole seconds. Reads,
 * clock reads and interrupt wake-ups cost virtual time, so algorithms see the delays they would see on a machine.
 */
public final class FakeRtc implements RtcDevice, LongSupplier, RtcSetter.Sleeper {
    private static final long S = 1_000_000_000L;

    /** What a write does to the RTC's phase. */
    public enum Chip {
        /** The next tick comes {@code tickAfterWriteNs} after the write. */
        RESTARTS,
        /** Only the seconds change. */
        KEEPS_PHASE
    }

    private final Random rnd;
    private final double gainPpm;
    private final Chip chip;
    private final long tickAfterWriteNs;
    private final ZoneId zone;
    public boolean interruptsSupported = true;
    private boolean interruptsOn;
    /** The timeline (true time), Unix ns. */
    public long now;
    /** System clock minus true time: a step of the system clock moves this, not the RTC. */
    public long systemStepNs;
    /** RTC time = rtcAnchorNs + (now - sysAnchorNs) * (1 + gain). */
    private long sysAnchorNs;
    private long rtcAnchorNs;
    public long readCostNs = 15_000;
    public long maxWakeLatencyNs = 50_000;
    /** Every this many interrupts one comes 3 ms late (a busy system); 0 = never. */
    public int lateEvery;
    private int wakeups;
    public int reads;
    public int writes;
    /** The next read that spans a tick is held up this much before it completes (a preempted reader); once. */
    public long nextReadAcrossTickStallNs;
    /** The next write reaches the chip this much later than it was issued (a preempted writer); once. */
    public long nextWriteStallNs;

    public FakeRtc(long seed, long startNs, long rtcFastNs, double gainPpm, Chip chip, long tickAfterWriteNs, ZoneId zone) {
        this.rnd = new Random(seed);
        this.now = startNs;
        this.sysAnchorNs = startNs;
        this.rtcAnchorNs = startNs + rtcFastNs;
        this.gainPpm = gainPpm;
        this.chip = chip;
        this.tickAfterWriteNs = tickAfterWriteNs;
        this.zone = zone;
    }

    /** The RTC's exact time (not just its seconds) at system time {@code sysNs}. */
    public long rtcNs(long sysNs) {
        return rtcAnchorNs + Math.round((sysNs - sysAnchorNs) * (1 + gainPpm * 1e-6));
    }

    /** System time of the first RTC tick after system time {@code sysNs}. */
    public long nextTickAfter(long sysNs) {
        long next = (Math.floorDiv(rtcNs(sysNs), S) + 1) * S;
        return sysAnchorNs + (long) Math.ceil((next - rtcAnchorNs) / (1 + gainPpm * 1e-6));
    }

    /** RTC minus system clock right now, ns. */
    public long fastNs() {
        return rtcNs(now) - now - systemStepNs;
    }

    /** The system clock (CLOCK_REALTIME). */
    @Override
    public long getAsLong() {
        now += 40; // clock_gettime
        return now + systemStepNs;
    }

    @Override
    public void sleepUntilNs(long realtimeNs) {
        now = Math.max(now, realtimeNs - systemStepNs) + 20_000 + rnd.nextLong(maxWakeLatencyNs);
    }

    @Override
    public void readTime(RtcTime out) {
        reads++;
        if (nextReadAcrossTickStallNs > 0 && nextTickAfter(now) - now <= readCostNs) {
            now += nextReadAcrossTickStallNs;
            nextReadAcrossTickStallNs = 0;
        }
        now += readCostNs / 2;
        long seconds = Math.floorDiv(rtcNs(now), S);
        now += readCostNs - readCostNs / 2;
        RtcCalendar.fromUnixSeconds(seconds, zone, out);
    }

    @Override
    public void setTime(RtcTime time) {
        writes++;
        now += readCostNs / 2 + nextWriteStallNs;
        nextWriteStallNs = 0;
        long value = RtcCalendar.toUnixSeconds(time, zone);
        if (chip == Chip.RESTARTS) {
            rtcAnchorNs = (value + 1) * S - tickAfterWriteNs;
        } else {
            rtcAnchorNs = value * S + Math.floorMod(rtcNs(now), S);
        }
        sysAnchorNs = now;
        now += readCostNs - readCostNs / 2;
    }

    @Override
    public boolean updateInterrupts(boolean on) {
        if (!interruptsSupported) {
            return false;
        }
        interruptsOn = on;
        return true;
    }

    @Override
    public boolean waitForUpdate(long timeoutNs) {
        if (!interruptsOn) {
            throw new AssertionError("waiting with update interrupts off");
        }
        long tick = nextTickAfter(now);
        if (tick - now > timeoutNs) {
            now += timeoutNs;
            return false;
        }
        wakeups++;
        long late = lateEvery > 0 && wakeups % lateEvery == 0 ? 3_000_000 : 0;
        now = tick + 5_000 + rnd.nextLong(maxWakeLatencyNs - 5_000) + late;
        return true;
    }

    /** Moves the timeline on by {@code ns} (the daemon doing other things). */
    public void idle(long ns) {
        now += ns;
    }
}
