package org.jntpd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/** The broadcast server's packet, byte for byte: what the server serves, mode 5, T3 written last. */
class BroadcastPacketTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_767_225_600L * S;

    @Test
    void shouldCarryTheServedStateInModeFiveWithTheTransmitTimeLast() {
        // Stratum 2 synchronised to 192.0.2.1 since T0 - 10 s: root delay 1.5 ms, dispersion 2 ms + 15 ppm since then.
        ServerState state = new ServerState(NtpPacket.LEAP_NONE, 2, -24, 0x00000062, 2_000_000, 15, 0xC0000201,
                NtpTimestamp.fromUnixNs(T0 - 10 * S), T0 - 10 * S);
        byte[] bytes = new byte[64];
        Arrays.fill(bytes, (byte) 0x5A); // what a previous packet left in the buffer
        MemorySegment tx = MemorySegment.ofArray(bytes);
        BroadcastPacket p = new BroadcastPacket();
        assertTrue(p.write(state, 3, 6, T0, tx, 8));
        p.stampTransmit(tx, 8, NtpTimestamp.fromUnixNs(T0 + 123_456));
        byte[] header = Arrays.copyOfRange(bytes, 8, 56);
        // LI 0, VN 3, mode 5 = 0x1d; stratum 2; poll 6; precision -24; root delay 0x62; root dispersion 2 ms + 150 us
        // = 2.15 ms = 0x8d (in 1/65536 s); refid; reference time; origin 0; receive 0; transmit.
        String expected = "1d0206e8" + "00000062" + "0000008d" + "c0000201" // 140.9 rounded up: dispersion errs long
                + String.format("%016x", NtpTimestamp.fromUnixNs(T0 - 10 * S)) + "0000000000000000" + "0000000000000000"
                + String.format("%016x", NtpTimestamp.fromUnixNs(T0 + 123_456));
        assertArrayEquals(HexFormat.of().parseHex(expected), header, HexFormat.of().formatHex(header));
        assertTrue(bytes[7] == 0x5A && bytes[56] == 0x5A, "nothing outside the header is touched");
    }

    @Test
    void shouldWriteNothingWhileUnsynchronised() {
        byte[] bytes = new byte[48];
        assertFalse(new BroadcastPacket().write(ServerState.unsynchronised(-20), 4, 6, T0, MemorySegment.ofArray(bytes), 0));
        assertArrayEquals(new byte[48], bytes);
    }
}
