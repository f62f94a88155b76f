package org.jntpd.refclock;

import static org.jntpd.time.Units.NS_PER_S;

import org.jntpd.config.RefclockSpec;
import org.jntpd.time.Units;
import org.jntpd.wire.NtpPacket;

/**
 * A reference clock's settings with every default resolved: what {@link Refclock} and the drivers read.
 * Built from the parsed {@link RefclockSpec}; the options the config language has no word for yet (chrony's
 * {@code rate}, {@code maxlockage}, {@code dpoll}, {@code maxdispersion}, and the lock limit) keep their defaults here
 * and can be changed with the {@code with...} methods.
 *
 * @param driver          shm, sock, pps, nmea, phc, gpsd
 * @param refId           one to four ASCII characters
 * @param stratum         stratum of the source (0 for a primary reference)
 * @param pollLog2        the filter is reduced and a sample handed over every 2^pollLog2 s
 * @param driverPollLog2  the driver is read every 2^driverPollLog2 s (chrony {@code dpoll}); not above pollLog2
 * @param filterLength    raw samples kept between polls
 * @param offsetNs        added to every offset (ntpd {@code time1}, chrony {@code offset}); positive = reference later
 * @param time2Ns         NMEA: the delay of the sentence's anchor byte after the second it labels (with
 *                        {@code time2 auto}, 0 here: the driver takes the saved or learnt one)
 * @param delayNs         assumed round-trip delay, handed on as the sample's delay
 * @param precisionNs     dispersion of every raw sample: the larger of the configured and the system's precision
 * @param lockRefId       PPS: refid of the clock that numbers the seconds; null = the system clock
 * @param widthNs         pulse width, 0 = unknown; used to reject pulses from the wrong edge
 * @param clearEdge       PPS: time the clear edge instead of the assert edge (ntpd {@code flag2})
 * @param rate            pulses per second (chrony {@code rate})
 * @param maxLockAge      a locked pulse needs a coarse sample at most this many pulses old (chrony {@code maxlockage})
 * @param lockLimitNs     a pulse is numbered only when its whole-second source agrees to within this; 0 = the default,
 *                        0.2 s or 0.4 pulse periods, whichever is less (chrony: 0.4 periods)
 * @param maxDispersionNs a poll whose jitter exceeds this is dropped; 0 = no limit
 * @param mode            driver mode bits (NMEA: which sentences, ntpd's bits 1 RMC, 2 GGA, 8 ZDA; 0 = all)
 * @param path            device, socket or segment parameter; null = driver default
 * @param ppsPath         NMEA: companion PPS device; null = none
 * @param baud            serial speed in bit/s; 0 = unknown
 */
