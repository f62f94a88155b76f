package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.junit.jupiter.api.Test;

class NtpPacketTest {
    // RFC 5905 figure 8 laid out by hand: every field a distinct value, multi-byte fields big-endian.
    private static final String HEADER = "dc" + "02" + "fa" + "ec" // LI 3, VN 3, mode 4; stratum 2; poll -6; precision -20
            + "00018000" // root delay 1.5 s
            + "0000c000" // root dispersion 0.75 s
            + "c0000201" // refid 192.0.2.1
            + "e0000000" + "80000000" // reference
            + "e0000001" + "40000000" // origin
            + "e0000002" + "c0000000" // receive
            + "e0000003" + "00000001"; // transmit

    private final NtpPacket packet = new NtpPacket();

    @Test
    void shouldReadEveryHeaderFieldBigEndian() {
        packet.wrap(Bytes.heap(Bytes.hex(HEADER)), 0, 48);
        assertEquals(NtpPacket.LEAP_UNSYNCHRONIZED, packet.leap());
        assertEquals(3, packet.version());
        assertEquals(NtpPacket.MODE_SERVER, packet.mode());
        assertEquals(2, packet.stratum());
        assertEquals(-6, packet.pollLog2());
        assertEquals(-20, packet.precisionLog2());
        assertEquals(1_500_000_000L, NtpShort.toNs(packet.rootDelay()));
        assertEquals(750_000_000L, NtpShort.toNs(packet.rootDispersion()));
        assertEquals(0xC0000201, packet.refId());
        assertEquals(0xE0000000_80000000L, packet.referenceTs());
        assertEquals(0xE0000001_40000000L, packet.originTs());
        assertEquals(0xE0000002_C0000000L, packet.receiveTs());
        assertEquals(0xE0000003_00000001L, packet.transmitTs());
        assertEquals(1_500_000_000L, NtpTimestamp.diffNs(packet.receiveTs(), packet.originTs()));
    }

    @Test
    void shouldWriteTheSameBytesItReads() {
        byte[] out = new byte[48];
        packet.wrap(MemorySegment.ofArray(out), 0, 48)
                .leapVersionMode(3, 3, 4).stratum(2).pollLog2(-6).precisionLog2(-20)
                .rootDelay(0x0001_8000).rootDispersion(0x0000_C000).refId(0xC0000201)
                .referenceTs(0xE0000000_80000000L).originTs(0xE0000001_40000000L)
                .receiveTs(0xE0000002_C0000000L).transmitTs(0xE0000003_00000001L);
        assertEquals(HEADER, Bytes.hex(out));
    }

    @Test
    void shouldSetBitFieldsWithoutDisturbingNeighbours() {
        byte[] out = new byte[48];
        packet.wrap(MemorySegment.ofArray(out), 0, 48).leapVersionMode(3, 7, 7);
        packet.version(4);
        assertEquals((byte) 0xE7, out[0]);
        packet.mode(3).leap(0);
        assertEquals((byte) 0x23, out[0]);
        packet.leap(9); // masked to 2 bits: 9 & 3 = 1
        assertEquals((byte) 0x63, out[0]);
        assertEquals(1, packet.leap());
        assertEquals(4, packet.version());
        assertEquals(3, packet.mode());
    }

