package org.jntpd.wire;

import static org.jntpd.time.Units.NS_PER_DAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.junit.jupiter.api.Test;

/**
 * Decodes packets captured between chronyd 4.3, NTPsec 1.2.2 ntpd, ntpdig and ntpq (golden/peers, see the README
 * there). Line numbers below are the packet's line in capture.txt. What each field must be follows from the
 * exchange: configuration (chronyd "local stratum 3", ntpd synchronised to it), the request it answers, and the
 * capture time (tshark's kernel timestamp, on the same clock as the daemons).
 */
class GoldenPeersTest {
    private static final long MS = 1_000_000L;
    private static final int REFID_198_18_0_1 = 0xC6120001;
    private static final int REFID_CHRONY_LOCAL = 0x7F7F0101; // 127.127.1.1

    private static final List<GoldenCapture.Packet> PACKETS = GoldenCapture.load("/golden/peers/capture.txt");

    private static GoldenCapture.Packet packet(int line) {
        GoldenCapture.Packet p = PACKETS.get(line - 1);
        assertEquals(line, p.line());
        return p;
    }

    private static NtpPacket ntp(int line) {
        byte[] payload = packet(line).payload();
        assertEquals(Malformation.OK, NtpPacketValidator.classify(MemorySegment.ofArray(payload), 0, payload.length), "line " + line);
        return new NtpPacket().wrap(Bytes.heap(payload), 0, payload.length);
    }

    private static ControlMessage control(int line) {
        byte[] payload = packet(line).payload();
        assertEquals(Malformation.CONTROL, NtpPacketValidator.classify(MemorySegment.ofArray(payload), 0, payload.length), "line " + line);
        return new ControlMessage().wrap(Bytes.heap(payload), 0, payload.length);
    }

    /** {@code ntp64} minus the capture time of packet {@code line}, in ns. */
    private static long minusCaptureNs(long ntp64, int line) {
        long captureNs = packet(line).epochNs();
        return NtpTimestamp.toUnixNs(ntp64, captureNs) - captureNs;
    }

    private static void assertWithin(long lowNs, long highNs, long actualNs, String what) {
        assertTrue(actualNs >= lowNs && actualNs <= highNs, what + ": " + actualNs + " ns not in [" + lowNs + ", " + highNs + "]");
    }

    /** What every server response must satisfy against its request and the capture times. */
    private static void assertAnswers(int requestLine, int responseLine) {
        NtpPacket request = ntp(requestLine);
        NtpPacket response = ntp(responseLine);
        assertEquals(NtpPacket.MODE_SERVER, response.mode());
        assertEquals(request.transmitTs(), response.originTs(), "origin = the request's transmit");
        assertEquals(request.pollLog2(), response.pollLog2(), "poll echoed");
        // Received after the request passed the capture point, sent before the response did.
        assertWithin(-MS / 10, 2 * MS, minusCaptureNs(response.receiveTs(), requestLine), "receive - request capture");
        assertWithin(-2 * MS, 0, minusCaptureNs(response.transmitTs(), responseLine), "transmit - response capture");
        long serverNs = NtpTimestamp.diffNs(response.transmitTs(), response.receiveTs());
        assertWithin(0, 2 * MS, serverNs, "time in server");
    }

    @Test
    void shouldAcceptEveryCapturedPacketAndClassifyMode6AsControl() {
        assertEquals(58, PACKETS.size());
        for (GoldenCapture.Packet p : PACKETS) {
            byte[] b = p.payload();
            Malformation expected = (b[0] & 7) == NtpPacket.MODE_CONTROL ? Malformation.CONTROL : Malformation.OK;
            assertEquals(expected, NtpPacketValidator.classify(MemorySegment.ofArray(b), 0, b.length), "line " + p.line());
        }
    }

    @Test
    void shouldDecodeChronydClientRequestThatHidesItsClock() {
        NtpPacket request = ntp(5); // chronyd -Q -> chronyd, 127.0.0.1
        assertEquals(48, request.length());
        assertEquals(NtpPacket.LEAP_NONE, request.leap());
        assertEquals(4, request.version());
        assertEquals(NtpPacket.MODE_CLIENT, request.mode());
        assertEquals(0, request.stratum());
        assertEquals(6, request.pollLog2());
        assertEquals(32, request.precisionLog2()); // chrony's "reveal nothing" value
        assertEquals(0, request.rootDelay());
        assertEquals(0, request.rootDispersion());
        assertEquals(0, request.refId());
        assertEquals(0L, request.referenceTs());
        assertEquals(0L, request.originTs());
        assertEquals(0L, request.receiveTs());
        assertEquals(0x3AC2D9B8_5FB88355L, request.transmitTs());
        // The transmit timestamp is a random cookie, not the time: far from the capture time.
        assertTrue(Math.abs(minusCaptureNs(request.transmitTs(), 5)) > NS_PER_DAY);
    }

