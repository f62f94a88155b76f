package org.jntpd.config;

import java.util.Locale;

/**
 * A reference clock: NTPsec's {@code refclock DRIVER [unit N] [options]} (or a legacy {@code server 127.127.T.U}
 * with {@code fudge}), with chrony's options where ntp.conf has none.
 *
 * @param driver      normalised driver name: shm, sock, pps, nmea, phc, gpsd, local
 * @param refId       up to four ASCII characters; null = the driver's default
 * @param stratum     stratum to assign; -1 = the driver's default (0 for a primary source)
 * @param offsetNs    {@code time1} / chrony {@code offset}: added to every sample (positive = reference is later)
 * @param time2Ns     driver-specific second constant (NMEA: sentence delay); 0 if not given
 * @param pollLog2    sampling interval of the driver, log2 seconds (chrony {@code poll}; ntpd minpoll)
 * @param filterSamples median-filter length (chrony {@code filter}); 0 = driver default
 * @param precisionNs precision of the samples; 0 = driver default
 * @param delayNs     assumed round-trip delay (chrony {@code delay}); 0 = driver default
 * @param lockRefId   PPS: refid of the coarse clock giving the second number (chrony {@code lock}); null = none
 * @param widthNs     PPS pulse width (chrony {@code width}); 0 = unknown
 * @param flagBits    flag1..flag4 as bits 0..3
 * @param path        device or socket path; null = driver default
 * @param ppsPath     companion PPS device for NMEA; null = none
 * @param baud        serial speed; 0 = driver default
 * @param time2Auto   NMEA {@code time2 auto}: learn the sentence delay against the PPS (a number given for time2
 *                    wins: it is used as given and nothing is learnt)
 * @param offsetFile  NMEA with {@code time2 auto}: where the learnt delay is saved ({@code offsetfile PATH}; default
 *                    {@code nmeaN.offset} beside the drift file); null = not saved
 */
public record RefclockSpec(
        String driver,
        int unit,
        String refId,
        int stratum,
        long offsetNs,
        long time2Ns,
        int flagBits,
        int mode,
        int subtype,
        int pollLog2,
        int filterSamples,
        long precisionNs,
        long delayNs,
        String lockRefId,
        long widthNs,
        boolean prefer,
        boolean noselect,
        boolean trust,
        boolean trueChimer,
        String path,
        String ppsPath,
        int baud,
        boolean time2Auto,
        String offsetFile,
        Location location) {

    /**
     * The refid of a clock without one: chrony's scheme, the driver's first three letters and the clock's index among
     * the device clocks (those other than {@code local}), "SHM0", "PPS1"; NMEA reads "GPS".
     */
    public static String defaultRefId(String driver, int index) {
        String base = switch (driver) {
            case "nmea", "gpsd" -> "GPS";
            default -> driver.toUpperCase(Locale.ROOT);
        };
        return (base.length() > 3 ? base.substring(0, 3) : base) + (index % 10);
    }

    /** flag1..flag4 of ntpd's fudge (n = 1..4), kept as bits 0..3 of {@code flagBits}. */
    public boolean flag(int n) {
        return (flagBits >> (n - 1) & 1) != 0;
    }
}
