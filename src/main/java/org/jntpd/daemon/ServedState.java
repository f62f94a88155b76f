package org.jntpd.daemon;

import org.jntpd.config.Config;
import org.jntpd.refclock.SystemReference;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.sync.SystemState;
import org.jntpd.time.Dispersion;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;

/**
 * What this host says about its time, from the synchroniser's published state: to NTP clients (the
 * {@link ServerState} the serving threads read: the synchroniser's while synchronised, else the local stratum, or
 * the orphan stratum once unsynchronised for {@code orphanwait}, else unsynchronised), to the reference clocks
 * ({@link SystemReference}) and to the RTC (whether synchronised). Written on the loop's thread, read by any.
 */
final class ServedState {
    private final int localStratum;
    private final Config.Tos tos;
    private final int precisionLog2;
    private final ServerStateHolder holder;
    private long unsyncedSinceNs;
    private volatile SystemState published;

    /** Unsynchronised (or at the local stratum) until the first {@link #publish}. */
    ServedState(Config config, int precisionLog2, long nowNs) {
        this.localStratum = config.serving().localStratum();
        this.tos = config.tos();
        this.precisionLog2 = precisionLog2;
        this.holder = new ServerStateHolder(unsynchronisedState(nowNs));
    }

    /** Where the serving threads read the state from. */
    ServerStateHolder holder() {
        return holder;
    }

    /** The synchroniser published {@code s} at {@code nowNs} (loop thread). */
    void publish(SystemState s, long nowNs) {
        published = s;
        holder.publish(toServerState(s, nowNs));
    }

    /** Whether the last published state is synchronised (any thread). */
    boolean synced() {
        SystemState s = published;
        return s != null && s.synced();
    }

    /** The system clock as reference clocks see it: the published root distance and leap (thread-safe). */
    SystemReference systemReference() {
        return new SystemReference() {
            @Override
            public long rootDistanceNs(long localTimeNs) {
                SystemState s = published;
                return s == null || !s.synced() ? Long.MAX_VALUE : s.rootDelayNs() / 2 + s.rootDispersionNs(localTimeNs);
            }

            @Override
            public int leap() {
                SystemState s = published;
                return s == null || !s.synced() ? NtpPacket.LEAP_UNSYNCHRONIZED : s.leap();
            }
        };
    }

    private ServerState toServerState(SystemState s, long nowNs) {
        if (s.synced()) {
            unsyncedSinceNs = 0;
            return new ServerState(s.leapIndicator(), s.stratum(), precisionLog2, s.rootDelayShort(), s.rootDispersionNs(),
                    Dispersion.PHI_PPM, s.refId(), s.referenceNtp64(), s.referenceTimeNs());
        }
        if (unsyncedSinceNs == 0) {
            unsyncedSinceNs = nowNs;
        }
        return unsynchronisedState(nowNs);
    }

    private ServerState unsynchronisedState(long nowNs) {
        int local = localStratum;
        if (local == 0 && tos.orphanStratum() > 0 && unsyncedSinceNs != 0 && nowNs - unsyncedSinceNs >= tos.orphanWaitNs()) {
            local = tos.orphanStratum();
        }
        if (local > 0) {
            return ServerState.local(local, precisionLog2, nowNs, NtpTimestamp.fromUnixNs(nowNs));
        }
        return ServerState.unsynchronised(precisionLog2);
    }
}