    @Test
    void shouldDecodeChronydServerResponse() {
        NtpPacket response = ntp(6);
        assertEquals(NtpPacket.LEAP_NONE, response.leap());
        assertEquals(4, response.version());
        assertEquals(NtpPacket.MODE_SERVER, response.mode());
        assertEquals(3, response.stratum()); // local stratum 3
        assertEquals(-26, response.precisionLog2());
        assertEquals(0, response.rootDelay());
        assertEquals(0, response.rootDispersion());
        assertEquals(REFID_CHRONY_LOCAL, response.refId());
        assertEquals("127.127.1.1", NtpPacket.refIdText(response.refId(), response.stratum()));
        assertEquals(0xEEB1C194_F7FB3F55L, response.referenceTs());
        assertEquals(0x3AC2D9B8_5FB88355L, response.originTs());
        assertEquals(0xEEB1C197_1CEE1237L, response.receiveTs());
        assertEquals(0xEEB1C197_1D42A560L, response.transmitTs());
        assertAnswers(5, 6);
        assertTrue(NtpTimestamp.diffNs(response.receiveTs(), response.referenceTs()) > 0, "reference before receive");
        // chronyd's local reference does not move: every later response carries the same reference time.
        for (int line : new int[] {2, 8, 10, 36, 56}) {
            assertEquals(0xEEB1C194_F7FB3F55L, ntp(line).referenceTs(), "line " + line);
        }
    }

    @Test
    void shouldDecodeNtpsecClientRequestAndChronydAnswer() {
        NtpPacket request = ntp(1); // ntpd 198.18.0.2:123 -> chronyd 198.18.0.1:123
        assertEquals(NtpPacket.LEAP_NONE, request.leap());
        assertEquals(4, request.version());
        assertEquals(NtpPacket.MODE_CLIENT, request.mode());
        assertEquals(0, request.stratum());
        assertEquals(0, request.pollLog2());
        assertEquals(32, request.precisionLog2()); // NTPsec minimises data in client requests like chrony
        assertEquals(0, request.refId());
        assertEquals(0L, request.originTs());
        assertEquals(0L, request.receiveTs());
        assertTrue(Math.abs(minusCaptureNs(request.transmitTs(), 1)) > NS_PER_DAY, "random transmit cookie");
        NtpPacket response = ntp(2);
        assertEquals(3, response.stratum());
        assertEquals(REFID_CHRONY_LOCAL, response.refId());
        assertAnswers(1, 2);
        for (int line = 7; line <= 25; line += 2) {
            if (packet(line).sourcePort() == 123 && packet(line).source().equals("198.18.0.2")) {
                assertAnswers(line, line + 1);
            }
        }
    }

    @Test
    void shouldDecodeNtpdigRequestAndUnsynchronisedNtpsecKissResponse() {
        NtpPacket request = ntp(3);
        assertEquals(NtpPacket.LEAP_UNSYNCHRONIZED, request.leap());
        assertEquals(4, request.version());
        assertEquals(NtpPacket.MODE_CLIENT, request.mode());
        assertEquals(0, request.stratum());
        assertEquals(0, request.pollLog2());
        assertEquals(0, request.precisionLog2());
        assertEquals(0L, request.originTs());
        assertEquals(0xEEB1C196_E6115000L, request.transmitTs());
        // ntpdig sends its real clock: just before the capture.
        assertWithin(-MS, 0, minusCaptureNs(request.transmitTs(), 3), "ntpdig transmit - capture");

        NtpPacket response = ntp(4); // ntpd had just started
        assertEquals(NtpPacket.LEAP_UNSYNCHRONIZED, response.leap());
        assertEquals(NtpPacket.STRATUM_UNSPECIFIED, response.stratum());
        assertEquals(-24, response.precisionLog2()); // ntpd logged "precision = 0.050 usec (-24)"
        assertEquals(NtpPacket.REFID_INIT, response.refId());
        assertEquals("INIT", NtpPacket.refIdText(response.refId(), response.stratum()));
        assertEquals(0, response.rootDelay());
        assertEquals(0, response.rootDispersion());
        assertEquals(0L, response.referenceTs());
        assertAnswers(3, 4);
    }

