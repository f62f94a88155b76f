package org.jntpd.wire;

import java.lang.foreign.MemorySegment;

/**
 * Appends extension fields (RFC 7822) after an NTP header in a caller-owned segment, padding each value with
 * zeros to a multiple of 4 and each field to at least 16 bytes. Nothing is allocated and nothing throws for lack
 * of room: an append that does not fit returns -1 and leaves the packet as it was.
 *
 * <pre>
 * writer.wrap(segment, offset, capacity);               // position = 48, after the header
 * writer.append(ExtensionFieldType.NTS_UNIQUE_IDENTIFIER, uid, 0, 32);
 * long body = writer.reserve(ExtensionFieldType.NTS_AUTHENTICATOR, 4 + 16 + n);   // fill in place
 * writer.padLastFieldWithoutMac();                      // when no MAC follows
 * int length = writer.position();                       // bytes to send
 * </pre>
 */
public final class ExtensionFieldWriter {
    private MemorySegment segment;
    private long packetOffset;
    private int capacity;
    private int position;
    private int lastFieldPosition;

    /** Starts writing after the 48-byte header of the packet at {@code offset}; {@code capacity} bounds the packet. */
    public ExtensionFieldWriter wrap(MemorySegment segment, long offset, int capacity) {
        return wrap(segment, offset, capacity, NtpPacket.HEADER_LENGTH);
    }

    /** Starts writing at {@code position} (relative to the packet), e.g. after fields already present. */
    public ExtensionFieldWriter wrap(MemorySegment segment, long offset, int capacity, int position) {
        this.segment = segment;
        this.packetOffset = offset;
        this.capacity = capacity;
        this.position = position;
        this.lastFieldPosition = -1;
        return this;
    }

    /** Length of the packet written so far (header included): where the next field or the MAC goes. */
    public int position() {
        return position;
    }

    /** Field length for a value of {@code valueLength} bytes: header plus value rounded up to 4, at least 16. */
    public static int fieldLength(int valueLength) {
        int length = ExtensionFieldCursor.FIELD_HEADER_LENGTH + (valueLength + 3 & ~3);
        return Math.max(length, ExtensionFieldCursor.MIN_FIELD_LENGTH);
    }

    /**
     * Appends a field holding {@code valueLength} bytes copied from {@code value}; returns the absolute offset of
     * the field's header, or -1 when it does not fit in the capacity.
     */
    public long append(int type, MemorySegment value, long valueOffset, int valueLength) {
        long valueAt = reserve(type, valueLength);
        if (valueAt < 0) {
            return -1;
        }
        MemorySegment.copy(value, valueOffset, segment, valueAt, valueLength);
        return valueAt - ExtensionFieldCursor.VALUE_OFFSET;
    }

    /**
     * Appends a field whose value the caller writes in place (e.g. ciphertext): writes the header, zeroes value and
     * padding, and returns the absolute offset of the value, or -1 when it does not fit.
     */
    public long reserve(int type, int valueLength) {
        if (valueLength < 0) {
            return -1;
        }
        int length = fieldLength(valueLength);
        if (length > 0xFFFF || length > capacity - position) {
            return -1;
        }
        long at = packetOffset + position;
        BigEndian.u16(segment, at + ExtensionFieldCursor.TYPE_OFFSET, type);
        BigEndian.u16(segment, at + ExtensionFieldCursor.LENGTH_OFFSET, length);
        zero(at + ExtensionFieldCursor.VALUE_OFFSET, length - ExtensionFieldCursor.FIELD_HEADER_LENGTH);
        lastFieldPosition = position;
        position += length;
        return at + ExtensionFieldCursor.VALUE_OFFSET;
    }

    /**
     * Grows the last appended field with zero padding to 28 bytes, as RFC 7822 requires when no MAC follows (so a
     * receiver cannot take it for a MAC). Returns false when the padding does not fit; true otherwise, also when
     * there was nothing to pad.
     */
    public boolean padLastFieldWithoutMac() {
        if (lastFieldPosition < 0) {
            return true;
        }
        long at = packetOffset + lastFieldPosition;
        int length = BigEndian.u16(segment, at + ExtensionFieldCursor.LENGTH_OFFSET);
        int missing = ExtensionFieldCursor.MIN_LAST_FIELD_LENGTH_WITHOUT_MAC - length;
        if (missing <= 0) {
            return true;
        }
        if (missing > capacity - position) {
            return false;
        }
        zero(packetOffset + position, missing);
        BigEndian.u16(segment, at + ExtensionFieldCursor.LENGTH_OFFSET, length + missing);
        position += missing;
        return true;
    }

    private void zero(long from, int length) {
        // byte stores, not asSlice().fill(): no slice object per packet; fields are short
        for (int i = 0; i < length; i++) {
            BigEndian.u8(segment, from + i, 0);
        }
    }
}
