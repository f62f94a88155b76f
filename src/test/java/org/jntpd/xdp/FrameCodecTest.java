package org.jntpd.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.jntpd.server.ClientAddress;
import org.junit.jupiter.api.Test;

/**
 * Framing of the raw path on hand-built frames: parse finds the payload and the client and refuses bad frames by
 * reason; a reply turned around in place parses again as a valid frame from the server to the client (its checksums
 * verified by parse itself and by an independent RFC 1071 sum here).
 */
class FrameCodecTest {
    private static final byte[] CLIENT_MAC = {2, 0, 0, 0, 0, 1};
    private static final byte[] SERVER_MAC = {2, 0, 0, 0, 0, 2};
    private static final byte[] CLIENT_V4 = {(byte) 198, 18, 0, 2};
    private static final byte[] SERVER_V4 = {(byte) 198, 18, 0, 1};
    private static final byte[] CLIENT_V6 = {0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    private static final byte[] SERVER_V6 = {0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private final FrameCodec codec = new FrameCodec();

    @Test
    void shouldFindThePayloadAndTheClientOfAnIpv4Request() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(2048);
            int len = put(s, ipv4Frame(0, false, 48, 0));
            assertEquals(FrameCodec.OK, codec.parse(s, 0, len));
            assertEquals(14, codec.l3Offset);
            assertEquals(42, codec.payloadOffset);
            assertEquals(48, codec.payloadLength);
            assertEquals(40000, codec.clientPort);
            assertEquals(123, codec.serverPort);
            assertEquals(0, codec.clientHi);
            assertEquals(ClientAddress.mappedLo(0xC612_0002), codec.clientLo);
            assertEquals(0, codec.serverHi);
            assertEquals(ClientAddress.mappedLo(0xC612_0001), codec.serverLo, "sent to (a mode 6 reply's source)");
        }
    }

