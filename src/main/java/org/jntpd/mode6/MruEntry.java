package org.jntpd.mode6;

/**
 * One client of the server's recent-client list as {@code ntpq -c mrulist} shows it (ntpd's mon_entry).
 *
 * @param address     address and port as ntpd writes them (sockporttoa): {@code 192.0.2.1:40000},
 *                    {@code [2001:db8::1]:123}
 * @param firstNtp64  the first request's arrival, NTP 64-bit timestamp
 * @param lastNtp64   the last request's arrival
 * @param count       requests seen
 * @param modeVersion the last request's version << 3 | mode
 * @param dropped     requests limited (dropped or answered with a KoD)
 */
public record MruEntry(String address, long firstNtp64, long lastNtp64, long count, int modeVersion, long dropped) {
    public MruEntry {
        if (address.isEmpty() || address.chars().anyMatch(c -> c <= ' ' || c >= 0x7F || c == ',' || c == '=')) {
            throw new IllegalArgumentException("bad MRU address text: " + address);
        }
    }
}
