package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Packets with NTS extension fields and symmetric-key MACs from real chronyd 4.3 / NTPsec 1.2.2 exchanges
 * (golden/auth, copied from the project's shared captures; see the README there). Structure only: the cursor must
 * walk the NTS fields and the MAC parser find key ID and digest exactly; no cryptography yet.
 */
class GoldenAuthTest {
    private final ExtensionFieldCursor cursor = new ExtensionFieldCursor();
    private final LegacyMac mac = new LegacyMac();

    private static List<byte[]> pairLines(String text, String prefix) {
        List<byte[]> packets = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                packets.add(Bytes.hex(line.substring(prefix.length()).trim()));
            }
        }
        return packets;
    }

    private static NtpPacket ntp(byte[] bytes) {
        assertEquals(Malformation.OK, NtpPacketValidator.classify(MemorySegment.ofArray(bytes), 0, bytes.length));
        return new NtpPacket().wrap(Bytes.heap(bytes), 0, bytes.length);
    }

    private byte[] value() {
        return cursor.segment().asSlice(cursor.valueOffset(), cursor.valueLength()).toArray(ValueLayout.JAVA_BYTE);
    }

    private int valueU16(int at) {
        return BigEndian.u16(cursor.segment(), cursor.valueOffset() + at);
    }

    /** Walks an NTS request: Unique Identifier, one cookie, Authenticator; returns the UID. */
    private byte[] assertNtsRequest(byte[] bytes, int cookieFieldLength) {
        NtpPacket p = ntp(bytes);
        assertEquals(NtpPacket.MODE_CLIENT, p.mode());
        cursor.wrap(p.segment(), 0, p.length());
        assertTrue(cursor.next());
        assertEquals(ExtensionFieldType.NTS_UNIQUE_IDENTIFIER, cursor.type());
        assertEquals(48, cursor.fieldPosition());
        assertEquals(36, cursor.fieldLength());
        byte[] uid = value();
        assertEquals(32, uid.length);
        assertTrue(cursor.next());
        assertEquals(ExtensionFieldType.NTS_COOKIE, cursor.type());
        assertEquals(cookieFieldLength, cursor.fieldLength());
        assertTrue(cursor.next());
        assertEquals(ExtensionFieldType.NTS_AUTHENTICATOR, cursor.type());
        assertEquals(48 + 36 + cookieFieldLength, cursor.fieldPosition()); // end of the associated data
        // RFC 8915 5.6: nonce length, ciphertext length, nonce, ciphertext (here only the 16-byte SIV tag).
        assertEquals(16, valueU16(0));
        assertEquals(16, valueU16(2));
        assertEquals(40, cursor.fieldLength());
        assertFalse(cursor.next());
        assertEquals(Malformation.OK, cursor.malformation());
        assertEquals(0, cursor.macLength());
        assertEquals(3, cursor.count());
        return uid;
    }

    /** Walks an NTS response: the echoed Unique Identifier, then the Authenticator holding encrypted cookies. */
    private void assertNtsResponse(byte[] bytes, byte[] uid, int authenticatorLength, int ciphertextLength) {
        NtpPacket p = ntp(bytes);
        assertEquals(NtpPacket.MODE_SERVER, p.mode());
        cursor.wrap(p.segment(), 0, p.length());
        assertTrue(cursor.next());
        assertEquals(ExtensionFieldType.NTS_UNIQUE_IDENTIFIER, cursor.type());
        assertArrayEquals(uid, value(), "the server echoes the client's unique identifier");
        assertTrue(cursor.next());
        assertEquals(ExtensionFieldType.NTS_AUTHENTICATOR, cursor.type());
        assertEquals(84, cursor.fieldPosition());
        assertEquals(authenticatorLength, cursor.fieldLength());
        assertEquals(16, valueU16(0));
        assertEquals(ciphertextLength, valueU16(2));
        assertEquals(cursor.valueLength(), 4 + 16 + ciphertextLength);
        assertFalse(cursor.next());
        assertEquals(Malformation.OK, cursor.malformation());
        assertEquals(0, cursor.macLength());
    }

    @Test
    void shouldWalkNtsFieldsOfChronydClientAndChronydServer() {
        String text = GoldenCapture.text("/golden/auth/nts-pairs.txt");
        List<byte[]> requests = pairLines(text, "request ");
        List<byte[]> responses = pairLines(text, "response ");
        assertEquals(2, requests.size());
        assertEquals(2, responses.size());
        // chronyd -> chronyd: 100-byte cookies; the encrypted part holds one new cookie (16 tag + 104 field).
        byte[] uid = assertNtsRequest(requests.get(0), 104);
        assertNtsResponse(responses.get(0), uid, 144, 120);
        // chronyd -> NTPsec: NTPsec's cookies are 104 bytes.
        uid = assertNtsRequest(requests.get(1), 108);
        assertNtsResponse(responses.get(1), uid, 148, 124);
    }

    @Test
    void shouldRewriteRealNtsPacketsByteForByte() {
        // parse -> write -> same bytes: header copied, each field re-appended from what the cursor read.
        String text = GoldenCapture.text("/golden/auth/nts-pairs.txt");
        List<byte[]> packets = pairLines(text, "request ");
        packets.addAll(pairLines(text, "response "));
        ExtensionFieldWriter writer = new ExtensionFieldWriter();
        for (byte[] original : packets) {
            NtpPacket in = ntp(original);
            byte[] copy = new byte[original.length];
            NtpPacket out = new NtpPacket().wrap(MemorySegment.ofArray(copy), 0, copy.length);
            in.copyHeaderTo(out);
            writer.wrap(out.segment(), 0, copy.length);
            cursor.wrap(in.segment(), 0, in.length());
            while (cursor.next()) {
                assertTrue(writer.append(cursor.type(), cursor.segment(), cursor.valueOffset(), cursor.valueLength()) >= 0);
            }
            assertEquals(original.length, writer.position());
            assertArrayEquals(original, copy);
        }
    }

    @Test
    void shouldWalkNtsFieldsOfNtpsecClientAndChronydServer() {
        List<GoldenCapture.Packet> packets = new ArrayList<>();
        for (String line : GoldenCapture.text("/golden/auth/ntpsec-nts-client-to-chrony-server.hex").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 6) {
                packets.add(new GoldenCapture.Packet(packets.size() + 1, 0, f[1], 0, f[3], 0, Bytes.hex(f[5])));
            }
        }
        assertTrue(packets.size() >= 4);
        for (int i = 0; i + 1 < packets.size(); i += 2) {
            byte[] uid = assertNtsRequest(packets.get(i).payload(), 104);
            assertNtsResponse(packets.get(i + 1).payload(), uid, 144, 120);
        }
    }

    @Test
    void shouldFindKeyIdAndDigestOfSymmetricKeyMacs() {
        Pattern section = Pattern.compile("key_id=(\\d+) type=(\\w+)");
        Pattern packet = Pattern.compile("(request|response) .*\\((\\d+) bytes\\): ([0-9a-f]+)");
        int keyId = -1;
        String type = null;
        int checked = 0;
        for (String line : GoldenCapture.text("/golden/auth/sym-pairs.txt").split("\n")) {
            Matcher s = section.matcher(line);
            if (s.find()) {
                keyId = Integer.parseInt(s.group(1));
                type = s.group(2);
                continue;
            }
            Matcher m = packet.matcher(line);
            if (!m.find()) {
                continue;
            }
            byte[] bytes = Bytes.hex(m.group(3));
            assertEquals(Integer.parseInt(m.group(2)), bytes.length);
            int digestLength = switch (type) {
                case "MD5", "AES128" -> 16;
                case "SHA1" -> 20;
                case "SHA256" -> 32;
                default -> throw new IllegalStateException(type);
            };
            NtpPacket p = ntp(bytes);
            // chrony switches to NTPv3 for a MAC longer than NTPv4 allows.
            assertEquals(digestLength > 20 ? 3 : 4, p.version(), line);
            cursor.wrap(p.segment(), 0, p.length());
            assertFalse(cursor.next(), line);
            assertTrue(cursor.mac(mac), line);
            assertEquals(48, mac.offset());
            assertEquals(keyId, mac.keyId(), line);
            assertEquals(digestLength, mac.digestLength(), line);
            assertEquals(52, mac.digestOffset());
            checked++;
        }
        assertEquals(14, checked); // 4 keys to chronyd, 3 to NTPsec, request and response each
    }

    @Test
    void shouldRejectAnNtpV4PacketWithA32ByteMacAsChronyDid() {
        // Python client -> chronyd, key 4 (SHA-256), NTPv4 with the full 32-byte digest: chronyd never answered.
        // RFC 7822 caps NTPv4 MACs at 24 bytes, so the 36 bytes parse as an extension field of length 4.
        String text = GoldenCapture.text("/golden/auth/sym-python-client-to-chrony-server.txt");
        List<byte[]> requests = pairLines(text, "request ");
        byte[] v4Long = requests.get(3);
        assertEquals(48 + 36, v4Long.length);
        assertEquals(4, v4Long[0] >> 3 & 7);
        assertEquals(Malformation.BAD_EXTENSION_LENGTH, NtpPacketValidator.classify(MemorySegment.ofArray(v4Long), 0, v4Long.length));
        // Truncated to 20 bytes it is an ordinary SHA-1-sized MAC, which chronyd answered.
        byte[] v4Truncated = requests.get(4);
        cursor.wrap(ntp(v4Truncated).segment(), 0, v4Truncated.length);
        assertFalse(cursor.next());
        assertTrue(cursor.mac(mac));
        assertEquals(4, mac.keyId());
        assertEquals(20, mac.digestLength());
        // As NTPv3 the full 32-byte digest is fine.
        byte[] v3Long = requests.get(5);
        assertEquals(3, v3Long[0] >> 3 & 7);
        cursor.wrap(ntp(v3Long).segment(), 0, v3Long.length);
        assertFalse(cursor.next());
        assertTrue(cursor.mac(mac));
        assertEquals(32, mac.digestLength());
    }
}
