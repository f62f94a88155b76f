package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class NtpPacketValidatorTest {
    /** A packet of {@code length} bytes with the given version and mode and everything else zero. */
    private static byte[] packet(int version, int mode, int length) {
        byte[] b = new byte[length];
        if (length > 0) {
            b[0] = (byte) (version << 3 | mode);
        }
        return b;
    }

    /** Writes an extension field header (type, length) at {@code at}. */
    private static byte[] field(byte[] b, int at, int type, int length) {
        b[at] = (byte) (type >>> 8);
        b[at + 1] = (byte) type;
        b[at + 2] = (byte) (length >>> 8);
        b[at + 3] = (byte) length;
        return b;
    }

    private static byte[] keyId(byte[] b, int at, int keyId) {
        b[at] = (byte) (keyId >>> 24);
        b[at + 1] = (byte) (keyId >>> 16);
        b[at + 2] = (byte) (keyId >>> 8);
        b[at + 3] = (byte) keyId;
        return b;
    }

    private static Malformation classify(byte[] b) {
        return NtpPacketValidator.classify(Bytes.heap(b), 0, b.length);
    }

    @Test
    void shouldAcceptA48ByteRequestOfEachVersionFrom1To4() {
        for (int version = 1; version <= 4; version++) {
            assertEquals(Malformation.OK, classify(packet(version, 3, 48)), "version " + version);
        }
    }

    @Test
    void shouldRejectVersions0And5To7() {
        for (int version : new int[] {0, 5, 6, 7}) {
            assertEquals(Malformation.BAD_VERSION, classify(packet(version, 3, 48)), "version " + version);
            assertEquals(Malformation.BAD_VERSION, classify(packet(version, 6, 12)), "mode 6, version " + version);
        }
    }

    @Test
    void shouldAcceptModeZeroOnlyFromNtpV1() {
        assertEquals(Malformation.OK, classify(packet(1, 0, 48)));
        for (int version = 2; version <= 4; version++) {
            assertEquals(Malformation.BAD_MODE, classify(packet(version, 0, 48)), "version " + version);
        }
    }

    @Test
    void shouldRejectPacketsShorterThanTheirHeader() {
        assertEquals(Malformation.TOO_SHORT, classify(new byte[0]));
        assertEquals(Malformation.TOO_SHORT, classify(packet(4, 3, 47)));
        assertEquals(Malformation.TOO_SHORT, classify(packet(4, 3, 1)));
        assertEquals(Malformation.TOO_SHORT, classify(packet(2, 6, 11)));
        assertEquals(Malformation.TOO_SHORT, classify(packet(2, 7, 7)));
    }

    @Test
    void shouldRejectLengthsThatAreNotWholeWords() {
        for (int extra = 1; extra <= 3; extra++) {
            assertEquals(Malformation.UNALIGNED_LENGTH, classify(packet(4, 3, 48 + extra)), "48 + " + extra);
            assertEquals(Malformation.UNALIGNED_LENGTH, classify(packet(3, 3, 68 + extra)), "v3 68 + " + extra);
            assertEquals(Malformation.UNALIGNED_LENGTH, classify(packet(2, 6, 12 + extra)), "mode 6, 12 + " + extra);
        }
    }

    @Test
    void shouldFindMacsOf20And24BytesAfterAnNtpV4Header() {
        assertEquals(Malformation.OK, classify(keyId(packet(4, 3, 68), 48, 1)));
        assertEquals(Malformation.OK, classify(keyId(packet(4, 3, 72), 48, 2)));
        for (int rest : new int[] {8, 12, 16}) {
            assertEquals(Malformation.BAD_MAC_LENGTH, classify(keyId(packet(4, 3, 48 + rest), 48, 1)), "rest " + rest);
        }
    }

    @Test
    void shouldAcceptACryptoNakOnlyWithKeyIdZeroRightAfterTheHeader() {
        assertEquals(Malformation.OK, classify(packet(4, 4, 52)));
        assertEquals(Malformation.BAD_MAC_LENGTH, classify(keyId(packet(4, 4, 52), 48, 7)));
        assertEquals(Malformation.OK, classify(packet(3, 4, 52)));
        // After an extension field, 4 bytes are too short for a MAC.
        assertEquals(Malformation.BAD_MAC_LENGTH, classify(field(packet(4, 3, 48 + 28 + 4), 48, 0x0104, 28)));
    }

    @Test
    void shouldAcceptLongerMacsInNtpV3AsChronySendsForSha256() {
        assertEquals(Malformation.OK, classify(keyId(packet(3, 3, 48 + 36), 48, 4))); // SHA-256, 32-byte digest
        assertEquals(Malformation.OK, classify(keyId(packet(3, 3, 48 + 68), 48, 4))); // SHA-512, 64-byte digest
        assertEquals(Malformation.BAD_MAC_LENGTH, classify(keyId(packet(3, 3, 48 + 72), 48, 4)));
        assertEquals(Malformation.BAD_MAC_LENGTH, classify(keyId(packet(3, 3, 48 + 16), 48, 4)));
        assertEquals(Malformation.BAD_MAC_LENGTH, classify(keyId(packet(2, 3, 48 + 8), 48, 4)));
    }

    @Test
    void shouldReadMoreThan24TrailingBytesInNtpV4AsExtensionFields() {
        // The SHA-256 MAC chrony would not accept in NTPv4: key ID 4 reads as type 0x0000, length 0x0004.
        assertEquals(Malformation.BAD_EXTENSION_LENGTH, classify(keyId(packet(4, 3, 48 + 36), 48, 4)));
        assertEquals(Malformation.OK, classify(field(packet(4, 3, 48 + 28), 48, 0x0104, 28)));
        assertEquals(Malformation.OK, classify(field(field(packet(4, 3, 48 + 16 + 28), 48, 0x0104, 16), 64, 0x0204, 28)));
        // Field then MAC of either length.
        assertEquals(Malformation.OK, classify(keyId(field(packet(4, 3, 48 + 16 + 20), 48, 0x0104, 16), 64, 1)));
        assertEquals(Malformation.OK, classify(keyId(field(packet(4, 3, 48 + 16 + 24), 48, 0x0104, 16), 64, 2)));
    }

    @Test
    void shouldRejectExtensionFieldsShorterThan16OrNotWordMultiplesOrOverrunning() {
        assertEquals(Malformation.BAD_EXTENSION_LENGTH, classify(field(packet(4, 3, 48 + 28), 48, 0x0104, 12)));
        assertEquals(Malformation.BAD_EXTENSION_LENGTH, classify(field(packet(4, 3, 48 + 28), 48, 0x0104, 0)));
        assertEquals(Malformation.BAD_EXTENSION_LENGTH, classify(field(packet(4, 3, 48 + 28), 48, 0x0104, 26)));
        assertEquals(Malformation.EXTENSION_OVERRUNS, classify(field(packet(4, 3, 48 + 28), 48, 0x0104, 32)));
        assertEquals(Malformation.EXTENSION_OVERRUNS, classify(field(packet(4, 3, 48 + 28), 48, 0x0104, 0xFFFC)));
        // A 16-byte field leaving 12 bytes: neither a field nor a MAC.
        assertEquals(Malformation.BAD_MAC_LENGTH, classify(field(packet(4, 3, 48 + 28), 48, 0x0104, 16)));
    }

    @Test
    void shouldClassifyControlMessagesWhateverTheirFlags() {
        assertEquals(Malformation.CONTROL, classify(Bytes.hex("d60100010000000000000000")));
        assertEquals(Malformation.CONTROL, classify(Bytes.hex("16e100010000000000000000"))); // response, error, more
        assertEquals(Malformation.CONTROL, classify(Bytes.hex("d602000200000000000000077374726174756d00")));
    }

    @Test
    void shouldRejectControlMessagesWhoseCountOverrunsOrThatCarryGarbage() {
        assertEquals(Malformation.BAD_CONTROL_COUNT, classify(Bytes.hex("d602000200000000000000097374726174756d00")));
        byte[] twelveExtra = new byte[12 + 8 + 12];
        System.arraycopy(Bytes.hex("d602000200000000000000077374726174756d00"), 0, twelveExtra, 0, 20);
        assertEquals(Malformation.TRAILING_BYTES, classify(twelveExtra));
    }

    @Test
    void shouldClassifyMode7AsPrivateWithoutLookingInside() {
        assertEquals(Malformation.PRIVATE, classify(Bytes.hex("1700032a00000000")));
        assertEquals(Malformation.TOO_SHORT, classify(Bytes.hex("1700032a000000")));
        assertEquals(Malformation.PRIVATE, classify(Bytes.hex("1700032a0000000001")));
    }

    @Test
    void shouldSayWhichResultsAreWellFormed() {
        assertTrue(Malformation.OK.wellFormed());
        assertTrue(Malformation.CONTROL.wellFormed());
        assertTrue(Malformation.PRIVATE.wellFormed());
        for (Malformation m : Malformation.values()) {
            if (m.ordinal() > Malformation.PRIVATE.ordinal()) {
                assertFalse(m.wellFormed(), m.name());
            }
        }
    }

    @Test
    void shouldClassifyOnlyTheGivenRangeOfALargerBuffer() {
        byte[] big = new byte[100];
        System.arraycopy(packet(4, 3, 48), 0, big, 10, 48);
        big[9] = 0x7F; // outside the range
        assertEquals(Malformation.OK, NtpPacketValidator.classify(MemorySegment.ofArray(big), 10, 48));
        assertEquals(Malformation.UNALIGNED_LENGTH, NtpPacketValidator.classify(MemorySegment.ofArray(big), 10, 50));
    }
}
