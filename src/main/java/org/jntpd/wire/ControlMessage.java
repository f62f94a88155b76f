package org.jntpd.wire;

import static org.jntpd.wire.BigEndian.u16;
import static org.jntpd.wire.BigEndian.u8;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over a mode 6 control message (RFC 1305 appendix B, RFC 9327), what ntpq sends and ntpd answers:
 *
 * <pre>
 *  0: LI(2) VN(3) Mode=6(3) | R(1) E(1) M(1) Opcode(5) | Sequence (16)
 *  4: Status (16)           | Association ID (16)
 *  8: Offset (16)           | Count (16)
 * 12: Data (count bytes), zero padding to a 32-bit boundary, [MAC: key ID + 16/20-byte digest]
 * </pre>
 *
 * R = response, E = error, M = more fragments follow. Data is at most {@link #MAX_DATA_LENGTH} bytes per
 * fragment; offset is where this fragment's data sits in the whole response. The status word's meaning depends on
 * the opcode and association: see {@link ControlStatus}. ntpd and ntpq put a MAC on a 64-bit boundary (the data
 * padded to 8); NTPsec's ntpd also accepts one right after the 32-bit padding: {@link #macPosition} allows both.
 */
public final class ControlMessage extends Flyweight {
    public static final int HEADER_LENGTH = 12;
    /** Largest data per fragment in ntpd and NTPsec ({@code CTL_MAX_DATA_LEN}). */
    public static final int MAX_DATA_LENGTH = 468;

    public static final int LI_VN_MODE_OFFSET = 0;
    public static final int REM_OPCODE_OFFSET = 1;
    public static final int SEQUENCE_OFFSET = 2;
    public static final int STATUS_OFFSET = 4;
    public static final int ASSOCIATION_ID_OFFSET = 6;
    public static final int DATA_OFFSET_OFFSET = 8;
    public static final int COUNT_OFFSET = 10;
    public static final int DATA_OFFSET = 12;

    public static final int RESPONSE_BIT = 0x80;
    public static final int ERROR_BIT = 0x40;
    public static final int MORE_BIT = 0x20;
    public static final int OPCODE_MASK = 0x1F;

    public static final int OP_UNSPECIFIED = 0;
    public static final int OP_READ_STATUS = 1;
    public static final int OP_READ_VARIABLES = 2;
    public static final int OP_WRITE_VARIABLES = 3;
    public static final int OP_READ_CLOCK_VARIABLES = 4;
    public static final int OP_WRITE_CLOCK_VARIABLES = 5;
    public static final int OP_SET_TRAP = 6;
    public static final int OP_ASYNC_MESSAGE = 7;
    public static final int OP_CONFIGURE = 8;
    public static final int OP_SAVE_CONFIG = 9;
    public static final int OP_READ_MRU = 10;
    public static final int OP_READ_ORDERED_LIST = 11;
    public static final int OP_REQUEST_NONCE = 12;
    public static final int OP_UNSET_TRAP = 31;

    /** {@link #macPosition} results other than a position. */
    public static final int NO_MAC = -1;
    public static final int TRAILING_GARBAGE = -2;

    public ControlMessage wrap(MemorySegment segment, long offset, int length) {
        point(segment, offset, length);
        return this;
    }

    public int leap() {
        return u8(segment, offset + LI_VN_MODE_OFFSET) >>> 6;
    }

    public int version() {
        return u8(segment, offset + LI_VN_MODE_OFFSET) >>> 3 & 0x7;
    }

    public int mode() {
        return u8(segment, offset + LI_VN_MODE_OFFSET) & 0x7;
    }

    public ControlMessage leapVersionMode(int leap, int version, int mode) {
        BigEndian.u8(segment, offset + LI_VN_MODE_OFFSET, (leap & 0x3) << 6 | (version & 0x7) << 3 | (mode & 0x7));
        return this;
    }

    /** The R, E, M bits and opcode byte. */
    public int responseErrorMoreOpcode() {
        return u8(segment, offset + REM_OPCODE_OFFSET);
    }

    public ControlMessage responseErrorMoreOpcode(int value) {
        BigEndian.u8(segment, offset + REM_OPCODE_OFFSET, value);
        return this;
    }

    public boolean isResponse() {
        return (responseErrorMoreOpcode() & RESPONSE_BIT) != 0;
    }

    public boolean isError() {
        return (responseErrorMoreOpcode() & ERROR_BIT) != 0;
    }

    public boolean hasMore() {
        return (responseErrorMoreOpcode() & MORE_BIT) != 0;
    }

    public int opcode() {
        return responseErrorMoreOpcode() & OPCODE_MASK;
    }

    public int sequence() {
        return u16(segment, offset + SEQUENCE_OFFSET);
    }

    public ControlMessage sequence(int sequence) {
        BigEndian.u16(segment, offset + SEQUENCE_OFFSET, sequence);
        return this;
    }

    /** Status word (see {@link ControlStatus}). */
    public int status() {
        return u16(segment, offset + STATUS_OFFSET);
    }

    public ControlMessage status(int status) {
        BigEndian.u16(segment, offset + STATUS_OFFSET, status);
        return this;
    }

    /** Association ID; 0 addresses the system variables. */
    public int associationId() {
        return u16(segment, offset + ASSOCIATION_ID_OFFSET);
    }

    public ControlMessage associationId(int associationId) {
        BigEndian.u16(segment, offset + ASSOCIATION_ID_OFFSET, associationId);
        return this;
    }

    /** Offset of this fragment's data within the whole response. */
    public int dataOffset() {
        return u16(segment, offset + DATA_OFFSET_OFFSET);
    }

    public ControlMessage dataOffset(int dataOffset) {
        BigEndian.u16(segment, offset + DATA_OFFSET_OFFSET, dataOffset);
        return this;
    }

    /** Number of data bytes in this fragment. */
    public int count() {
        return u16(segment, offset + COUNT_OFFSET);
    }

    public ControlMessage count(int count) {
        BigEndian.u16(segment, offset + COUNT_OFFSET, count);
        return this;
    }

    /** Absolute offset of the data in {@link #segment()}. */
    public long dataStart() {
        return offset + DATA_OFFSET;
    }

    /** Header and data rounded up to a 32-bit boundary: the length of an unauthenticated message. */
    public static int paddedLength(int count) {
        return HEADER_LENGTH + count + 3 & ~3;
    }

    /**
     * Where the MAC of a message of {@code length} bytes and {@code count} data bytes starts (relative to the
     * message), {@link #NO_MAC} when only padding follows the data (to 4 or 8 bytes), or {@link #TRAILING_GARBAGE}.
     * The caller has checked that {@code length} is a multiple of 4 and {@code count <= length - 12}. A MAC is 20
     * or 24 bytes; it sits on a 64-bit boundary (ntpd, ntpq) or, failing that, right after the 32-bit padding
     * (accepted by NTPsec).
     */
    public static int macPosition(int length, int count) {
        int padded4 = paddedLength(count);
        int padded8 = HEADER_LENGTH + count + 7 & ~7;
        int rest4 = length - padded4;
        if (rest4 == 0 || length == padded8) {
            return NO_MAC;
        }
        int rest8 = length - padded8;
        if (rest8 == LegacyMac.MIN_LENGTH || rest8 == LegacyMac.MAX_V4_LENGTH) {
            return padded8;
        }
        if (rest4 == LegacyMac.MIN_LENGTH || rest4 == LegacyMac.MAX_V4_LENGTH) {
            return padded4;
        }
        return TRAILING_GARBAGE;
    }

    /** {@link #macPosition(int, int)} of this message: the MAC's position relative to {@link #offset()}, or a code. */
    public int macPosition() {
        return macPosition(length, count());
    }
}
