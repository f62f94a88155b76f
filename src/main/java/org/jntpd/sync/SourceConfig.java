package org.jntpd.sync;

/**
 * How a source takes part in selection.
 *
 * @param name            for logs (an address, "PPS0")
 * @param refIdAsServer   the reference ID this host publishes while the source is its system peer (an IPv4 address
 *                        as an int, a hash of an IPv6 address, or a reference clock's code such as "PPS")
 * @param prefer          wins ties for the system peer and survives clustering
 * @param noselect        measured and shown, never selected
 */
public record SourceConfig(String name, int refIdAsServer, boolean prefer, boolean noselect) {
    public static SourceConfig of(String name, int refIdAsServer) {
        return new SourceConfig(name, refIdAsServer, false, false);
    }
}
