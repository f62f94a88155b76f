package org.jntpd.server;

import java.lang.foreign.MemorySegment;
import org.jntpd.wire.NtpPacket;

/**
 * A broadcast server's packet (RFC 5905 mode 5): the served system state as a server's reply carries it (leap,
 * stratum, precision, root delay and dispersion, refid, reference time), no origin or receive time, and the transmit
 * time written last, by {@link #stampTransmit}, just before the send (after it only the MAC, which covers it). Nothing
 * is written while the served state is unsynchronised: a broadcast says "take this time", and ntpd sends none then
 * either. Pure: the caller owns the buffer and reads the clock.
 */
public final class BroadcastPacket {
    private final NtpPacket packet = new NtpPacket();

    /**
     * Writes the 48-byte header at {@code offset} of {@code tx} (transmit time 0 until {@link #stampTransmit}); returns
     * false, writing nothing, when {@code state} is unsynchronised (LI 3, or stratum 0 on the wire).
     *
     * @param version   the NTP version of the line ({@code broadcast ... version N})
     * @param pollLog2  the broadcast interval, log2 s: clients learn from it when to expect the next one
     * @param nowUnixNs the served clock's time, which the root dispersion is grown to
     */
    public boolean write(ServerState state, int version, int pollLog2, long nowUnixNs, MemorySegment tx, long offset) {
        if (!state.synchronised() || state.stratum() == NtpPacket.STRATUM_UNSPECIFIED) {
            return false;
        }
        packet.wrap(tx, offset, NtpPacket.HEADER_LENGTH).clearHeader()
                .leapVersionMode(state.leap(), version, NtpPacket.MODE_BROADCAST)
                .stratum(state.stratum())
                .pollLog2(pollLog2)
                .precisionLog2(state.precisionLog2())
                .rootDelay(state.rootDelayShort())
                .rootDispersion(state.rootDispersionShortAt(nowUnixNs))
                .refId(state.refId())
                .referenceTs(state.refTimeNtp64());
        return true;
    }

    /** Writes T3, the transmit time, into the header {@link #write} wrote. */
    public void stampTransmit(MemorySegment tx, long offset, long txNtp64) {
        packet.wrap(tx, offset, NtpPacket.HEADER_LENGTH).transmitTs(txNtp64);
    }
}
