package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fuzzes the extension field walk ({@link ExtensionFieldCursor}, RFC 7822): fields tile the packet from byte 48,
 * each inside it; the cursor and {@link NtpPacketValidator} reach the same verdict; and a well-formed packet rebuilt
 * field by field with {@link ExtensionFieldWriter} (and its MAC with {@link LegacyMac#write}) is the same bytes.
 * Seeds: NTS requests and replies of chronyd and NTPsec, symmetric-key packets (../shared/golden/auth).
 */
class ExtensionFieldCursorFuzzTest {
    @FuzzTest
    void fields(byte[] data) {
        int length = data.length;
        MemorySegment packet = MemorySegment.ofArray(data);
        byte[] copy = new byte[length];
        System.arraycopy(data, 0, copy, 0, Math.min(length, NtpPacket.HEADER_LENGTH));
        MemorySegment rebuilt = MemorySegment.ofArray(copy);
        ExtensionFieldWriter writer = new ExtensionFieldWriter().wrap(rebuilt, 0, length);
        ExtensionFieldCursor cursor = new ExtensionFieldCursor().wrap(packet, 0, length);
        int end = NtpPacket.HEADER_LENGTH;
        int count = 0;
        while (cursor.next()) {
            count++;
            assertEquals(end, cursor.fieldOffset(), "fields follow one another");
            assertEquals(end, cursor.fieldPosition());
            int fieldLength = cursor.fieldLength();
            assertTrue(fieldLength >= ExtensionFieldCursor.MIN_FIELD_LENGTH && (fieldLength & 3) == 0, "field length " + fieldLength);
            assertTrue(end + fieldLength <= length, "the field lies inside the packet");
            assertEquals(fieldLength - ExtensionFieldCursor.FIELD_HEADER_LENGTH, cursor.valueLength());
            assertEquals(cursor.fieldOffset() + ExtensionFieldCursor.VALUE_OFFSET, cursor.valueOffset());
            assertEquals(count, cursor.count());
            int type = cursor.type();
            assertTrue(type >= 0 && type <= 0xFFFF);
            assertEquals(cursor.fieldOffset(), writer.append(type, packet, cursor.valueOffset(), cursor.valueLength()),
                    "the writer puts the field where the cursor found it");
            end += fieldLength;
        }
        Malformation m = cursor.malformation();
        assertNotNull(m, "a finished walk says why it ended");
        assertTrue(m == Malformation.OK || !m.wellFormed());

        if (length >= 1) {
            int version = data[0] >>> 3 & 0x7;
            int mode = data[0] & 0x7;
            if (version >= 1 && version <= 4 && mode <= 5 && (mode != 0 || version == 1)) {
                assertEquals(NtpPacketValidator.classify(packet, 0, length), m, "the cursor and the validator agree");
            }
        }
        if (m != Malformation.OK) {
            return;
        }
        LegacyMac mac = new LegacyMac();
        if (cursor.mac(mac)) {
            assertEquals(end, cursor.macOffset(), "the MAC follows the last field");
            assertEquals(length, end + cursor.macLength(), "the MAC ends the packet");
            assertEquals(cursor.macLength(), mac.length());
            int written = mac.isCryptoNak() ? LegacyMac.writeCryptoNak(rebuilt, end)
                    : LegacyMac.write(rebuilt, end, mac.keyId(), packet, mac.digestOffset(), mac.digestLength());
            assertEquals(cursor.macLength(), written);
        } else {
            assertEquals(-1, cursor.macOffset());
            assertEquals(0, cursor.macLength());
            assertEquals(length, end, "without a MAC the fields end the packet");
        }
        assertArrayEquals(data, rebuilt.toArray(ValueLayout.JAVA_BYTE), "walk, rewrite: the same bytes");

        cursor.rewind();
        int again = 0;
        while (cursor.next()) {
            again++;
        }
        assertEquals(count, again, "a rewound walk finds the same fields");
        assertEquals(Malformation.OK, cursor.malformation());
    }
}
