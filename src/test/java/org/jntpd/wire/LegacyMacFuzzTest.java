package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fuzzes where the MAC of a packet is and what it holds ({@link LegacyMac}): in a well-formed packet the MAC is a
 * crypto-NAK (4 bytes of key ID 0 straight after the header) or a key ID and a digest of an allowed length (16 or 20
 * bytes in NTPv4; 16-64 bytes in NTPv1-3), it ends the packet, and writing its key ID and digest back gives the same
 * bytes. Seeds: symmetric-key packets of chronyd, NTPsec and ntplib (../shared/golden/auth).
 */
class LegacyMacFuzzTest {
    @FuzzTest
    void mac(byte[] data) {
        MemorySegment packet = MemorySegment.ofArray(data);
        Malformation m = NtpPacketValidator.classify(packet, 0, data.length);
        if (m != Malformation.OK) {
            return;
        }
        ExtensionFieldCursor cursor = new ExtensionFieldCursor().wrap(packet, 0, data.length);
        while (cursor.next()) {
            // to the end, where the MAC is
        }
        assertEquals(Malformation.OK, cursor.malformation(), "an OK packet walks to its end");
        LegacyMac mac = new LegacyMac();
        if (!cursor.mac(mac)) {
            return;
        }
        int version = data[0] >>> 3 & 0x7;
        long at = mac.offset();
        assertEquals(data.length, at + mac.length(), "the MAC ends the packet");
        assertEquals(at + LegacyMac.DIGEST_OFFSET, mac.digestOffset());
        if (mac.isCryptoNak()) {
            assertEquals(NtpPacket.HEADER_LENGTH, at, "a crypto-NAK follows the header");
            assertEquals(0, mac.keyId());
            assertEquals(0, mac.digestLength());
        } else {
            int digest = mac.digestLength();
            assertFalse(mac.length() == LegacyMac.CRYPTO_NAK_LENGTH, "4 bytes are only a NAK");
            assertTrue((digest & 3) == 0, "digest of whole words: " + digest);
            if (version == NtpPacket.VERSION_4) {
                assertTrue(digest == LegacyMac.MD5_DIGEST_LENGTH || digest == LegacyMac.SHA1_DIGEST_LENGTH,
                        "NTPv4 MAC digest of 16 or 20 bytes: " + digest);
            } else {
                assertTrue(digest >= LegacyMac.MD5_DIGEST_LENGTH && digest <= LegacyMac.MAX_V3_LENGTH - LegacyMac.KEY_ID_LENGTH,
                        "NTPv1-3 MAC digest of 16-64 bytes: " + digest);
            }
        }
        byte[] copy = data.clone();
        MemorySegment rewritten = MemorySegment.ofArray(copy);
        rewritten.asSlice(at).fill((byte) 0x5A);
        int written = mac.isCryptoNak() ? LegacyMac.writeCryptoNak(rewritten, at)
                : LegacyMac.write(rewritten, at, mac.keyId(), packet, mac.digestOffset(), mac.digestLength());
        assertEquals(mac.length(), written);
        assertArrayEquals(data, copy, "key ID and digest written back: the same bytes");
        LegacyMac again = new LegacyMac().wrap(rewritten, at, written);
        assertEquals(mac.keyId(), again.keyId());
        assertEquals(mac.isCryptoNak(), again.isCryptoNak());
    }
}
