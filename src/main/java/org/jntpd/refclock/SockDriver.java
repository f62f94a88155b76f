package org.jntpd.refclock;

import java.lang.foreign.MemorySegment;

/**
 * The SOCK driver (chrony {@code refclock_sock.c}): the platform layer binds a Unix datagram socket at the configured
 * path and passes every datagram here; gpsd (and other programs) send one {@link SockSample} per measurement.
 * A full sample goes to the clock as reference = system time + offset; a pulse sample as a pulse whose phase is the
 * message's offset.
 */
public final class SockDriver {
    private static final SockSample.Status[] STATUSES = SockSample.Status.values();

    private final Refclock clock;
    private final SockSample message = new SockSample();
    private final long[] statusCounts = new long[STATUSES.length];
    private Refclock.Verdict lastVerdict;

    public SockDriver(Refclock clock) {
        this.clock = clock;
    }

    /**
     * One received datagram.
     *
     * @param nowNs    system clock now
     * @param datagram the receive buffer
     * @param length   bytes received
     * @return the decoding status; when OK, {@link #lastVerdict()} tells what the clock made of it
     */
    public SockSample.Status onDatagram(long nowNs, MemorySegment datagram, long length) {
        SockSample.Status s = message.decode(datagram, length);
        statusCounts[s.ordinal()]++;
        if (s != SockSample.Status.OK) {
            return s;
        }
        if (message.pulse()) {
            lastVerdict = clock.addPulse(nowNs, message.systemTimeNs(), message.offsetNs(), 0);
        } else {
            lastVerdict = clock.addSample(nowNs, message.systemTimeNs(), message.systemTimeNs() + message.offsetNs(),
                    message.leap(), 0);
        }
        return s;
    }

    public Refclock.Verdict lastVerdict() {
        return lastVerdict;
    }

    public long statusCount(SockSample.Status status) {
        return statusCounts[status.ordinal()];
    }
}
