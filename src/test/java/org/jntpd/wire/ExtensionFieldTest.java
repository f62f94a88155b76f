package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExtensionFieldTest {
    private final ExtensionFieldWriter writer = new ExtensionFieldWriter();
    private final ExtensionFieldCursor cursor = new ExtensionFieldCursor();

    private static MemorySegment header(int capacity, int version) {
        MemorySegment s = MemorySegment.ofArray(new byte[capacity]);
        new NtpPacket().wrap(s, 0, capacity).leapVersionMode(0, version, NtpPacket.MODE_CLIENT);
        return s;
    }

    @Test
    void shouldPadValuesToWordsAndFieldsTo16Bytes() {
        assertEquals(16, ExtensionFieldWriter.fieldLength(0));
        assertEquals(16, ExtensionFieldWriter.fieldLength(12));
        assertEquals(20, ExtensionFieldWriter.fieldLength(13));
        assertEquals(36, ExtensionFieldWriter.fieldLength(32));
        assertEquals(104, ExtensionFieldWriter.fieldLength(100));
    }

    @Test
    void shouldWriteFieldBytesExactly() {
        MemorySegment s = header(128, 4);
        s.asSlice(48).fill((byte) 0xEE); // stale bytes the writer must overwrite with padding
        writer.wrap(s, 0, 128);
        long at = writer.append(0x0104, MemorySegment.ofArray(Bytes.hex("0102030405")), 0, 5);
        assertEquals(48, at);
        assertEquals(48 + 16, writer.position());
        assertEquals("01040010" + "0102030405" + "000000" + "00000000",
                Bytes.hex(s.asSlice(48, 16).toArray(ValueLayout.JAVA_BYTE)));
        assertEquals((byte) 0xEE, s.get(ValueLayout.JAVA_BYTE, 64));
    }

    @Test
    void shouldPadTheLastFieldTo28BytesWhenNoMacFollows() {
        MemorySegment s = header(128, 4);
        writer.wrap(s, 0, 128);
        writer.append(0x0104, MemorySegment.ofArray(new byte[16]), 0, 16); // 20 bytes: would read as a MAC
        assertEquals(68, writer.position());
        assertEquals(Malformation.OK, NtpPacketValidator.classify(s, 0, writer.position()));
        cursor.wrap(s, 0, writer.position());
        assertFalse(cursor.next()); // taken for a 20-byte MAC, as RFC 7822 says a receiver must
        assertEquals(48, cursor.macOffset());

        assertTrue(writer.padLastFieldWithoutMac());
        assertEquals(48 + 28, writer.position());
        cursor.wrap(s, 0, writer.position());
        assertTrue(cursor.next());
        assertEquals(28, cursor.fieldLength());
        assertFalse(cursor.next());
        assertEquals(Malformation.OK, cursor.malformation());
        assertEquals(-1, cursor.macOffset());
    }

    @Test
    void shouldRefuseFieldsThatDoNotFitAndLeaveThePacketAsItWas() {
        MemorySegment s = header(48 + 40, 4);
        writer.wrap(s, 0, 48 + 40);
        assertEquals(48, writer.append(0x0204, MemorySegment.ofArray(new byte[20]), 0, 20)); // 24 bytes
        assertEquals(-1, writer.reserve(0x0304, 13)); // 20 bytes > 16 left
        assertEquals(72, writer.position());
        assertTrue(writer.reserve(0x0304, 12) > 0); // exactly 16
        assertEquals(88, writer.position());
        assertEquals(-1, writer.reserve(0x0304, 0));
        assertEquals(-1, writer.reserve(0x0304, -1));
        assertFalse(writer.padLastFieldWithoutMac()); // 16 -> 28 needs 12 more bytes
    }

    @Test
    void shouldWalkFieldsThenFindTheMac() {
        MemorySegment s = header(256, 4);
        writer.wrap(s, 0, 256);
        writer.append(ExtensionFieldType.NTS_UNIQUE_IDENTIFIER, MemorySegment.ofArray(new byte[32]), 0, 32);
        long placeholder = writer.reserve(ExtensionFieldType.NTS_COOKIE_PLACEHOLDER, 100);
        int macAt = writer.position();
        int length = macAt + LegacyMac.write(s, macAt, 0xCAFE, MemorySegment.ofArray(new byte[20]), 0, 20);
        assertEquals(Malformation.OK, NtpPacketValidator.classify(s, 0, length));

        cursor.wrap(s, 0, length);
        assertTrue(cursor.next());
        assertEquals(ExtensionFieldType.NTS_UNIQUE_IDENTIFIER, cursor.type());
        assertEquals(48, cursor.fieldOffset());
        assertEquals(52, cursor.valueOffset());
        assertEquals(32, cursor.valueLength());
        assertTrue(cursor.next());
        assertEquals(ExtensionFieldType.NTS_COOKIE_PLACEHOLDER, cursor.type());
        assertEquals(placeholder, cursor.valueOffset());
        assertEquals(100, cursor.valueLength());
        assertEquals(84, cursor.fieldPosition());
        assertFalse(cursor.next());
        assertFalse(cursor.next()); // stays at the end
        assertEquals(2, cursor.count());
        assertEquals(Malformation.OK, cursor.malformation());
        assertEquals(macAt, cursor.macOffset());
        assertEquals(24, cursor.macLength());
        LegacyMac mac = new LegacyMac();
        assertTrue(cursor.mac(mac));
        assertEquals(0xCAFE, mac.keyId());
        assertEquals(20, mac.digestLength());
        assertFalse(mac.isCryptoNak());

        cursor.rewind();
        assertNull(cursor.malformation());
        assertTrue(cursor.next());
        assertEquals(ExtensionFieldType.NTS_UNIQUE_IDENTIFIER, cursor.type());
    }

    @Test
    void shouldReportWhyTheWalkStopped() {
        MemorySegment s = header(48 + 32, 4);
        s.set(ValueLayout.JAVA_BYTE, 48 + 3, (byte) 40); // field of 40 in 32 bytes
        cursor.wrap(s, 0, 80);
        assertFalse(cursor.next());
        assertEquals(Malformation.EXTENSION_OVERRUNS, cursor.malformation());
        assertEquals(-1, cursor.macOffset());
        assertEquals(0, cursor.count());

        cursor.wrap(s, 0, 47);
        assertFalse(cursor.next());
        assertEquals(Malformation.TOO_SHORT, cursor.malformation());
    }

    @Test
    void shouldSeeNoExtensionFieldsInNtpV3() {
        MemorySegment s = header(48 + 36, 3);
        s.set(ValueLayout.JAVA_BYTE, 48 + 3, (byte) 36); // would be a valid field in NTPv4
        cursor.wrap(s, 0, 84);
        assertFalse(cursor.next());
        assertEquals(Malformation.OK, cursor.malformation());
        assertEquals(48, cursor.macOffset());
        assertEquals(36, cursor.macLength());
    }

    @Test
    void shouldRecognizeACryptoNak() {
        MemorySegment s = header(52, 4);
        cursor.wrap(s, 0, 52);
        assertFalse(cursor.next());
        LegacyMac mac = new LegacyMac();
        assertTrue(cursor.mac(mac));
        assertTrue(mac.isCryptoNak());
        assertEquals(0, mac.digestLength());
    }

    private record Field(int type, byte[] value) {}

    @Test
    void shouldRoundTripRandomFieldsThroughWriterAndCursor() {
        SplittableRandom random = new SplittableRandom(8915);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeBuffer = arena.allocate(2048);
            for (int i = 0; i < 2_000; i++) {
                MemorySegment s = random.nextBoolean() ? nativeBuffer : MemorySegment.ofArray(new byte[2048]);
                int base = random.nextInt(8);
                new NtpPacket().wrap(s, base, 48).clearHeader().leapVersionMode(0, 4, 3);
                writer.wrap(s, base, 2048 - base);
                List<Field> fields = new ArrayList<>();
                int n = random.nextInt(5);
                for (int f = 0; f < n; f++) {
                    byte[] value = new byte[random.nextInt(120)];
                    random.nextBytes(value);
                    int type = random.nextInt(0x10000);
                    writer.append(type, MemorySegment.ofArray(value), 0, value.length);
                    fields.add(new Field(type, value));
                }
                int macLength = switch (random.nextInt(3)) {
                    case 0 -> 0;
                    case 1 -> 20;
                    default -> 24;
                };
                if (macLength == 0) {
                    assertTrue(writer.padLastFieldWithoutMac());
                }
                int length = writer.position();
                if (macLength > 0) {
                    byte[] digest = new byte[macLength - 4];
                    random.nextBytes(digest);
                    length += LegacyMac.write(s, base + length, random.nextInt(), MemorySegment.ofArray(digest), 0, digest.length);
                }
                assertEquals(Malformation.OK, NtpPacketValidator.classify(s, base, length));
                cursor.wrap(s, base, length);
                for (Field expected : fields) {
                    assertTrue(cursor.next());
                    assertEquals(expected.type(), cursor.type());
                    byte[] value = s.asSlice(cursor.valueOffset(), expected.value().length).toArray(ValueLayout.JAVA_BYTE);
                    assertArrayEquals(expected.value(), value);
                    for (long p = cursor.valueOffset() + expected.value().length; p < cursor.fieldOffset() + cursor.fieldLength(); p++) {
                        assertEquals(0, s.get(ValueLayout.JAVA_BYTE, p), "padding is zero");
                    }
                }
                assertFalse(cursor.next());
                assertEquals(Malformation.OK, cursor.malformation());
                assertEquals(macLength, cursor.macLength());
            }
        }
    }
}
