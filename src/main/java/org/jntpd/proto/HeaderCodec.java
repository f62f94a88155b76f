package org.jntpd.proto;

import org.jntpd.wire.NtpPacket;

/** Moves the 48-byte header between the wire flyweight and {@link HeaderFields}, field for field. No allocation. */
public final class HeaderCodec {
    private HeaderCodec() {}

    /** Decodes {@code p}'s header into {@code h} (returns h). */
    public static HeaderFields decode(NtpPacket p, HeaderFields h) {
        return h.set(p.leap(), p.version(), p.effectiveMode(), p.stratum(), p.pollLog2(), p.precisionLog2(),
                p.rootDelay(), p.rootDispersion(), p.refId(), p.referenceTs(), p.originTs(), p.receiveTs(), p.transmitTs());
    }

    /** Encodes {@code h} into {@code p}'s header (returns p). */
    public static NtpPacket encode(HeaderFields h, NtpPacket p) {
        return p.leapVersionMode(h.leap, h.version, h.mode).stratum(h.stratum).pollLog2(h.poll).precisionLog2(h.precision)
                .rootDelay(h.rootDelay).rootDispersion(h.rootDispersion).refId(h.refId).referenceTs(h.reference)
                .originTs(h.origin).receiveTs(h.receive).transmitTs(h.transmit);
    }
}