    @Test
    void shouldDecodeSynchronisedNtpsecResponseAndMatchItsMode6Variables() {
        NtpPacket response = ntp(34); // ntpdig -> ntpd, after ntpd synchronised to chronyd
        assertEquals(NtpPacket.LEAP_NONE, response.leap());
        assertEquals(4, response.stratum()); // chronyd's 3 + 1
        assertEquals(-24, response.precisionLog2());
        assertEquals(REFID_198_18_0_1, response.refId());
        assertEquals("198.18.0.1", NtpPacket.refIdText(response.refId(), response.stratum()));
        assertEquals(3, response.rootDelay()); // 3/65536 s
        assertEquals(45_776L, NtpShort.toNs(response.rootDelay()));
        assertEquals(0x3002, response.rootDispersion());
        assertAnswers(33, 34);
        // ntpd's reference time is when it took chronyd's response (line 26) as its update, just after it was sent.
        assertWithin(0, MS, NtpTimestamp.diffNs(response.referenceTs(), ntp(26).transmitTs()), "reftime - chronyd transmit");

        // ntpq -c rv (line 38), 100 ms later, reports the same system variables in text.
        String rv = controlData(38);
        assertTrue(rv.contains("stratum=4,"), rv);
        assertTrue(rv.contains("precision=-24,"), rv);
        assertTrue(rv.contains("refid=198.18.0.1,"), rv);
        assertTrue(rv.contains(String.format("reftime=0x%08x.%08x", NtpTimestamp.seconds(response.referenceTs()),
                NtpTimestamp.fraction(response.referenceTs()))), rv);
        long rootDispNs = Math.round(Double.parseDouble(variable(rv, "rootdisp")) * MS);
        assertWithin(-100_000, 100_000, rootDispNs - NtpShort.toNs(response.rootDispersion()), "rootdisp rv - header");
        long rootDelayNs = Math.round(Double.parseDouble(variable(rv, "rootdelay")) * MS);
        assertWithin(-20_000, 20_000, rootDelayNs - NtpShort.toNs(response.rootDelay()), "rootdelay rv - header");
    }

    @Test
    void shouldDecodeChronydClientOfNtpsec() {
        for (int line : new int[] {51, 53, 57}) {
            NtpPacket request = ntp(line);
            assertEquals(6, request.pollLog2());
            assertEquals(32, request.precisionLog2());
            NtpPacket response = ntp(line + 1);
            assertEquals(4, response.stratum());
            assertEquals(REFID_198_18_0_1, response.refId());
            assertAnswers(line, line + 1);
        }
    }

    @Test
    void shouldDecodeChronydInterleavedExchanges() {
        // chronyd -Q with xleave (lines 15-28). An interleaved request's origin is the server's receive timestamp
        // of the previous exchange; its receive field is the client's own cookie for that exchange.
        for (int line : new int[] {23, 27}) {
            NtpPacket request = ntp(line);
            NtpPacket previousResponse = ntp(line - 3);
            NtpPacket response = ntp(line + 1);
            assertEquals(previousResponse.receiveTs(), request.originTs(), "line " + line);
            // The server answers interleaved: origin = the request's receive field, not its transmit ...
            assertEquals(request.receiveTs(), response.originTs());
            assertFalse(request.transmitTs() == response.originTs());
            // ... and transmit = when the previous response left (its kernel TX timestamp, the capture time of
            // that response), about 2 s before this exchange's receive.
            assertWithin(-MS, MS, minusCaptureNs(response.transmitTs(), line - 3), "TX stamp - capture of line " + (line - 3));
            assertWithin(1_900 * MS, 2_100 * MS, NtpTimestamp.diffNs(response.receiveTs(), response.transmitTs()), "receive - previous TX");
        }
        // Line 20 was a basic response carrying chronyd's estimate of its transmit time; line 24 carries the
        // kernel's timestamp of the same transmission, slightly later.
        assertWithin(0, MS, NtpTimestamp.diffNs(ntp(24).transmitTs(), ntp(20).transmitTs()), "kernel TX - estimate");
        // The first xleave request (line 15) has no previous exchange: a basic request and answer.
        assertEquals(0L, ntp(15).originTs());
        assertAnswers(15, 16);
    }

