package org.jntpd.wire;

import static org.jntpd.wire.BigEndian.i32;
import static org.jntpd.wire.BigEndian.u16;
import static org.jntpd.wire.BigEndian.u8;

import java.lang.foreign.MemorySegment;

/**
 * Classifies received bytes before any flyweight reads them: returns {@link Malformation#OK},
 * {@link Malformation#CONTROL} or {@link Malformation#PRIVATE} for a packet the server may consider, otherwise the
 * first rule broken. Never throws on any content, reads only {@code [offset, offset + length)} and allocates nothing.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>Version 1-4 for every mode (RFC 5905 section 9.2 keeps serving older versions; ntpd and chrony accept
 *       1-4 too).</li>
 *   <li>Mode 6: a 12-byte header, length a multiple of 4, count within the packet, then only padding and an
 *       optional 20/24-byte MAC (see {@link ControlMessage#macPosition}). Mode 7: at least its 8-byte header.</li>
 *   <li>Mode 0 only with version 1. NTPv1 had no mode field; ntpd and chrony answer NTPv1 mode 0 as a client
 *       request, and so do we (see {@link NtpPacket#effectiveMode()}). Other mode 0 packets are refused.</li>
 *   <li>Modes 1-5: the 48-byte header, then whole 32-bit words. NTPv1-3 have no extension fields: anything after
 *       the header is a MAC of 20-68 bytes, or a 4-byte crypto-NAK (key ID 0). NTPv4 follows RFC 7822's
 *       deterministic rule, as chrony does: a remainder of 24 bytes or fewer is a MAC (20 or 24 bytes, or the
 *       crypto-NAK straight after the header); a longer one starts an extension field of at least 16 bytes, a
 *       multiple of 4, inside the packet.</li>
 * </ol>
 * RFC 7822's "last extension field without a MAC is at least 28 bytes" is a sender's rule (it is what keeps the
 * parse deterministic); a receiver applying the rule above needs no separate check.
 */
public final class NtpPacketValidator {
    /** {@link #step} results other than a field length. */
    static final int STEP_END = 0;
    static final int STEP_MAC = -1;
    static final int STEP_CRYPTO_NAK = -2;
    private static final int STEP_ERROR = -3; // STEP_ERROR - ordinal: a malformation

    /** Cached because {@code values()} clones its array on every call. */
    private static final Malformation[] MALFORMATIONS = Malformation.values();

    private static final int PRIVATE_HEADER_LENGTH = 8;

    private NtpPacketValidator() {}

    /** Classifies the {@code length} bytes at {@code offset} of {@code segment}. */
    public static Malformation classify(MemorySegment segment, long offset, int length) {
        if (length < 1) {
            return Malformation.TOO_SHORT;
        }
        int lvm = u8(segment, offset);
        int version = lvm >>> 3 & 0x7;
        int mode = lvm & 0x7;
        if (version < NtpPacket.VERSION_1 || version > NtpPacket.VERSION_4) {
            return Malformation.BAD_VERSION;
        }
        if (mode == NtpPacket.MODE_CONTROL) {
            return classifyControl(segment, offset, length);
        }
        if (mode == NtpPacket.MODE_PRIVATE) {
            return length < PRIVATE_HEADER_LENGTH ? Malformation.TOO_SHORT : Malformation.PRIVATE;
        }
        if (mode == NtpPacket.MODE_RESERVED && version != NtpPacket.VERSION_1) {
            return Malformation.BAD_MODE;
        }
        if (length < NtpPacket.HEADER_LENGTH) {
            return Malformation.TOO_SHORT;
        }
        int position = NtpPacket.HEADER_LENGTH;
        int step;
        while ((step = step(segment, offset, length, position, version)) > 0) {
            position += step; // each field is >= 16 bytes, so the loop ends
        }
        return step >= STEP_CRYPTO_NAK ? Malformation.OK : malformation(step);
    }

    private static Malformation classifyControl(MemorySegment segment, long offset, int length) {
        if (length < ControlMessage.HEADER_LENGTH) {
            return Malformation.TOO_SHORT;
        }
        if ((length & 3) != 0) {
            return Malformation.UNALIGNED_LENGTH;
        }
        int count = u16(segment, offset + ControlMessage.COUNT_OFFSET);
        if (count > length - ControlMessage.HEADER_LENGTH) {
            return Malformation.BAD_CONTROL_COUNT;
        }
        return ControlMessage.macPosition(length, count) == ControlMessage.TRAILING_GARBAGE
                ? Malformation.TRAILING_BYTES
                : Malformation.CONTROL;
    }

    /**
     * What starts at {@code position} (relative to the packet) of a packet of modes 0-5 with a complete header:
     * the length of a valid extension field (&gt; 0), {@link #STEP_END}, {@link #STEP_MAC} (the rest is a MAC),
     * {@link #STEP_CRYPTO_NAK}, or a malformation code for {@link #malformation(int)}.
     */
    static int step(MemorySegment segment, long offset, int length, int position, int version) {
        int remaining = length - position;
        if (remaining == 0) {
            return STEP_END;
        }
        if ((remaining & 3) != 0) {
            return error(Malformation.UNALIGNED_LENGTH);
        }
        if (remaining == LegacyMac.CRYPTO_NAK_LENGTH && position == NtpPacket.HEADER_LENGTH
                && i32(segment, offset + position) == 0) {
            return STEP_CRYPTO_NAK;
        }
        if (version < NtpPacket.VERSION_4) {
            return remaining >= LegacyMac.MIN_LENGTH && remaining <= LegacyMac.MAX_V3_LENGTH
                    ? STEP_MAC
                    : error(Malformation.BAD_MAC_LENGTH);
        }
        if (remaining <= LegacyMac.MAX_V4_LENGTH) {
            return remaining >= LegacyMac.MIN_LENGTH ? STEP_MAC : error(Malformation.BAD_MAC_LENGTH);
        }
        int fieldLength = u16(segment, offset + position + ExtensionFieldCursor.LENGTH_OFFSET);
        if (fieldLength < ExtensionFieldCursor.MIN_FIELD_LENGTH || (fieldLength & 3) != 0) {
            return error(Malformation.BAD_EXTENSION_LENGTH);
        }
        if (fieldLength > remaining) {
            return error(Malformation.EXTENSION_OVERRUNS);
        }
        return fieldLength;
    }

    /** The malformation a negative {@link #step} code below {@link #STEP_CRYPTO_NAK} stands for. */
    static Malformation malformation(int step) {
        return MALFORMATIONS[STEP_ERROR - step];
    }

    private static int error(Malformation m) {
        return STEP_ERROR - m.ordinal();
    }
}