    @Test
    void shouldTurnAnIpv4RequestWithOptionsAndAVlanTagIntoAPlainReply() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(2048);
            int len = put(s, ipv4Frame(8, true, 68, 0)); // 8 bytes of IP options, 802.1Q, a 68-byte request
            assertEquals(FrameCodec.OK, codec.parse(s, 0, len));
            assertEquals(18, codec.l3Offset);
            assertEquals(18 + 28 + 8, codec.payloadOffset);
            int replyAt = codec.replyPayloadOffset();
            assertEquals(18 + 20 + 8, replyAt);
            for (int i = 0; i < 48; i++) {
                s.set(ValueLayout.JAVA_BYTE, replyAt + i, (byte) (0x40 + i));
            }
            int l3 = codec.l3Offset;
            int frameLength = codec.turnAround(s, 0, 48);
            FrameCodec.finishUdpChecksum(s, 0, l3, 4);
            assertEquals(18 + 20 + 8 + 48, frameLength);
            byte[] reply = s.asSlice(0, frameLength).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(0x45, reply[18] & 0xFF, "no options echoed");
            assertEquals(0, ones(reply, 18, 20), "IPv4 header checksum");
            assertEquals(0, udpV4(reply, 18), "UDP checksum (RFC 1071 over the pseudo header)");
            FrameCodec back = new FrameCodec();
            assertEquals(FrameCodec.OK, back.parse(s, 0, frameLength));
            assertEquals(123, back.clientPort);
            assertEquals(40000, back.serverPort);
            assertEquals(ClientAddress.mappedLo(0xC612_0001), back.clientLo, "from the server's address");
            assertEquals(SERVER_MAC[5], reply[11], "from the server's MAC");
            assertEquals(CLIENT_MAC[5], reply[5], "to the client's MAC");
            assertEquals(0x40, reply[replyAt] & 0xFF);
        }
    }

    @Test
    void shouldTurnAnIpv6RequestAroundWithAMandatoryChecksum() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(2048);
            int len = put(s, ipv6Frame(48, false));
            assertEquals(FrameCodec.OK, codec.parse(s, 0, len));
            assertEquals(0x2001_0002_0000_0000L, codec.clientHi);
            assertEquals(2, codec.clientLo);
            assertEquals(0x2001_0002_0000_0000L, codec.serverHi);
            assertEquals(1, codec.serverLo);
            int frameLength = codec.turnAround(s, 0, 48);
            FrameCodec.finishUdpChecksum(s, 0, codec.l3Offset, 6);
            assertEquals(14 + 40 + 8 + 48, frameLength);
            FrameCodec back = new FrameCodec();
            assertEquals(FrameCodec.OK, back.parse(s, 0, frameLength));
            assertEquals(1, back.clientLo, "from the server's address");
            assertEquals(FrameCodec.BAD_UDP_CHECKSUM, codec.parse(s.asSlice(0), 0, put(s, ipv6Frame(48, true))),
                    "IPv6 without a UDP checksum");
        }
    }

    @Test
    void shouldRefuseBrokenFramesByReason() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(2048);
            byte[] good = ipv4Frame(0, false, 48, 0);
            byte[] f = good.clone();
            f[14 + 10] ^= 0x55;
            assertEquals(FrameCodec.BAD_IP_CHECKSUM, codec.parse(s, 0, put(s, f)));
            f = good.clone();
            f[14 + 20 + 6] ^= 0x55;
            assertEquals(FrameCodec.BAD_UDP_CHECKSUM, codec.parse(s, 0, put(s, f)));
            assertEquals(FrameCodec.TRUNCATED, codec.parse(s, 0, put(s, good) - 10), "IP length beyond the frame");
            assertEquals(FrameCodec.BAD_UDP_LENGTH, codec.parse(s, 0, put(s, ipv4Frame(0, false, 48, 30))));
            f = good.clone();
            f[14] = 0x44; // IHL 4
            assertEquals(FrameCodec.BAD_IP_HEADER, codec.parse(s, 0, put(s, f)));
            f = good.clone();
            f[14 + 6] = 0x20; // more fragments
            assertEquals(FrameCodec.BAD_IP_HEADER, codec.parse(s, 0, put(s, f)));
            assertEquals(FrameCodec.TRUNCATED, codec.parse(s, 0, 30));
        }
    }

    @Test
    void shouldAcceptAChecksumLeftToOffloadByALocalSender() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(2048);
            byte[] f = ipv4Frame(0, false, 48, 0);
            // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, as a veth peer hands it over
            long pseudo = 0xC612 + 0x0002 + 0xC612 + 0x0001 + 17 + 56;
            int partial = FrameCodec.fold(pseudo);
            f[14 + 20 + 6] = (byte) (partial >>> 8);
            f[14 + 20 + 7] = (byte) partial;
            assertEquals(FrameCodec.OK, codec.parse(s, 0, put(s, f)));
        }
    }

    private static int put(MemorySegment s, byte[] frame) {
        MemorySegment.copy(frame, 0, s, ValueLayout.JAVA_BYTE, 0, frame.length);
        return frame.length;
    }

    /** An IPv4 NTP request frame with {@code options} bytes of IP options, optionally 802.1Q-tagged. */
    private static byte[] ipv4Frame(int options, boolean vlan, int payload, int udpLengthExtra) {
        int ihl = 20 + options;
        ByteBuffer b = ByteBuffer.allocate(14 + (vlan ? 4 : 0) + ihl + 8 + payload);
        b.put(SERVER_MAC).put(CLIENT_MAC);
        if (vlan) {
            b.putShort((short) 0x8100).putShort((short) 42);
        }
        b.putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) (0x40 | ihl / 4)).put((byte) 0).putShort((short) (ihl + 8 + payload)).putShort((short) 7)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 17).putShort((short) 0).put(CLIENT_V4).put(SERVER_V4);
        for (int i = 0; i < options; i++) {
            b.put((byte) 1); // NOP
        }
        byte[] a = b.array();
        int c = ones(a, ip, ihl);
        a[ip + 10] = (byte) (c >>> 8);
        a[ip + 11] = (byte) c;
        int udp = ip + ihl;
        b.position(udp);
        b.putShort((short) 40000).putShort((short) 123).putShort((short) (8 + payload + udpLengthExtra)).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) (i == 0 ? 0x23 : i));
        }
        c = udpV4(a, ip);
        a[udp + 6] = (byte) (c >>> 8);
        a[udp + 7] = (byte) c;
        return a;
    }

    private static byte[] ipv6Frame(int payload, boolean noChecksum) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8 + payload);
        b.put(SERVER_MAC).put(CLIENT_MAC).putShort((short) 0x86DD);
        b.putInt(0x6000_0000).putShort((short) (8 + payload)).put((byte) 17).put((byte) 64).put(CLIENT_V6).put(SERVER_V6);
        b.putShort((short) 40000).putShort((short) 123).putShort((short) (8 + payload)).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) (i == 0 ? 0x23 : i));
        }
        byte[] a = b.array();
        if (!noChecksum) {
            long sum = 17 + 8 + payload;
            for (int i = 0; i < 32; i += 2) {
                sum += ((a[14 + 8 + i] & 0xFF) << 8) | (a[14 + 8 + i + 1] & 0xFF);
            }
            int c = ~fold(sum + raw(a, 54, 8 + payload)) & 0xFFFF;
            a[60] = (byte) (c >>> 8);
            a[61] = (byte) c;
        }
        return a;
    }

    /** The UDP checksum over an IPv4 frame whose IP header starts at {@code ip} (0 when the field is right). */
    private static int udpV4(byte[] a, int ip) {
        int ihl = (a[ip] & 0x0F) * 4;
        int udpLength = ((a[ip + ihl + 4] & 0xFF) << 8) | (a[ip + ihl + 5] & 0xFF);
        long sum = raw(a, ip + 12, 8) + 17 + udpLength + raw(a, ip + ihl, udpLength);
        return ~fold(sum) & 0xFFFF;
    }

    /** RFC 1071: the one's complement of the one's-complement sum (0 over data that includes its checksum). */
    private static int ones(byte[] a, int from, int length) {
        return ~fold(raw(a, from, length)) & 0xFFFF;
    }

    private static long raw(byte[] a, int from, int length) {
        long sum = 0;
        for (int i = 0; i < length && from + i < a.length; i += 2) { // a UDP length beyond the frame: what is there
            sum += ((a[from + i] & 0xFF) << 8) | (i + 1 < length && from + i + 1 < a.length ? a[from + i + 1] & 0xFF : 0);
        }
        return sum;
    }

    private static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
