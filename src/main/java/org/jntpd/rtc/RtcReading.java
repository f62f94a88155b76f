package org.jntpd.rtc;

import static org.jntpd.time.Units.NS_PER_S;

/**
 * Where the RTC's second begins on the system clock: at system time {@code systemNs} the RTC ticked to
 * {@code rtcSeconds}, known to within {@code uncertaintyNs}. Mutable, reused.
 */
public final class RtcReading {
    /** The RTC's new reading, Unix seconds. */
    public long rtcSeconds;
    /** System clock (CLOCK_REALTIME, Unix ns) at the tick. */
    public long systemNs;
    /** Half-width of the interval the tick lies in (polling), or the read time after the interrupt. */
    public long uncertaintyNs;

    /** How far the RTC is ahead of the system clock (chrony's "RTC fast"), ns; negative = behind. */
    public long fastNs() {
        return rtcSeconds * NS_PER_S - systemNs;
    }

    @Override
    public String toString() {
        return "RTC " + rtcSeconds + " at system " + systemNs + " +-" + uncertaintyNs + " ns (fast " + fastNs() + " ns)";
    }
}
