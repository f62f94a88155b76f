package org.jntpd.refclock;

import java.util.ArrayList;
import java.util.List;
import org.jntpd.wire.NtpPacket;

/**
 * One configured reference clock: its settings, its median filter and, for a PPS, the clock that numbers its
 * seconds. Drivers feed it raw measurements ({@link #addSample} for a full time, {@link #addPulse} for a pulse that
 * only marks the start of some second); once per poll {@link #poll()} reduces them to the one {@link RefclockSample}
 * the sync core gets. chrony's {@code refclock.c} (RCL_AddSample, RCL_AddPulse, poll_timeout) is the model.
 *
 * <p>Pure: time comes in as {@code nowNs} and sample times, the system clock's state through {@link SystemReference}.
 * Nothing here allocates except {@link #poll()}'s result. One driver thread owns an instance (a locked PPS reads its
 * coarse clock's last sample, so the two must share that thread).
 */
public final class Refclock {
    /** What became of a raw measurement. */
    public enum Verdict {
        ACCEPTED,
        /** The measurement's local time is in the future or older than two polls. */
        STALE_TIME,
        /** The driver said the reference is unsynchronised (leap 3) or gave no valid leap code. */
        BAD_LEAP,
        /** Not later than the previous measurement (the same sample handed twice). */
        NON_INCREASING,
        /** A locked pulse, but the coarse clock has no sample yet. */
        NO_LOCK_SAMPLE,
        /** A locked pulse whose coarse sample is older than {@code maxLockAge} pulses. */
        LOCK_TOO_OLD,
        /** The coarse clock and the pulse disagree by more than the lock limit. */
        LOCK_MISMATCH,
        /** An unlocked pulse while the system clock is not synchronised to within the lock limit. */
        SYSTEM_NOT_SYNCHRONISED,
        /** The pulse is further from the second than half the pulse width allows: probably the other edge. */
        WRONG_EDGE
    }

    private static final Verdict[] VERDICTS = Verdict.values();

    private final RefclockSettings settings;
    private final RefclockFilter filter;
    private final SystemReference system;
    private final long[] verdicts = new long[VERDICTS.length];
    private Refclock lock;
    private int leapStatus = NtpPacket.LEAP_NONE;
    private boolean reached;
    private boolean reachedLastPoll;
    private boolean pulseActive;
    /** The number of the last rate change applied to the filter ({@link #onRateChange}). */
    private long rateChanges;

    public Refclock(RefclockSettings settings, SystemReference system) {
        this.settings = settings;
        this.system = system;
        this.filter = new RefclockFilter(settings.filterLength(), RefclockFilter.DEFAULT_COMBINE_RATIO,
                settings.maxDispersionNs(), settings.precisionNs());
    }

    /**
     * Connects every clock that has a {@code lock REFID} to the clock with that refid. Returns one sentence per lock
     * that names no other configured clock (an empty list when all resolve).
     */
    public static List<String> resolveLocks(List<Refclock> clocks) {
        List<String> problems = new ArrayList<>();
        for (Refclock c : clocks) {
            String want = c.settings.lockRefId();
            if (want == null) {
                continue;
            }
            c.lock = null;
            for (Refclock other : clocks) {
                if (other != c && other.settings.refId().equals(want)) {
                    c.lock = other;
                    break;
                }
            }
            if (c.lock == null) {
                List<String> ids = new ArrayList<>();
                for (Refclock other : clocks) {
                    if (other != c) {
                        ids.add(other.settings.refId());
                    }
                }
                problems.add("refclock " + c.settings.refId() + ": 'lock " + want + "' names no other configured reference "
                        + "clock (expected one of " + (ids.isEmpty() ? "none configured" : String.join(", ", ids)) + ")");
            }
        }
        return problems;
    }

    /**
     * A measurement of the full time (chrony {@code RCL_AddSample}).
     *
     * @param nowNs              system clock now
     * @param localTimeNs        system clock when the reference showed {@code refTimeNs}
     * @param refTimeNs          the reference's time at that instant (Unix ns, UTC)
     * @param leap               the reference's leap warning, {@link NtpPacket#LEAP_NONE} etc.
     * @param extraDispersionNs  error of this measurement beyond the configured precision (PHC read interval); 0 if none
     */
    public Verdict addSample(long nowNs, long localTimeNs, long refTimeNs, int leap, long extraDispersionNs) {
        if (!validTime(nowNs, localTimeNs)) {
            return count(Verdict.STALE_TIME);
        }
        if (!RefclockSample.isSynchronisedLeap(leap)) {
            return count(Verdict.BAD_LEAP);
        }
        long offset = refTimeNs - localTimeNs + settings.offsetNs();
        if (!filter.accumulate(localTimeNs, offset, settings.precisionNs() + Math.max(extraDispersionNs, 0))) {
            return count(Verdict.NON_INCREASING);
        }
        leapStatus = leap;
        pulseActive = false;
        reached = true;
        return count(Verdict.ACCEPTED);
    }

