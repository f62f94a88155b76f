package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jntpd.mode6.MruEntry;
import org.junit.jupiter.api.Test;

/**
 * A client in two rate-limiter tables (a socket worker's and a raw path worker's) is one mrulist entry: counts and
 * drops summed, the earliest first arrival, the latest last arrival with that request's mode and version; in either
 * order of the tables.
 */
class NtpServingMruTest {
    private static final long T = 0xEC00_0000_0000_0000L; // an NTP timestamp with the high bit set (unsigned order)

    @Test
    void shouldMergeOneClientOfTwoTables() {
        MruEntry socket = new MruEntry("198.18.0.2:40002", T + 10, T + 50, 3, 0x23, 1);
        MruEntry raw = new MruEntry("198.18.0.2:40002", T + 20, T + 90, 5, 0x1B, 2);
        MruEntry expected = new MruEntry("198.18.0.2:40002", T + 10, T + 90, 8, 0x1B, 3);
        assertEquals(expected, NtpServing.merged(socket, raw));
        assertEquals(expected, NtpServing.merged(raw, socket));
    }
}
