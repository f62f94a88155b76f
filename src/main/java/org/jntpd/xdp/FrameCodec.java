package org.jntpd.xdp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Ethernet / 802.1Q / IPv4 / IPv6 / UDP framing of the raw path, in place over a UMEM frame: {@link #parse} checks a
 * received frame (lengths, IPv4 header checksum, UDP checksum) and finds the NTP payload and the client;
 * {@link #turnAround} rewrites the headers of the same frame into the reply's (addresses and ports swapped, lengths
 * for the reply payload, a fresh IPv4 header without options); {@link #finishUdpChecksum} computes the UDP checksum
 * once the payload is final (after T3 is stamped). Pure: no I/O, no allocation; one instance per worker.
 */
public final class FrameCodec {
    /** Parse outcomes; anything but {@link #OK} is a dropped frame, counted by reason. */
    public static final int OK = 0;
    public static final int TRUNCATED = 1;
    public static final int BAD_IP_HEADER = 2;
    public static final int BAD_IP_CHECKSUM = 3;
    public static final int BAD_UDP_LENGTH = 4;
    public static final int BAD_UDP_CHECKSUM = 5;
    public static final int NOT_UDP = 6;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int ETH_HLEN = 14;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86DD;
    private static final int IPPROTO_UDP = 17;
    private static final int UDP_HLEN = 8;
    private static final int IPV6_HLEN = 40;
    private static final int REPLY_TTL = 64;

    /** Results of the last {@link #parse}: offsets from the frame start, the client, the payload. */
    public int l3Offset;
    public int ipVersion;
    public int l4Offset;
    public int payloadOffset;
    public int payloadLength;
    public long clientHi;
    public long clientLo;
    public int clientPort;
    /** The address the request was sent to (the server's), in the clientHi/clientLo form. */
    public long serverHi;
    public long serverLo;
    public int serverPort;

    /** Checks the frame of {@code length} bytes at {@code frame} and fills the fields above; returns OK or a reason. */
    public int parse(MemorySegment s, long frame, int length) {
        if (length < ETH_HLEN + 20 + UDP_HLEN) {
            return TRUNCATED;
        }
        int l3 = ETH_HLEN;
        int type = u16(s, frame + 12);
        if (type == ETH_P_8021Q) {
            l3 += 4;
            type = u16(s, frame + 16);
        }
        l3Offset = l3;
        if (type == ETH_P_IP) {
            return parseIpv4(s, frame, length, l3);
        }
        if (type == ETH_P_IPV6) {
            return parseIpv6(s, frame, length, l3);
        }
        return NOT_UDP;
    }

    private int parseIpv4(MemorySegment s, long frame, int length, int l3) {
        long ip = frame + l3;
        int vihl = u8(s, ip);
        int ihl = (vihl & 0x0F) * 4;
        if ((vihl >>> 4) != 4 || ihl < 20) {
            return BAD_IP_HEADER;
        }
        int total = u16(s, ip + 2);
        if (total < ihl + UDP_HLEN || l3 + ihl + UDP_HLEN > length) {
            return l3 + ihl + UDP_HLEN > length ? TRUNCATED : BAD_IP_HEADER;
        }
        if (l3 + total > length) {
            return TRUNCATED; // the frame may be longer (Ethernet padding), never shorter
        }
        if ((u16(s, ip + 6) & 0x3FFF) != 0) {
            return BAD_IP_HEADER; // a fragment: the program passes those to the kernel
        }
        if (u8(s, ip + 9) != IPPROTO_UDP) {
            return NOT_UDP;
        }
        if (fold(sum(s, ip, ihl, 0)) != 0xFFFF) {
            return BAD_IP_CHECKSUM;
        }
        ipVersion = 4;
        int l4 = l3 + ihl;
        long udp = frame + l4;
        int udpLength = u16(s, udp + 4);
        if (udpLength < UDP_HLEN || udpLength > total - ihl) {
            return BAD_UDP_LENGTH;
        }
        int checksum = u16(s, udp + 6);
        if (checksum != 0) {
            long pseudo = (long) u32(s, ip + 12) & 0xFFFF_FFFFL;
            long sum = (pseudo >>> 16) + (pseudo & 0xFFFF);
            long dst = (long) u32(s, ip + 16) & 0xFFFF_FFFFL;
            sum += (dst >>> 16) + (dst & 0xFFFF) + IPPROTO_UDP + udpLength;
            if (!checksumOk(s, udp, udpLength, sum, checksum)) {
                return BAD_UDP_CHECKSUM;
            }
        }
        l4Offset = l4;
        payloadOffset = l4 + UDP_HLEN;
        payloadLength = udpLength - UDP_HLEN;
        clientHi = 0;
        clientLo = 0x0000_FFFF_0000_0000L | ((long) u32(s, ip + 12) & 0xFFFF_FFFFL);
        serverHi = 0;
        serverLo = 0x0000_FFFF_0000_0000L | ((long) u32(s, ip + 16) & 0xFFFF_FFFFL);
        clientPort = u16(s, udp);
        serverPort = u16(s, udp + 2);
        return OK;
    }

    private int parseIpv6(MemorySegment s, long frame, int length, int l3) {
        long ip = frame + l3;
        if (l3 + IPV6_HLEN + UDP_HLEN > length) {
            return TRUNCATED;
        }
        if ((u8(s, ip) >>> 4) != 6) {
            return BAD_IP_HEADER;
        }
        if (u8(s, ip + 6) != IPPROTO_UDP) {
            return NOT_UDP;
        }
        int payload = u16(s, ip + 4);
        if (l3 + IPV6_HLEN + payload > length) {
            return TRUNCATED;
        }
        ipVersion = 6;
        int l4 = l3 + IPV6_HLEN;
        long udp = frame + l4;
        int udpLength = u16(s, udp + 4);
        if (udpLength < UDP_HLEN || udpLength > payload) {
            return BAD_UDP_LENGTH;
        }
        int checksum = u16(s, udp + 6);
        if (checksum == 0 || !checksumOk(s, udp, udpLength, pseudo6(s, ip, udpLength), checksum)) {
            return BAD_UDP_CHECKSUM; // mandatory over IPv6
        }
        l4Offset = l4;
        payloadOffset = l4 + UDP_HLEN;
        payloadLength = udpLength - UDP_HLEN;
        clientHi = s.get(U64, ip + 8);
        clientLo = s.get(U64, ip + 16);
        serverHi = s.get(U64, ip + 24);
        serverLo = s.get(U64, ip + 32);
        clientPort = u16(s, udp);
        serverPort = u16(s, udp + 2);
        return OK;
    }

    /**
     * A full checksum, or one left for checksum offload: a sender on this host (a veth peer: a container, another
     * namespace) hands its frames over with CHECKSUM_PARTIAL, the field holding only the pseudo-header sum, and the
     * kernel's own UDP receive trusts them for that; XDP sees the frame before any NIC could finish the sum. A frame
     * corrupted on a wire matches that value by chance as rarely as it passes the checksum itself.
     */
    private static boolean checksumOk(MemorySegment s, long udp, int udpLength, long pseudoSum, int field) {
        return fold(sum(s, udp, udpLength, pseudoSum)) == 0xFFFF || field == fold(pseudoSum);
    }

    /** Offset, from the frame start, where the reply's NTP payload goes ({@link #turnAround} puts it there). */
    public int replyPayloadOffset() {
        return l3Offset + (ipVersion == 4 ? 20 : IPV6_HLEN) + UDP_HLEN;
    }

    /**
     * Turns the parsed request frame into the reply frame for a payload of {@code replyLength} bytes already written
     * at {@link #replyPayloadOffset()}: MACs, addresses and ports swapped, lengths set, an IPv4 header of 20 bytes
     * with its checksum, the UDP checksum zero until {@link #finishUdpChecksum}. Returns the frame length.
     */
    public int turnAround(MemorySegment s, long frame, int replyLength) {
        // Ethernet: swap the MACs (6 + 6 bytes) through two longs and an int.
        long dstHi = s.get(U32, frame) & 0xFFFF_FFFFL;
        int dstLo = u16(s, frame + 4);
        long srcHi = s.get(U32, frame + 6) & 0xFFFF_FFFFL;
        int srcLo = u16(s, frame + 10);
        s.set(U32, frame, (int) srcHi);
        s.set(U16, frame + 4, (short) srcLo);
        s.set(U32, frame + 6, (int) dstHi);
        s.set(U16, frame + 10, (short) dstLo);
        long ip = frame + l3Offset;
        long udp;
        int udpLength = UDP_HLEN + replyLength;
        int clientPortNow = clientPort;
        int serverPortNow = serverPort;
        if (ipVersion == 4) {
            int src = s.get(U32, ip + 12);
            int dst = s.get(U32, ip + 16);
            int tos = u8(s, ip + 1);
            int id = u16(s, ip + 4);
            s.set(JAVA_BYTE, ip, (byte) 0x45); // options are not echoed
            s.set(JAVA_BYTE, ip + 1, (byte) (tos & 0xFC)); // DSCP kept, ECN cleared
            s.set(U16, ip + 2, (short) (20 + udpLength));
            s.set(U16, ip + 4, (short) id);
            s.set(U16, ip + 6, (short) 0x4000); // DF
            s.set(JAVA_BYTE, ip + 8, (byte) REPLY_TTL);
            s.set(JAVA_BYTE, ip + 9, (byte) IPPROTO_UDP);
            s.set(U16, ip + 10, (short) 0);
            s.set(U32, ip + 12, dst);
            s.set(U32, ip + 16, src);
            s.set(U16, ip + 10, (short) ~fold(sum(s, ip, 20, 0)));
            udp = ip + 20;
        } else {
            long srcHi6 = s.get(U64, ip + 8);
            long srcLo6 = s.get(U64, ip + 16);
            s.set(U64, ip + 8, s.get(U64, ip + 24));
            s.set(U64, ip + 16, s.get(U64, ip + 32));
            s.set(U64, ip + 24, srcHi6);
            s.set(U64, ip + 32, srcLo6);
            s.set(U16, ip + 4, (short) udpLength);
            s.set(JAVA_BYTE, ip + 7, (byte) REPLY_TTL);
            udp = ip + IPV6_HLEN;
        }
        s.set(U16, udp, (short) serverPortNow);
        s.set(U16, udp + 2, (short) clientPortNow);
        s.set(U16, udp + 4, (short) udpLength);
        s.set(U16, udp + 6, (short) 0);
        return (int) (udp - frame) + udpLength;
    }

    /**
     * Computes the UDP checksum of a reply frame built by {@link #turnAround} whose payload is now final
     * ({@code l3Offset} and {@code ipVersion} as {@link #parse} found them for its request).
     */
    public static void finishUdpChecksum(MemorySegment s, long frame, int l3Offset, int ipVersion) {
        long ip = frame + l3Offset;
        long udp;
        long sum;
        int udpLength;
        if (ipVersion == 4) {
            udp = ip + 20;
            udpLength = u16(s, udp + 4);
            long src = (long) u32(s, ip + 12) & 0xFFFF_FFFFL;
            long dst = (long) u32(s, ip + 16) & 0xFFFF_FFFFL;
            sum = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + IPPROTO_UDP + udpLength;
        } else {
            udp = ip + IPV6_HLEN;
            udpLength = u16(s, udp + 4);
            sum = pseudo6(s, ip, udpLength);
        }
        int c = ~fold(sum(s, udp, udpLength, sum)) & 0xFFFF;
        s.set(U16, udp + 6, (short) (c == 0 ? 0xFFFF : c)); // 0 means "no checksum": sent as all ones
    }

    private static long pseudo6(MemorySegment s, long ip, int udpLength) {
        long sum = 0;
        for (int i = 8; i < 40; i += 4) {
            long w = (long) u32(s, ip + i) & 0xFFFF_FFFFL;
            sum += (w >>> 16) + (w & 0xFFFF);
        }
        return sum + IPPROTO_UDP + udpLength;
    }

    /** One's-complement sum (unfolded) of {@code length} bytes at {@code at}, added to {@code sum}. */
    public static long sum(MemorySegment s, long at, int length, long sum) {
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            long w = (long) s.get(U32, at + i) & 0xFFFF_FFFFL;
            sum += (w >>> 16) + (w & 0xFFFF);
        }
        if (i + 2 <= length) {
            sum += u16(s, at + i);
            i += 2;
        }
        if (i < length) {
            sum += u8(s, at + i) << 8;
        }
        return sum;
    }

    /** The 16-bit one's-complement fold of an unfolded {@link #sum}. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    private static int u8(MemorySegment s, long at) {
        return Byte.toUnsignedInt(s.get(JAVA_BYTE, at));
    }

    private static int u16(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(U16, at));
    }

    private static int u32(MemorySegment s, long at) {
        return s.get(U32, at);
    }
}
