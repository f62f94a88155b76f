package org.jntpd.sync;

import org.jntpd.time.Dispersion;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;

/**
 * What this host tells its own clients, published by the {@link Synchroniser} after every update as one immutable
 * value that serving threads read without locking.
 *
 * @param synced           whether the clock is synchronised (false: serve LI 3, stratum 16)
 * @param leap             leap second pending at the end of the current UTC day: 0 none, 1 insert, 2 delete
 * @param stratum          this host's stratum (system peer's + 1), 16 when unsynchronised
 * @param refId            reference ID of the system peer as this host publishes it
 * @param referenceTimeNs  local time of the last clock update, Unix ns (0 = never)
 * @param rootDelayNs      total round-trip delay to the primary reference
 * @param rootDispersionNs total dispersion to the primary reference at {@code referenceTimeNs}
 * @param precisionLog2    log2 s of the local clock's precision
 * @param status           the reason behind {@code synced}
 */
public record SystemState(boolean synced, int leap, int stratum, int refId, long referenceTimeNs, long rootDelayNs,
        long rootDispersionNs, int precisionLog2, SyncStatus status) {

    /** The state before the first update. */
    public static SystemState unsynchronised(int precisionLog2, SyncStatus status) {
        return new SystemState(false, NtpPacket.LEAP_NONE, NtpPacket.STRATUM_UNSYNCHRONIZED, 0, 0, 0, 0, precisionLog2,
                status);
    }

    /** Leap indicator for the wire: 3 when unsynchronised. */
    public int leapIndicator() {
        return synced ? leap : NtpPacket.LEAP_UNSYNCHRONIZED;
    }

    /** Root dispersion grown at PHI (15 ppm) since the reference time, ns; never synchronised: nothing to grow from. */
    public long rootDispersionNs(long nowNs) {
        if (referenceTimeNs == 0) {
            return rootDispersionNs;
        }
        return rootDispersionNs + Dispersion.grownNs(nowNs - referenceTimeNs);
    }

    public int rootDelayShort() {
        return NtpShort.fromNs(rootDelayNs);
    }

    public int rootDispersionShort(long nowNs) {
        return NtpShort.fromNs(rootDispersionNs(nowNs));
    }

    /** The reference timestamp as ntp64 (0 before the first update). */
    public long referenceNtp64() {
        return referenceTimeNs == 0 ? 0 : NtpTimestamp.fromUnixNs(referenceTimeNs);
    }
}