    @Test
    void shouldReadAndWriteAtAnOffsetInsideALargerNativeBuffer() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(1500);
            buffer.fill((byte) 0x5A);
            packet.wrap(buffer, 13, 48).clearHeader().transmitTs(0x0102030405060708L).stratum(255);
            assertEquals(0x5A, buffer.get(ValueLayout.JAVA_BYTE, 12));
            assertEquals(0x5A, buffer.get(ValueLayout.JAVA_BYTE, 13 + 48));
            assertEquals(0x01, buffer.get(ValueLayout.JAVA_BYTE, 13 + 40));
            assertEquals(0x08, buffer.get(ValueLayout.JAVA_BYTE, 13 + 47));
            assertEquals(255, packet.stratum());
            assertEquals(0L, packet.originTs());
        }
    }

    @Test
    void shouldCopyAHeaderBetweenHeapAndNativeSegments() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(64);
            NtpPacket source = new NtpPacket().wrap(Bytes.heap(Bytes.hex(HEADER)), 0, 48);
            NtpPacket copy = new NtpPacket().wrap(target, 8, 48);
            source.copyHeaderTo(copy);
            assertArrayEquals(Bytes.hex(HEADER), target.asSlice(8, 48).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0, target.get(ValueLayout.JAVA_BYTE, 7));
        }
    }

    @Test
    void shouldTreatNtpV1ModeZeroAsAClientRequest() {
        byte[] bytes = new byte[48];
        packet.wrap(MemorySegment.ofArray(bytes), 0, 48).leapVersionMode(0, 1, 0);
        assertEquals(NtpPacket.MODE_CLIENT, packet.effectiveMode());
        packet.leap(NtpPacket.LEAP_UNSYNCHRONIZED); // leap does not matter
        assertEquals(NtpPacket.MODE_CLIENT, packet.effectiveMode());
        packet.version(2);
        assertEquals(NtpPacket.MODE_RESERVED, packet.effectiveMode());
        packet.version(1).mode(NtpPacket.MODE_SYMMETRIC_ACTIVE);
        assertEquals(NtpPacket.MODE_SYMMETRIC_ACTIVE, packet.effectiveMode());
    }

    @Test
    void shouldStartAReplyWithTheRequestsVersionPollAndTransmitAsOrigin() {
        NtpPacket request = new NtpPacket().wrap(Bytes.heap(Bytes.hex(HEADER)), 0, 48);
        byte[] out = new byte[48];
        java.util.Arrays.fill(out, (byte) 0xFF);
        packet.wrap(MemorySegment.ofArray(out), 0, 48).replyTo(request, NtpPacket.MODE_SERVER);
        assertEquals(NtpPacket.LEAP_NONE, packet.leap());
        assertEquals(3, packet.version());
        assertEquals(NtpPacket.MODE_SERVER, packet.mode());
        assertEquals(-6, packet.pollLog2());
        assertEquals(0xE0000003_00000001L, packet.originTs());
        assertEquals(0xFFFF_FFFF_FFFF_FFFFL, packet.receiveTs()); // left to the caller

        // An NTPv1 "mode 0" request gets an NTPv1 mode 4 reply, as chrony sends.
        byte[] v1 = new byte[48];
        v1[0] = 1 << 3;
        request.wrap(MemorySegment.ofArray(v1), 0, 48);
        packet.replyTo(request, NtpPacket.MODE_SERVER);
        assertEquals((byte) 0x0C, out[0]);
    }

    @Test
    void shouldRenderRefIdsAsKissCodesForStrata0And1AndAsAddressesAbove() {
        assertEquals("RATE", NtpPacket.refIdText(NtpPacket.KISS_RATE, 0));
        assertEquals(0x494E4954, NtpPacket.REFID_INIT);
        assertEquals("INIT", NtpPacket.refIdText(0x494E4954, 0));
        assertEquals("GPS", NtpPacket.refIdText(0x47505300, 1));
        assertEquals("P.S", NtpPacket.refIdText(0x50075300, 1));
        assertEquals("127.127.1.1", NtpPacket.refIdText(0x7F7F0101, 3));
        assertEquals("198.18.0.1", NtpPacket.refIdText(0xC6120001, 4));
    }

    @Test
    void shouldSpellRefIdsFromNamesOfUpToFourCharacters() {
        assertEquals(NtpPacket.REFID_INIT, NtpPacket.asciiRefId("INIT"));
        assertEquals(0x50505300, NtpPacket.asciiRefId("PPS"));
        assertEquals(0x47000000, NtpPacket.asciiRefId("G"));
        assertEquals(0, NtpPacket.asciiRefId(""));
        assertEquals(NtpPacket.asciiRefId("NMEA"), NtpPacket.asciiRefId("NMEA0"), "NTP carries four characters");
    }

    @Test
    void shouldRoundTripRandomFieldsThroughBytes() {
        SplittableRandom random = new SplittableRandom(5905);
        NtpPacket writer = new NtpPacket();
        NtpPacket reader = new NtpPacket();
        for (int i = 0; i < 10_000; i++) {
            int leap = random.nextInt(4);
            int version = random.nextInt(8);
            int mode = random.nextInt(8);
            int stratum = random.nextInt(256);
            int poll = random.nextInt(-128, 128);
            int precision = random.nextInt(-128, 128);
            int rootDelay = random.nextInt();
            int rootDispersion = random.nextInt();
            int refId = random.nextInt();
            long reference = random.nextLong();
            long origin = random.nextLong();
            long receive = random.nextLong();
            long transmit = random.nextLong();
            int offset = random.nextInt(16);
            byte[] bytes = new byte[offset + 48];
            writer.wrap(MemorySegment.ofArray(bytes), offset, 48)
                    .leapVersionMode(leap, version, mode).stratum(stratum).pollLog2(poll).precisionLog2(precision)
                    .rootDelay(rootDelay).rootDispersion(rootDispersion).refId(refId)
                    .referenceTs(reference).originTs(origin).receiveTs(receive).transmitTs(transmit);
            reader.wrap(MemorySegment.ofArray(bytes), offset, 48);
            assertEquals(leap, reader.leap());
            assertEquals(version, reader.version());
            assertEquals(mode, reader.mode());
            assertEquals(stratum, reader.stratum());
            assertEquals(poll, reader.pollLog2());
            assertEquals(precision, reader.precisionLog2());
            assertEquals(rootDelay, reader.rootDelay());
            assertEquals(rootDispersion, reader.rootDispersion());
            assertEquals(refId, reader.refId());
            assertEquals(reference, reader.referenceTs());
            assertEquals(origin, reader.originTs());
            assertEquals(receive, reader.receiveTs());
            assertEquals(transmit, reader.transmitTs());
        }
    }

    @Test
    void shouldRewriteRandomHeadersToIdenticalBytes() {
        // parse -> write -> same bytes: no field is lost or reordered.
        SplittableRandom random = new SplittableRandom(7822);
        NtpPacket reader = new NtpPacket();
        NtpPacket writer = new NtpPacket();
        for (int i = 0; i < 10_000; i++) {
            byte[] in = new byte[48];
            random.nextBytes(in);
            reader.wrap(MemorySegment.ofArray(in), 0, 48);
            byte[] out = new byte[48];
            writer.wrap(MemorySegment.ofArray(out), 0, 48)
                    .leapVersionMode(reader.leap(), reader.version(), reader.mode()).stratum(reader.stratum())
                    .pollLog2(reader.pollLog2()).precisionLog2(reader.precisionLog2())
                    .rootDelay(reader.rootDelay()).rootDispersion(reader.rootDispersion()).refId(reader.refId())
                    .referenceTs(reader.referenceTs()).originTs(reader.originTs())
                    .receiveTs(reader.receiveTs()).transmitTs(reader.transmitTs());
            assertArrayEquals(in, out);
        }
    }
}
