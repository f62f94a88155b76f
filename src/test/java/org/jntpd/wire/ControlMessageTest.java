package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ControlMessageTest {
    private final ControlMessage message = new ControlMessage();

    @Test
    void shouldWriteAReadVariablesResponseHeaderExactly() {
        byte[] out = new byte[24];
        message.wrap(MemorySegment.ofArray(out), 0, 24)
                .leapVersionMode(0, 2, NtpPacket.MODE_CONTROL)
                .responseErrorMoreOpcode(ControlMessage.RESPONSE_BIT | ControlMessage.OP_READ_VARIABLES)
                .sequence(2).status(ControlStatus.system(0, ControlStatus.SOURCE_UNSPECIFIED, 1, 4))
                .associationId(0).dataOffset(0).count(11);
        assertEquals("16820002001400000000000b" + "000000000000000000000000", Bytes.hex(out));
        assertTrue(message.isResponse());
        assertFalse(message.isError());
        assertFalse(message.hasMore());
        assertEquals(ControlMessage.OP_READ_VARIABLES, message.opcode());
        assertEquals(12, message.dataStart());
        assertEquals(24, ControlMessage.paddedLength(message.count()));
    }

    @Test
    void shouldPackAndUnpackStatusWords() {
        int system = ControlStatus.system(3, ControlStatus.SOURCE_NTP, 5, 0xC);
        assertEquals(0xC65C, system);
        assertEquals(3, ControlStatus.systemLeap(system));
        assertEquals(ControlStatus.SOURCE_NTP, ControlStatus.systemSource(system));
        assertEquals(5, ControlStatus.eventCount(system));
        assertEquals(0xC, ControlStatus.eventCode(system));

        int peer = ControlStatus.peer(ControlStatus.PEER_CONFIGURED | ControlStatus.PEER_REACHABLE,
                ControlStatus.SELECT_SYSTEM_PEER, 1, 0xA);
        assertEquals(0x961A, peer);
        assertEquals(0x90, ControlStatus.peerStatusBits(peer));
        assertEquals(ControlStatus.SELECT_SYSTEM_PEER, ControlStatus.peerSelection(peer));

        assertEquals(0x0500, ControlStatus.error(ControlStatus.ERROR_UNKNOWN_VARIABLE));
        assertEquals(ControlStatus.ERROR_UNKNOWN_VARIABLE, ControlStatus.errorCode(0x0500));
        assertEquals(0x0203, ControlStatus.clock(2, 3));
    }

    @Test
    void shouldPlaceMacsOnA64BitBoundaryOrAfterThe32BitPadding() {
        // count 0: header 12, padded to 16 for a MAC on 64 bits.
        assertEquals(ControlMessage.NO_MAC, ControlMessage.macPosition(12, 0));
        assertEquals(ControlMessage.NO_MAC, ControlMessage.macPosition(16, 0));
        assertEquals(16, ControlMessage.macPosition(36, 0));
        assertEquals(16, ControlMessage.macPosition(40, 0));
        // count 7: data ends at 19, padded4 20, padded8 24.
        assertEquals(ControlMessage.NO_MAC, ControlMessage.macPosition(20, 7));
        assertEquals(ControlMessage.NO_MAC, ControlMessage.macPosition(24, 7));
        assertEquals(24, ControlMessage.macPosition(44, 7));
        assertEquals(24, ControlMessage.macPosition(48, 7)); // 24-byte MAC after 8-padding (ntpq's way)...
        assertEquals(20, ControlMessage.macPosition(40, 7)); // ...20-byte MAC right after 4-padding (NTPsec accepts)
        assertEquals(ControlMessage.TRAILING_GARBAGE, ControlMessage.macPosition(32, 7));
        assertEquals(ControlMessage.TRAILING_GARBAGE, ControlMessage.macPosition(56, 7));
        // count 11: padded4 = padded8 = 24.
        assertEquals(24, ControlMessage.macPosition(44, 11));
        assertEquals(24, ControlMessage.macPosition(48, 11));
        assertEquals(ControlMessage.TRAILING_GARBAGE, ControlMessage.macPosition(28, 11));
    }

    @Test
    void shouldRoundTripRandomHeaders() {
        SplittableRandom random = new SplittableRandom(9327);
        ControlMessage reader = new ControlMessage();
        for (int i = 0; i < 5_000; i++) {
            byte[] b = new byte[12];
            int version = random.nextInt(8);
            int leap = random.nextInt(4);
            int rem = random.nextInt(256);
            int sequence = random.nextInt(0x10000);
            int status = random.nextInt(0x10000);
            int association = random.nextInt(0x10000);
            int offset = random.nextInt(0x10000);
            int count = random.nextInt(0x10000);
            message.wrap(MemorySegment.ofArray(b), 0, 12).leapVersionMode(leap, version, 6).responseErrorMoreOpcode(rem)
                    .sequence(sequence).status(status).associationId(association).dataOffset(offset).count(count);
            reader.wrap(MemorySegment.ofArray(b), 0, 12);
            assertEquals(leap, reader.leap());
            assertEquals(version, reader.version());
            assertEquals(6, reader.mode());
            assertEquals(rem, reader.responseErrorMoreOpcode());
            assertEquals(rem & 0x1F, reader.opcode());
            assertEquals((rem & 0x80) != 0, reader.isResponse());
            assertEquals((rem & 0x40) != 0, reader.isError());
            assertEquals((rem & 0x20) != 0, reader.hasMore());
            assertEquals(sequence, reader.sequence());
            assertEquals(status, reader.status());
            assertEquals(association, reader.associationId());
            assertEquals(offset, reader.dataOffset());
            assertEquals(count, reader.count());
        }
    }
}