    @Test
    void shouldDecodeMode6ReadStatusExchange() {
        ControlMessage request = control(29);
        assertEquals(3, request.leap()); // NTPsec ntpq sends LI=3, version 2
        assertEquals(2, request.version());
        assertEquals(NtpPacket.MODE_CONTROL, request.mode());
        assertFalse(request.isResponse());
        assertEquals(ControlMessage.OP_READ_STATUS, request.opcode());
        assertEquals(1, request.sequence());
        assertEquals(0, request.associationId());
        assertEquals(0, request.count());
        assertEquals(ControlMessage.NO_MAC, request.macPosition());

        ControlMessage response = control(30);
        assertEquals(0, response.leap());
        assertTrue(response.isResponse());
        assertFalse(response.isError());
        assertFalse(response.hasMore());
        assertEquals(ControlMessage.OP_READ_STATUS, response.opcode());
        assertEquals(1, response.sequence());
        // System status 0x0014: leap_none, sync_unspec, 1 event, freq_mode (as ntpq -c rv prints it).
        assertEquals(0x0014, response.status());
        assertEquals(0, ControlStatus.systemLeap(response.status()));
        assertEquals(ControlStatus.SOURCE_UNSPECIFIED, ControlStatus.systemSource(response.status()));
        assertEquals(1, ControlStatus.eventCount(response.status()));
        assertEquals(4, ControlStatus.eventCode(response.status()));
        assertEquals(0, response.dataOffset());
        assertEquals(4, response.count());
        // One association: id 17767 ("peer=17767" in rv), reachable, authentic, configured, the system peer.
        MemorySegment s = response.segment();
        int association = s.get(BigEndian.U16, response.dataStart()) & 0xFFFF;
        int peerStatus = s.get(BigEndian.U16, response.dataStart() + 2) & 0xFFFF;
        assertEquals(17767, association);
        assertTrue(controlData(38).contains("peer=17767,"));
        assertEquals(ControlStatus.PEER_CONFIGURED | ControlStatus.PEER_AUTHENTIC | ControlStatus.PEER_REACHABLE,
                ControlStatus.peerStatusBits(peerStatus));
        assertEquals(ControlStatus.SELECT_SYSTEM_PEER, ControlStatus.peerSelection(peerStatus));
        assertEquals(0xA, ControlStatus.eventCode(peerStatus)); // sys_peer
    }

    @Test
    void shouldDecodeMode6ReadVariableWithPadding() {
        ControlMessage request = control(31);
        assertEquals(ControlMessage.OP_READ_VARIABLES, request.opcode());
        assertEquals(2, request.sequence());
        assertEquals(7, request.count());
        assertEquals("stratum", ascii(request, 7));
        assertEquals(20, request.length()); // padded to 32 bits
        ControlMessage response = control(32);
        assertEquals(2, response.sequence());
        assertEquals(11, response.count());
        assertEquals("stratum=4\r\n", ascii(response, 11));
        assertEquals(ControlMessage.paddedLength(11), response.length());

        ControlMessage rv = control(38);
        assertEquals(0, rv.associationId());
        assertEquals(356, rv.count());
        assertEquals(368, rv.length());
        assertTrue(controlData(38).startsWith("leap=0, stratum=4, precision=-24, "));
    }

    @Test
    void shouldFindMacsOnAuthenticatedMode6Messages() {
        // ntpq -a 1 (MD5) then -a 2 (SHA-1), "rv 0 stratum": request and response MACs at 64-bit boundaries.
        int[][] expected = { // line, key, count, MAC position, digest length
            {41, 1, 0, 16, 16}, {42, 1, 4, 16, 16}, {43, 1, 7, 24, 16}, {44, 1, 11, 24, 16},
            {47, 2, 0, 16, 20}, {48, 2, 4, 16, 20}, {49, 2, 7, 24, 20}, {50, 2, 11, 24, 20},
        };
        LegacyMac mac = new LegacyMac();
        for (int[] e : expected) {
            ControlMessage message = control(e[0]);
            assertEquals(e[2], message.count(), "line " + e[0]);
            assertEquals(e[3], message.macPosition(), "line " + e[0]);
            mac.wrap(message.segment(), message.offset() + e[3], message.length() - e[3]);
            assertEquals(e[1], mac.keyId(), "line " + e[0]);
            assertEquals(e[4], mac.digestLength(), "line " + e[0]);
        }
        assertEquals("stratum=4\r\n", ascii(control(50), 11));
    }

    @Test
    void shouldFindMacsOnNtpdigKeyedRequestsAndNtpsecResponses() {
        int[][] expected = {{39, 1, 16}, {40, 1, 16}, {45, 2, 20}, {46, 2, 20}}; // line, key, digest length
        ExtensionFieldCursor cursor = new ExtensionFieldCursor();
        LegacyMac mac = new LegacyMac();
        for (int[] e : expected) {
            NtpPacket p = ntp(e[0]);
            cursor.wrap(p.segment(), p.offset(), p.length());
            assertFalse(cursor.next(), "no extension fields");
            assertEquals(Malformation.OK, cursor.malformation());
            assertTrue(cursor.mac(mac));
            assertEquals(48, mac.offset());
            assertEquals(e[1], mac.keyId());
            assertEquals(e[2], mac.digestLength());
        }
        assertAnswers(39, 40);
        assertAnswers(45, 46);
    }

    private static String ascii(ControlMessage message, int count) {
        byte[] data = message.segment().asSlice(message.dataStart(), count).toArray(ValueLayout.JAVA_BYTE);
        return new String(data, StandardCharsets.US_ASCII);
    }

    private static String controlData(int line) {
        ControlMessage m = control(line);
        return ascii(m, m.count());
    }

    private static String variable(String text, String name) {
        int at = text.indexOf(name + "=");
        int end = text.indexOf(',', at);
        return text.substring(at + name.length() + 1, end);
    }
}
