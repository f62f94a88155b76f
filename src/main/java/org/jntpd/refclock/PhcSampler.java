package org.jntpd.refclock;

/**
 * Turns one comparison of a PHC with the system clock into an offset (chrony {@code refclock_phc.c} and
 * {@code sys_linux.c}): from the (sys1, phc, sys2) readings the one with the shortest {@code sys2 - sys1} wins,
 * since its PHC read is pinned down best; the PHC time belongs to the midpoint of its two system reads, and half the
 * interval bounds the error. A hardware cross-timestamp ({@code PRECISE}) is exact: interval 0. Tries PRECISE, then
 * EXTENDED, then the old {@code PTP_SYS_OFFSET}, and remembers the first that works (chrony's reading mode).
 *
 * <p>Readings with {@code sys2 < sys1} (the system clock was stepped in the middle) spoil the comparison: none is used.
 * Allocation-free after construction.
 */
public final class PhcSampler {
    /** How the PHC was read. */
    public enum Method {
        PRECISE,
        EXTENDED,
        BASIC
    }

    private final int readings;
    private final boolean crossTimestamps;
    private final long[] buffer = new long[3 * PhcDevice.MAX_READINGS];
    private final long[] precise = new long[2];
    private Method method;

    private long systemTimeNs;
    private long phcTimeNs;
    private long intervalNs;

    /**
     * @param readings        readings per comparison (chrony: 25, the kernel's maximum)
     * @param crossTimestamps whether to use hardware cross-timestamps (chrony's {@code nocrossts} turns them off)
     */
    public PhcSampler(int readings, boolean crossTimestamps) {
        if (readings < 1 || readings > PhcDevice.MAX_READINGS) {
            throw new IllegalArgumentException("readings must be 1.." + PhcDevice.MAX_READINGS + ", got " + readings);
        }
        this.readings = readings;
        this.crossTimestamps = crossTimestamps;
    }

    /** Compares once; false when the device answered nothing usable. */
    public boolean sample(PhcDevice device) {
        if (method == null || method == Method.PRECISE) {
            if (crossTimestamps && device.readPrecise(precise)) {
                method = Method.PRECISE;
                phcTimeNs = precise[0];
                systemTimeNs = precise[1];
                intervalNs = 0;
                return true;
            }
            if (method == Method.PRECISE) {
                return false;
            }
        }
        if (method == null || method == Method.EXTENDED) {
            int n = device.readExtended(readings, buffer);
            if (n > 0) {
                method = Method.EXTENDED;
                return bestOfTriples(buffer, n);
            }
            if (method == Method.EXTENDED) {
                return false;
            }
        }
        int n = device.readBasic(readings, buffer);
        if (n <= 0) {
            return false;
        }
        method = Method.BASIC;
        // sys0, phc0, sys1, phc1, ..., sysN: reading i is (buffer[2i], buffer[2i+1], buffer[2i+2]).
        return best(buffer, n, 2);
    }

    /** Picks the shortest of {@code n} triples (sys1, phc, sys2) laid out one after another. */
    public boolean bestOfTriples(long[] triples, int n) {
        return best(triples, n, 3);
    }

    private boolean best(long[] t, int n, int stride) {
        long bestInterval = Long.MAX_VALUE;
        int bestIndex = -1;
        for (int i = 0; i < n; i++) {
            int p = i * stride;
            long interval = t[p + 2] - t[p];
            if (interval < 0) {
                return false; // a step between the reads: the whole set is suspect
            }
            if (interval < bestInterval) {
                bestInterval = interval;
                bestIndex = p;
            }
        }
        if (bestIndex < 0) {
            return false;
        }
        systemTimeNs = t[bestIndex] + bestInterval / 2;
        phcTimeNs = t[bestIndex + 1];
        intervalNs = bestInterval;
        return true;
    }

    /** The method that answered last; null before the first success. */
    public Method method() {
        return method;
    }

    /** System clock at the instant the PHC showed {@link #phcTimeNs()}. */
    public long systemTimeNs() {
        return systemTimeNs;
    }

    public long phcTimeNs() {
        return phcTimeNs;
    }

    /** PHC minus system clock. */
    public long offsetNs() {
        return phcTimeNs - systemTimeNs;
    }

    /** The winning reading's {@code sys2 - sys1}; 0 for a cross-timestamp. */
    public long intervalNs() {
        return intervalNs;
    }

    /** Error bound of the comparison: half the interval. */
    public long errorNs() {
        return intervalNs / 2;
    }
}
