package org.jntpd.refclock;

import java.util.function.LongSupplier;
import org.jntpd.wire.NtpPacket;

/**
 * The PHC driver (chrony {@code refclock_phc.c}): once per driver poll, compares the PTP hardware clock with the system
 * clock and hands the clock a sample whose dispersion includes the comparison's error bound. A PHC kept in TAI (by
 * ptp4l) needs the TAI-UTC difference as a negative {@code offset}.
 */
public final class PhcDriver {
    private final PhcDevice device;
    private final Refclock clock;
    private final PhcSampler sampler;
    private long failures;

    public PhcDriver(PhcDevice device, Refclock clock, PhcSampler sampler) {
        this.device = device;
        this.clock = clock;
        this.sampler = sampler;
    }

    /**
     * One comparison; null when the device gave nothing usable, else the clock's verdict.
     *
     * @param nowNs system clock after the comparison (the sample must not lie in the future)
     */
    public Refclock.Verdict poll(long nowNs) {
        if (!sampler.sample(device)) {
            failures++;
            return null;
        }
        return addLast(nowNs);
    }

    /** One comparison, the system clock read from {@code realtimeNs} once it is done (a live device). */
    public Refclock.Verdict poll(LongSupplier realtimeNs) {
        if (!sampler.sample(device)) {
            failures++;
            return null;
        }
        return addLast(realtimeNs.getAsLong());
    }

    private Refclock.Verdict addLast(long nowNs) {
        return clock.addSample(nowNs, sampler.systemTimeNs(), sampler.phcTimeNs(), NtpPacket.LEAP_NONE,
                sampler.errorNs());
    }

    public PhcSampler sampler() {
        return sampler;
    }

    /** Comparisons that produced nothing. */
    public long failures() {
        return failures;
    }
}