public record RefclockSettings(
        String driver,
        String refId,
        int stratum,
        int pollLog2,
        int driverPollLog2,
        int filterLength,
        long offsetNs,
        long time2Ns,
        long delayNs,
        long precisionNs,
        String lockRefId,
        long widthNs,
        boolean clearEdge,
        int rate,
        int maxLockAge,
        long lockLimitNs,
        long maxDispersionNs,
        int mode,
        String path,
        String ppsPath,
        int baud) {

    /** chrony's default filter length. */
    public static final int DEFAULT_FILTER_LENGTH = 64;
    /** chrony's default {@code maxlockage}. */
    public static final int DEFAULT_MAX_LOCK_AGE = 2;
    /** How far a whole-second source may disagree with a pulse and still number it. */
    public static final long DEFAULT_LOCK_LIMIT_NS = 200_000_000L;

    public RefclockSettings {
        if (refId == null || refId.isEmpty() || refId.length() > 4) {
            throw new IllegalArgumentException("refid must be 1-4 characters, got '" + refId + "'");
        }
        if (driverPollLog2 > pollLog2) {
            driverPollLog2 = pollLog2; // chrony: the driver is read at least once per poll
        }
        if (filterLength < 1 || filterLength > RefclockFilter.MAX_LENGTH) {
            throw new IllegalArgumentException("filter must be 1.." + RefclockFilter.MAX_LENGTH + ", got " + filterLength);
        }
        if (rate < 1 || NS_PER_S % rate != 0) {
            throw new IllegalArgumentException("rate must be a divisor of 1e9 pulses per second, got " + rate);
        }
        if (widthNs < 0 || widthNs >= NS_PER_S / rate) {
            throw new IllegalArgumentException("width must be shorter than the pulse period, got " + widthNs + " ns");
        }
        if (lockLimitNs < 0 || lockLimitNs > 500_000_000L / rate) {
            throw new IllegalArgumentException("lock limit must be at most half the pulse period, got " + lockLimitNs + " ns");
        }
    }

    /**
     * Resolves a parsed {@code refclock} line.
     *
     * @param index             position among the configured clocks (chrony numbers default refids with it)
     * @param systemPrecisionNs the measured precision of reading the system clock: the floor of every sample's dispersion
     */
    public static RefclockSettings from(RefclockSpec spec, int index, long systemPrecisionNs) {
        String refId = spec.refId() != null ? spec.refId() : RefclockSpec.defaultRefId(spec.driver(), index);
        int stratum = spec.stratum() >= 0 ? spec.stratum() : 0;
        int filter = spec.filterSamples() > 0 ? spec.filterSamples() : DEFAULT_FILTER_LENGTH;
        long precision = Math.max(Math.max(spec.precisionNs(), systemPrecisionNs), 1);
        // ntpd's PPS and NMEA drivers take the clear edge with flag2, chrony's PPS with its "clear" option.
        boolean clear = (spec.driver().equals("pps") || spec.driver().equals("nmea")) && spec.flag(2);
        return new RefclockSettings(spec.driver(), refId, stratum, spec.pollLog2(), 0, filter, spec.offsetNs(),
                spec.time2Ns(), spec.delayNs(), precision, spec.lockRefId(), spec.widthNs(), clear, 1,
                DEFAULT_MAX_LOCK_AGE, 0, 0, spec.mode(), spec.path(), spec.ppsPath(), spec.baud());
    }

    /** Settings with every default: for drivers built without a config line (tests, tools). */
    public static RefclockSettings defaults(String driver, String refId) {
        return new RefclockSettings(driver, refId, 0, 4, 0, DEFAULT_FILTER_LENGTH, 0, 0, 0, 1, null, 0, false, 1,
                DEFAULT_MAX_LOCK_AGE, 0, 0, 0, null, null, 0);
    }


    /** The lock limit in force: the configured one, or 0.2 s / 0.4 periods, whichever is less. */
    @Override
    public long lockLimitNs() {
        return lockLimitNs > 0 ? lockLimitNs : Math.min(DEFAULT_LOCK_LIMIT_NS, 2 * pulsePeriodNs() / 5);
    }

    /** The refid as NTP carries it: up to four ASCII characters, left-aligned, zero-padded ("PPS" = 0x50505300). */
    public int refIdBits() {
        return NtpPacket.asciiRefId(refId);
    }

    /** The precision as NTP's log2 seconds, rounded up (100 ns gives -23: 2^-23 s = 119 ns). */
    public int precisionLog2() {
        return (int) Math.ceil(Math.log(precisionNs / 1e9) / Math.log(2));
    }

    /** Length of one pulse period in ns. */
    public long pulsePeriodNs() {
        return NS_PER_S / rate;
    }

    /** How old a raw sample may be when it arrives: two poll intervals (chrony's {@code valid_sample_time}). */
    public long maxSampleAgeNs() {
        return Units.log2ToNs(pollLog2 + 1);
    }

    public RefclockSettings withPoll(int newPollLog2, int newDriverPollLog2) {
        return new RefclockSettings(driver, refId, stratum, newPollLog2, newDriverPollLog2, filterLength, offsetNs, time2Ns,
                delayNs, precisionNs, lockRefId, widthNs, clearEdge, rate, maxLockAge, lockLimitNs, maxDispersionNs, mode,
                path, ppsPath, baud);
    }

    /** A new pulse rate, width and edge; the lock limit returns to its default for the new rate. */
    public RefclockSettings withPulses(int newRate, long newWidthNs, boolean newClearEdge) {
        return new RefclockSettings(driver, refId, stratum, pollLog2, driverPollLog2, filterLength, offsetNs, time2Ns,
                delayNs, precisionNs, lockRefId, newWidthNs, newClearEdge, newRate, maxLockAge, 0, maxDispersionNs,
                mode, path, ppsPath, baud);
    }

    /** @param newLockLimitNs 0 = the default */
    public RefclockSettings withLock(String newLockRefId, int newMaxLockAge, long newLockLimitNs) {
        return new RefclockSettings(driver, refId, stratum, pollLog2, driverPollLog2, filterLength, offsetNs, time2Ns,
                delayNs, precisionNs, newLockRefId, widthNs, clearEdge, rate, newMaxLockAge, newLockLimitNs,
                maxDispersionNs, mode, path, ppsPath, baud);
    }

    public RefclockSettings withFilter(int newFilterLength, long newMaxDispersionNs) {
        return new RefclockSettings(driver, refId, stratum, pollLog2, driverPollLog2, newFilterLength, offsetNs, time2Ns,
                delayNs, precisionNs, lockRefId, widthNs, clearEdge, rate, maxLockAge, lockLimitNs, newMaxDispersionNs,
                mode, path, ppsPath, baud);
    }

    public RefclockSettings withCorrections(long newOffsetNs, long newTime2Ns, long newDelayNs, long newPrecisionNs) {
        return new RefclockSettings(driver, refId, stratum, pollLog2, driverPollLog2, filterLength, newOffsetNs,
                newTime2Ns, newDelayNs, newPrecisionNs, lockRefId, widthNs, clearEdge, rate, maxLockAge, lockLimitNs,
                maxDispersionNs, mode, path, ppsPath, baud);
    }
}
