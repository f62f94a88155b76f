package org.jntpd.wire;

import static org.jntpd.wire.BigEndian.u16;
import static org.jntpd.wire.BigEndian.u8;

import java.lang.foreign.MemorySegment;

/**
 * Walks the extension fields after an NTP header (RFC 7822), then tells where the MAC is, without allocating:
 *
 * <pre>
 * cursor.wrap(segment, offset, length);
 * while (cursor.next()) {
 *     if (cursor.type() == ExtensionFieldType.NTS_COOKIE) { ... cursor.valueOffset(), cursor.valueLength() ... }
 * }
 * if (cursor.malformation() != Malformation.OK) { drop } else if (cursor.macLength() > 0) { ... cursor.macOffset() ... }
 * </pre>
 *
 * Field layout: type (16 bits), length of the whole field including this 4-byte header and padding (16 bits),
 * value. The parse follows {@link NtpPacketValidator}'s rules (the same code decides), so a packet classified
 * {@link Malformation#OK} walks to the end with {@code malformation() == OK}; walk only such packets (modes 0-5):
 * the cursor does not check version or mode, and never throws on any bytes. Offsets returned are absolute in the
 * segment. Reads stay within {@code [offset, offset + length)}; the header's first byte (for the version) must be
 * there when {@code length >= 1}.
 */
public final class ExtensionFieldCursor {
    public static final int TYPE_OFFSET = 0;
    public static final int LENGTH_OFFSET = 2;
    public static final int VALUE_OFFSET = 4;
    public static final int FIELD_HEADER_LENGTH = 4;
    /** Shortest extension field (RFC 7822 section 3). */
    public static final int MIN_FIELD_LENGTH = 16;
    /** Shortest last extension field when no MAC follows (RFC 7822 section 3), so it cannot pass for a MAC. */
    public static final int MIN_LAST_FIELD_LENGTH_WITHOUT_MAC = 28;

    private MemorySegment segment;
    private long packetOffset;
    private int packetLength;
    private int version;
    private int position; // start of the current field, relative to the packet
    private int fieldLength;
    private int count;
    private boolean done;
    private Malformation malformation;
    private int macPosition;
    private int macLength;

    /** Starts a walk over the packet of {@code length} bytes at {@code offset}; returns {@code this}. */
    public ExtensionFieldCursor wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.packetOffset = offset;
        this.packetLength = length;
        this.version = length >= 1 ? u8(segment, offset) >>> 3 & 0x7 : 0;
        rewind();
        return this;
    }

    /** Goes back before the first field of the same packet. */
    public ExtensionFieldCursor rewind() {
        position = NtpPacket.HEADER_LENGTH;
        fieldLength = 0;
        count = 0;
        macPosition = -1;
        macLength = 0;
        if (packetLength < NtpPacket.HEADER_LENGTH) {
            done = true;
            malformation = Malformation.TOO_SHORT;
        } else {
            done = false;
            malformation = null;
        }
        return this;
    }

    /**
     * Moves to the next extension field: true when there is one. False at the end of the fields; then
     * {@link #malformation()} says whether the rest was well-formed and {@link #macOffset()} where a MAC is.
     */
    public boolean next() {
        if (done) {
            return false;
        }
        position += fieldLength;
        int step = NtpPacketValidator.step(segment, packetOffset, packetLength, position, version);
        if (step > 0) {
            fieldLength = step;
            count++;
            return true;
        }
        done = true;
        fieldLength = 0;
        if (step == NtpPacketValidator.STEP_MAC || step == NtpPacketValidator.STEP_CRYPTO_NAK) {
            macPosition = position;
            macLength = packetLength - position;
            malformation = Malformation.OK;
        } else if (step == NtpPacketValidator.STEP_END) {
            malformation = Malformation.OK;
        } else {
            malformation = NtpPacketValidator.malformation(step);
        }
        return false;
    }

    /** The segment being walked. */
    public MemorySegment segment() {
        return segment;
    }

    /** Field type of the current field. */
    public int type() {
        return u16(segment, packetOffset + position + TYPE_OFFSET);
    }

    /** Length of the current field, header and padding included. */
    public int fieldLength() {
        return fieldLength;
    }

    /** Absolute offset of the current field's header. */
    public long fieldOffset() {
        return packetOffset + position;
    }

    /** Offset of the current field relative to the start of the packet (e.g. the end of NTS associated data). */
    public int fieldPosition() {
        return position;
    }

    /** Absolute offset of the current field's value. */
    public long valueOffset() {
        return packetOffset + position + VALUE_OFFSET;
    }

    /** Length of the value including any padding the sender added (the field format does not say how much). */
    public int valueLength() {
        return fieldLength - FIELD_HEADER_LENGTH;
    }

    /** Fields walked so far. */
    public int count() {
        return count;
    }

    /** Null while fields remain; after {@link #next()} returned false, OK or why the walk stopped. */
    public Malformation malformation() {
        return malformation;
    }

    /** Absolute offset of the MAC (key ID first) once the walk ended, or -1 when there is none. */
    public long macOffset() {
        return macPosition < 0 ? -1 : packetOffset + macPosition;
    }

    /** Length of the MAC (key ID and digest; 4 for a crypto-NAK), 0 when there is none. */
    public int macLength() {
        return macLength;
    }

    /** Points {@code mac} at this packet's MAC and returns true, or returns false when the packet has none. */
    public boolean mac(LegacyMac mac) {
        if (macPosition < 0) {
            return false;
        }
        mac.wrap(segment, packetOffset + macPosition, macLength);
        return true;
    }
}
