package org.jntpd.refclock;

import org.jntpd.wire.NtpPacket;

/**
 * What the sync core tells the drivers about the system clock. A pulse with no locked coarse clock is numbered by
 * the system clock, which is only allowed while the system clock is known to be right to well within half a pulse
 * period (chrony's {@code REF_GetReferenceParams} check in {@code RCL_AddCookedPulse}).
 */
public interface SystemReference {
    /** A system clock that is not synchronised to anything. */
    SystemReference UNSYNCHRONISED = new SystemReference() {
        @Override
        public long rootDistanceNs(long localTimeNs) {
            return Long.MAX_VALUE;
        }

        @Override
        public int leap() {
            return NtpPacket.LEAP_UNSYNCHRONIZED;
        }
    };

    /** A system clock that stays synchronised to within {@code rootDistanceNs}, announcing {@code leap}. */
    static SystemReference fixed(long rootDistanceNs, int leap) {
        return new SystemReference() {
            @Override
            public long rootDistanceNs(long localTimeNs) {
                return rootDistanceNs;
            }

            @Override
            public int leap() {
                return leap;
            }
        };
    }

    /**
     * Root distance (root delay / 2 + root dispersion, grown to {@code localTimeNs}) of the system clock;
     * {@link Long#MAX_VALUE} while it is not synchronised.
     */
    long rootDistanceNs(long localTimeNs);

    /** The leap indicator the system clock currently carries; {@link NtpPacket#LEAP_UNSYNCHRONIZED} when not synchronised. */
    int leap();
}
