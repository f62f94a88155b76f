package org.jntpd.sync;

/**
 * One measurement of a source, reusable (the producer fills it, {@link Source#accumulate(Sample)} reads it).
 * Times and durations in ns; {@code offsetNs} is the source minus the local clock (positive = the local clock is
 * behind) at {@code localTimeNs}, the local clock's reading when the measurement completed.
 */
public final class Sample {
    public long localTimeNs;
    public long offsetNs;
    /** Round-trip delay; 0 for a reference clock. */
    public long delayNs;
    /** Sample's own dispersion (timestamp precisions and the frequency tolerance over the exchange). */
    public long dispersionNs;
    public long rootDelayNs;
    public long rootDispersionNs;
    public int stratum;
    public int refId;
    /** Leap indicator announced by the source: 0 none, 1 insert, 2 delete, 3 unsynchronised. */
    public int leap;
    /** log2 of the source's precision in seconds (e.g. -20 for about 1 us). */
    public int precisionLog2;

    /** Sets every field in one call (returns this). */
    public Sample set(long localTimeNs, long offsetNs, long delayNs, long dispersionNs, long rootDelayNs,
            long rootDispersionNs, int stratum, int refId, int leap, int precisionLog2) {
        this.localTimeNs = localTimeNs;
        this.offsetNs = offsetNs;
        this.delayNs = delayNs;
        this.dispersionNs = dispersionNs;
        this.rootDelayNs = rootDelayNs;
        this.rootDispersionNs = rootDispersionNs;
        this.stratum = stratum;
        this.refId = refId;
        this.leap = leap;
        this.precisionLog2 = precisionLog2;
        return this;
    }
}
