package org.jntpd.refclock;

/**
 * A PTP hardware clock, {@code /dev/ptpN}: the three ways Linux compares it with the system clock, which the platform
 * layer implements with the {@code PTP_SYS_OFFSET_PRECISE}, {@code PTP_SYS_OFFSET_EXTENDED} and {@code PTP_SYS_OFFSET}
 * ioctls. A method the driver or kernel does not support answers 0 / false (EOPNOTSUPP); other failures surface as
 * the platform layer's unchecked exception. Times are ns: the system clock as Unix ns, the PHC in its own time scale
 * (often TAI).
 */
public interface PhcDevice {
    /** The kernel's {@code PTP_MAX_SAMPLES}: readings one ioctl can return. */
    int MAX_READINGS = 25;

    /**
     * {@code PTP_SYS_OFFSET_PRECISE}: one cross-timestamp taken by the hardware.
     *
     * @param out {@code out[0]} = PHC time, {@code out[1]} = system clock at the same instant
     * @return false when the device has no cross-timestamping
     */
    boolean readPrecise(long[] out);

    /**
     * {@code PTP_SYS_OFFSET_EXTENDED}: {@code readings} triples (system clock before, PHC, system clock after), the
     * system clock read right around each PHC read.
     *
     * @param triples filled with {@code sys1, phc, sys2} for each reading, {@code 3 * readings} longs
     * @return readings made, 0 when not supported
     */
    int readExtended(int readings, long[] triples);

    /**
     * {@code PTP_SYS_OFFSET}: {@code 2 * readings + 1} alternating times {@code sys, phc, sys, phc, ..., sys}.
     *
     * @return readings made, 0 when not supported
     */
    int readBasic(int readings, long[] alternating);
}