    /**
     * A pulse that marks the start of a second (chrony {@code RCL_AddPulse}): only its phase is known. The whole
     * seconds come from the locked coarse clock's latest sample, or else from the system clock while that is
     * synchronised to within the lock limit.
     *
     * @param nowNs              system clock now
     * @param pulseLocalNs       system clock at the pulse
     * @param pulsePhaseNs       system clock minus the reference time the pulse marks, known only modulo the pulse
     *                           period (for a 1 Hz PPS: {@code floorMod(pulseLocalNs, 1e9)})
     * @param extraDispersionNs  error of this pulse beyond the configured precision; 0 if none
     */
    public Verdict addPulse(long nowNs, long pulseLocalNs, long pulsePhaseNs, long extraDispersionNs) {
        if (!validTime(nowNs, pulseLocalNs)) {
            return count(Verdict.STALE_TIME);
        }
        long period = settings.pulsePeriodNs();
        long dispersion = settings.precisionNs() + Math.max(extraDispersionNs, 0);
        // Offset within the pulse period, in [-period/2, period/2).
        long offset = Math.floorMod(settings.offsetNs() - pulsePhaseNs + period / 2, period) - period / 2;
        int leap;
        if (lock != null) {
            RefclockFilter coarse = lock.filter;
            if (!coarse.hasLast()) {
                return count(Verdict.NO_LOCK_SAMPLE);
            }
            if (Math.abs(pulseLocalNs - coarse.lastTimeNs()) >= settings.maxLockAge() * period) {
                return count(Verdict.LOCK_TOO_OLD);
            }
            long refOffset = coarse.lastOffsetNs();
            long refDispersion = coarse.lastDispersionNs() + coarse.averageDispersionNs();
            offset += Math.round((double) (refOffset - offset) / period) * period;
            long diff = refOffset - offset;
            if (Math.abs(diff) + refDispersion + dispersion > settings.lockLimitNs()) {
                return count(Verdict.LOCK_MISMATCH);
            }
            if (!edgePlausible(diff, 0)) {
                return count(Verdict.WRONG_EDGE);
            }
            leap = lock.leapStatus;
        } else {
            long distance = system.rootDistanceNs(pulseLocalNs);
            leap = system.leap();
            if (leap == NtpPacket.LEAP_UNSYNCHRONIZED || distance >= settings.lockLimitNs()) {
                filter.dropAll(); // pulses numbered by an unreliable clock must not be combined later
                return count(Verdict.SYSTEM_NOT_SYNCHRONISED);
            }
            if (!edgePlausible(offset, distance)) {
                return count(Verdict.WRONG_EDGE);
            }
        }
        if (!filter.accumulate(pulseLocalNs, offset, dispersion)) {
            return count(Verdict.NON_INCREASING);
        }
        leapStatus = leap;
        pulseActive = true;
        reached = true;
        return count(Verdict.ACCEPTED);
    }

    /**
     * Reduces the measurements since the last poll to one sample (null when there is none, or its jitter exceeds
     * {@code maxDispersion}). Called every 2^pollLog2 s.
     */
    public RefclockSample poll() {
        reachedLastPoll = reached;
        reached = false;
        if (!filter.reduce()) {
            return null;
        }
        return new RefclockSample(filter.resultTimeNs(), filter.resultOffsetNs(), settings.delayNs(),
                filter.resultDispersionNs(), filter.resultJitterNs(), leapStatus, filter.resultSamples(), rateChanges);
    }

    /** The system clock was stepped by {@code stepNs} (positive = forward). */
    public void onClockStep(long stepNs) {
        filter.onClockStep(stepNs);
    }

    /**
     * The system clock's rate changed by {@code dFreq} (a fraction; positive = faster) at {@code atNs}: the
     * measurements taken before are re-expressed at the new rate ({@link RefclockFilter#onRateChange}), so that a poll
     * combining many pulses (poll 4: 16) does not mix rates. {@code number} numbers the change (1, 2, ... in the
     * caller's count); the next {@link #poll()}'s sample carries the last one applied, and whoever re-expresses the
     * samples on their way applies only the later ones.
     */
    public void onRateChange(long atNs, double dFreq, long number) {
        filter.onRateChange(atNs, dFreq);
        rateChanges = number;
    }

    /** The system clock jumped by an unknown amount: forget all measurements. */
    public void dropSamples() {
        filter.dropAll();
    }

    /** Whether any measurement was accepted in the interval that the last {@link #poll()} closed (reachability). */
    public boolean reachedLastPoll() {
        return reachedLastPoll;
    }

    /** Whether the latest accepted measurement was a pulse (chrony's {@code pps_active}). */
    public boolean pulseActive() {
        return pulseActive;
    }

    public int leapStatus() {
        return leapStatus;
    }

    /** How many raw measurements got {@code verdict} since start. */
    public long verdictCount(Verdict verdict) {
        return verdicts[verdict.ordinal()];
    }

    public RefclockSettings settings() {
        return settings;
    }

    /** The filter, for a pulse driver that locks to this clock and for tests. */
    public RefclockFilter filter() {
        return filter;
    }

    /** The clock that numbers this one's pulses, null if none (or not resolved yet). */
    public Refclock lockedTo() {
        return lock;
    }

    private boolean validTime(long nowNs, long localTimeNs) {
        long age = nowNs - localTimeNs;
        return age >= 0 && age <= settings.maxSampleAgeNs();
    }

    /** chrony's {@code check_pulse_edge}: with a known width, the other edge is at least width/2 from the second. */
    private boolean edgePlausible(long offsetNs, long distanceNs) {
        long width = settings.widthNs();
        if (width <= 0) {
            return true;
        }
        long maxError = Math.min(width, settings.pulsePeriodNs() - width) / 2;
        return Math.abs(offsetNs) <= maxError && distanceNs <= maxError;
    }

    private Verdict count(Verdict v) {
        verdicts[v.ordinal()]++;
        return v;
    }
}
