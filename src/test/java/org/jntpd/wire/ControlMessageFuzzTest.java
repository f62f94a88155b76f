package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fuzzes mode 6 control messages ({@link ControlMessage}, RFC 9327): a message the validator accepts has its count of
 * data inside it, only padding or a 20/24-byte MAC after the data (on a 32- or 64-bit boundary), and rebuilding it
 * from its fields with the flyweight's setters gives the same bytes. Seeds: ntpq's requests and NTPsec's responses
 * (src/test/resources/golden/peers/capture.txt).
 */
class ControlMessageFuzzTest {
    @FuzzTest
    void message(byte[] data) {
        int length = data.length;
        MemorySegment segment = MemorySegment.ofArray(data);
        Malformation m = NtpPacketValidator.classify(segment, 0, length);
        if (length >= ControlMessage.HEADER_LENGTH && (data[0] & 0x7) == NtpPacket.MODE_CONTROL) {
            int version = data[0] >>> 3 & 0x7;
            int count = (data[ControlMessage.COUNT_OFFSET] & 0xFF) << 8 | data[ControlMessage.COUNT_OFFSET + 1] & 0xFF;
            if (version >= 1 && version <= 4 && (length & 3) == 0 && count <= length - ControlMessage.HEADER_LENGTH) {
                assertTrue(m == Malformation.CONTROL || m == Malformation.TRAILING_BYTES, m.toString());
            }
        }
        if (m != Malformation.CONTROL) {
            return;
        }
        ControlMessage c = new ControlMessage().wrap(segment, 0, length);
        assertEquals(NtpPacket.MODE_CONTROL, c.mode());
        int count = c.count();
        assertTrue(count <= length - ControlMessage.HEADER_LENGTH, "the data lies inside the message");
        int padded = ControlMessage.paddedLength(count);
        assertTrue(padded <= length && (padded & 3) == 0);
        int mac = c.macPosition();
        if (mac == ControlMessage.NO_MAC) {
            assertTrue(length == padded || length == (ControlMessage.HEADER_LENGTH + count + 7 & ~7),
                    "only padding after the data: " + length + " for count " + count);
        } else {
            assertTrue(mac >= padded && (mac & 3) == 0, "the MAC follows the padded data: " + mac);
            int macLength = length - mac;
            assertTrue(macLength == LegacyMac.MIN_LENGTH || macLength == LegacyMac.MAX_V4_LENGTH, "MAC of " + macLength);
        }
        assertEquals(c.responseErrorMoreOpcode() & ControlMessage.OPCODE_MASK, c.opcode());
        assertEquals((c.responseErrorMoreOpcode() & ControlMessage.RESPONSE_BIT) != 0, c.isResponse());
        assertEquals((c.responseErrorMoreOpcode() & ControlMessage.ERROR_BIT) != 0, c.isError());
        assertEquals((c.responseErrorMoreOpcode() & ControlMessage.MORE_BIT) != 0, c.hasMore());
        assertEquals(ControlMessage.DATA_OFFSET, c.dataStart());

        byte[] copy = new byte[length];
        MemorySegment out = MemorySegment.ofArray(copy);
        new ControlMessage().wrap(out, 0, length)
                .leapVersionMode(c.leap(), c.version(), c.mode())
                .responseErrorMoreOpcode(c.responseErrorMoreOpcode())
                .sequence(c.sequence())
                .status(c.status())
                .associationId(c.associationId())
                .dataOffset(c.dataOffset())
                .count(count);
        MemorySegment.copy(segment, c.dataStart(), out, ControlMessage.DATA_OFFSET, length - ControlMessage.HEADER_LENGTH);
        assertArrayEquals(data, copy, "fields written back: the same bytes");
        assertEquals(Malformation.CONTROL, NtpPacketValidator.classify(out, 0, length));
        int status = c.status();
        assertEquals(status, ControlStatus.system(ControlStatus.systemLeap(status), ControlStatus.systemSource(status),
                ControlStatus.eventCount(status), ControlStatus.eventCode(status)), "a system status word unpacks and packs");
        assertEquals(status, ControlStatus.peer(ControlStatus.peerStatusBits(status), ControlStatus.peerSelection(status),
                ControlStatus.eventCount(status), ControlStatus.eventCode(status)), "a peer status word unpacks and packs");
    }
}
