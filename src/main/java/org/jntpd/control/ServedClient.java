package org.jntpd.control;

/**
 * One client of the NTP server as {@code jntpc clients} shows it (chronyc's {@code clients}): read from the serving
 * workers' rate-limiter tables when asked, merged over the workers by address.
 *
 * @param address      the client's address (IPv6 clients are limited by their /64: the last address seen in it)
 * @param port         the source port of its last request
 * @param mode         the NTP mode of its last request (3 client, 1 symmetric active)
 * @param version      the NTP version of its last request
 * @param ntpPackets   requests that reached the rate limiter
 * @param ntpLimited   of those, requests the limiter refused: dropped, or answered with a kiss-o'-death (saturates at
 *                     65535 per worker)
 * @param ntpKodSent   of those, kiss-o'-death RATE replies sent (saturates at 1023 per worker)
 * @param firstAgoNs   time since its first request, as of the read
 * @param lastAgoNs    time since its last request, as of the read
 */
public record ServedClient(String address, int port, int mode, int version, long ntpPackets, long ntpLimited,
        long ntpKodSent, long firstAgoNs, long lastAgoNs) {

    /** The shortest interval {@link #intervalLog2} shows: the finest {@code ratelimit interval}, 2^-19 s (2 us). */
    public static final int MIN_INTERVAL_LOG2 = -19;

    /** The mean interval between its requests, ns, over the span they cover; -1 with fewer than two. */
    public long meanIntervalNs() {
        return ntpPackets < 2 ? -1 : (firstAgoNs - lastAgoNs) / (ntpPackets - 1);
    }

    /**
     * chronyc's Int: log2 of the mean interval in seconds, rounded to the nearest integer in the log domain, at least
     * {@value #MIN_INTERVAL_LOG2} (requests read in one batch share one arrival time: their interval is 0);
     * {@link Integer#MIN_VALUE} with fewer than two requests (chronyc's "-").
     */
    public int intervalLog2() {
        long ns = meanIntervalNs();
        if (ns < 0) {
            return Integer.MIN_VALUE;
        }
        return (int) Math.max(MIN_INTERVAL_LOG2, Math.round(Math.log(Math.max(ns, 1) * 1e-9) / Math.log(2)));
    }
}
