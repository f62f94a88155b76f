package org.jntpd.wire;

import static org.jntpd.wire.BigEndian.i32;
import static org.jntpd.wire.BigEndian.i64;
import static org.jntpd.wire.BigEndian.u8;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over the 48-byte NTP header (RFC 5905 section 7.3) in a heap or native {@link MemorySegment}.
 *
 * <pre>
 *  0: LI(2) VN(3) Mode(3) | Stratum | Poll | Precision
 *  4: Root Delay (ntpShort)      8: Root Dispersion (ntpShort)     12: Reference ID
 * 16: Reference Timestamp       24: Origin Timestamp               32: Receive Timestamp    40: Transmit Timestamp
 * </pre>
 *
 * Timestamps are raw {@code ntp64} longs and root delay/dispersion raw {@code ntpShort} ints (see
 * {@link org.jntpd.time.NtpTimestamp} and {@link org.jntpd.time.NtpShort}); every access is big-endian.
 * {@link #wrap} checks nothing and allocates nothing: run {@link NtpPacketValidator#classify} first on received
 * bytes. Setters mask their argument to the field's width and return {@code this}.
 */
public final class NtpPacket extends Flyweight {
    public static final int HEADER_LENGTH = 48;

    public static final int LI_VN_MODE_OFFSET = 0;
    public static final int STRATUM_OFFSET = 1;
    public static final int POLL_OFFSET = 2;
    public static final int PRECISION_OFFSET = 3;
    public static final int ROOT_DELAY_OFFSET = 4;
    public static final int ROOT_DISPERSION_OFFSET = 8;
    public static final int REFERENCE_ID_OFFSET = 12;
    public static final int REFERENCE_TS_OFFSET = 16;
    public static final int ORIGIN_TS_OFFSET = 24;
    public static final int RECEIVE_TS_OFFSET = 32;
    public static final int TRANSMIT_TS_OFFSET = 40;

    public static final int LEAP_NONE = 0;
    public static final int LEAP_ADD_SECOND = 1;
    public static final int LEAP_DELETE_SECOND = 2;
    /** Clock not synchronised (RFC 5905 "alarm condition"). */
    public static final int LEAP_UNSYNCHRONIZED = 3;

    public static final int VERSION_1 = 1;
    public static final int VERSION_3 = 3;
    public static final int VERSION_4 = 4;

    /** Mode 0: reserved in NTPv2+; NTPv1 packets had no mode field (see {@link #effectiveMode()}). */
    public static final int MODE_RESERVED = 0;
    public static final int MODE_SYMMETRIC_ACTIVE = 1;
    public static final int MODE_SYMMETRIC_PASSIVE = 2;
    public static final int MODE_CLIENT = 3;
    public static final int MODE_SERVER = 4;
    public static final int MODE_BROADCAST = 5;
    public static final int MODE_CONTROL = 6;
    public static final int MODE_PRIVATE = 7;

    /** Stratum 0: unspecified or invalid; with it the reference ID is a kiss code. */
    public static final int STRATUM_UNSPECIFIED = 0;
    /** Stratum 16: unsynchronised (RFC 5905); 17-255 are reserved. */
    public static final int STRATUM_UNSYNCHRONIZED = 16;

    /** Kiss-o'-Death and reference codes (RFC 5905 section 7.4, RFC 8915 section 5.7), as {@link #refId()} ints. */
    public static final int KISS_DENY = ascii('D', 'E', 'N', 'Y');
    public static final int KISS_RSTR = ascii('R', 'S', 'T', 'R');
    public static final int KISS_RATE = ascii('R', 'A', 'T', 'E');
    public static final int KISS_NTSN = ascii('N', 'T', 'S', 'N');
    public static final int REFID_INIT = ascii('I', 'N', 'I', 'T');
    public static final int REFID_STEP = ascii('S', 'T', 'E', 'P');
    public static final int REFID_LOCL = ascii('L', 'O', 'C', 'L');

    /** Points this flyweight at {@code length} bytes of {@code segment} from {@code offset}; returns {@code this}. */
    public NtpPacket wrap(MemorySegment segment, long offset, int length) {
        point(segment, offset, length);
        return this;
    }

    public int leap() {
        return u8(segment, offset + LI_VN_MODE_OFFSET) >>> 6;
    }

    public NtpPacket leap(int leap) {
        int b = u8(segment, offset + LI_VN_MODE_OFFSET);
        BigEndian.u8(segment, offset + LI_VN_MODE_OFFSET, (b & 0x3F) | (leap & 0x3) << 6);
        return this;
    }

    public int version() {
        return (u8(segment, offset + LI_VN_MODE_OFFSET) >>> 3) & 0x7;
    }

    public NtpPacket version(int version) {
        int b = u8(segment, offset + LI_VN_MODE_OFFSET);
        BigEndian.u8(segment, offset + LI_VN_MODE_OFFSET, (b & 0xC7) | (version & 0x7) << 3);
        return this;
    }

    public int mode() {
        return u8(segment, offset + LI_VN_MODE_OFFSET) & 0x7;
    }

    public NtpPacket mode(int mode) {
        int b = u8(segment, offset + LI_VN_MODE_OFFSET);
        BigEndian.u8(segment, offset + LI_VN_MODE_OFFSET, (b & 0xF8) | (mode & 0x7));
        return this;
    }

    /** Sets leap indicator, version and mode in one store. */
    public NtpPacket leapVersionMode(int leap, int version, int mode) {
        BigEndian.u8(segment, offset + LI_VN_MODE_OFFSET, (leap & 0x3) << 6 | (version & 0x7) << 3 | (mode & 0x7));
        return this;
    }

    /**
     * The mode a server should answer as if received: NTPv1 packets have no mode field (the byte is 0) and ntpd and
     * chrony both treat NTPv1 mode 0 as a client request (chrony only when the source port is not 123, since an
     * NTPv1 peer sends from 123; that check belongs to the caller, which knows the port). Otherwise {@link #mode()}.
     */
    public int effectiveMode() {
        int b = u8(segment, offset + LI_VN_MODE_OFFSET);
        return (b & 0x3F) == (VERSION_1 << 3 | MODE_RESERVED) ? MODE_CLIENT : b & 0x7;
    }

    /** Stratum, unsigned 0-255. */
    public int stratum() {
        return u8(segment, offset + STRATUM_OFFSET);
    }

    public NtpPacket stratum(int stratum) {
        BigEndian.u8(segment, offset + STRATUM_OFFSET, stratum);
        return this;
    }

    /** Poll interval, log2 seconds, signed. */
    public int pollLog2() {
        return BigEndian.i8(segment, offset + POLL_OFFSET);
    }

    public NtpPacket pollLog2(int pollLog2) {
        BigEndian.u8(segment, offset + POLL_OFFSET, pollLog2);
        return this;
    }

    /** Precision of the sender's clock, log2 seconds, signed (-20 is about 1 us). */
    public int precisionLog2() {
        return BigEndian.i8(segment, offset + PRECISION_OFFSET);
    }

    public NtpPacket precisionLog2(int precisionLog2) {
        BigEndian.u8(segment, offset + PRECISION_OFFSET, precisionLog2);
        return this;
    }

    /** Root delay, raw {@code ntpShort} (16.16 s, unsigned). */
    public int rootDelay() {
        return i32(segment, offset + ROOT_DELAY_OFFSET);
    }

    public NtpPacket rootDelay(int ntpShort) {
        BigEndian.i32(segment, offset + ROOT_DELAY_OFFSET, ntpShort);
        return this;
    }

    /** Root dispersion, raw {@code ntpShort} (16.16 s, unsigned). */
    public int rootDispersion() {
        return i32(segment, offset + ROOT_DISPERSION_OFFSET);
    }

    public NtpPacket rootDispersion(int ntpShort) {
        BigEndian.i32(segment, offset + ROOT_DISPERSION_OFFSET, ntpShort);
        return this;
    }

    /** Reference ID as the four wire bytes read big-endian (an IPv4 address reads as its usual integer). */
    public int refId() {
        return i32(segment, offset + REFERENCE_ID_OFFSET);
    }

    public NtpPacket refId(int refId) {
        BigEndian.i32(segment, offset + REFERENCE_ID_OFFSET, refId);
        return this;
    }

    public long referenceTs() {
        return i64(segment, offset + REFERENCE_TS_OFFSET);
    }

    public NtpPacket referenceTs(long ntp64) {
        BigEndian.i64(segment, offset + REFERENCE_TS_OFFSET, ntp64);
        return this;
    }

    public long originTs() {
        return i64(segment, offset + ORIGIN_TS_OFFSET);
    }

    public NtpPacket originTs(long ntp64) {
        BigEndian.i64(segment, offset + ORIGIN_TS_OFFSET, ntp64);
        return this;
    }

    public long receiveTs() {
        return i64(segment, offset + RECEIVE_TS_OFFSET);
    }

    public NtpPacket receiveTs(long ntp64) {
        BigEndian.i64(segment, offset + RECEIVE_TS_OFFSET, ntp64);
        return this;
    }

    public long transmitTs() {
        return i64(segment, offset + TRANSMIT_TS_OFFSET);
    }

    public NtpPacket transmitTs(long ntp64) {
        BigEndian.i64(segment, offset + TRANSMIT_TS_OFFSET, ntp64);
        return this;
    }

    /**
     * Starts the header of a reply to {@code request} in this packet: the request's version (so an NTPv1-3 client
     * gets its own version back, as ntpd and chrony answer), {@code mode}, the request's poll, and origin = the
     * request's transmit timestamp. The caller sets leap, stratum, precision, root delay and dispersion, reference
     * ID and time, receive and transmit timestamps. {@code request} and this packet may share a buffer only if
     * they do not overlap.
     */
    public NtpPacket replyTo(NtpPacket request, int mode) {
        BigEndian.u8(segment, offset + LI_VN_MODE_OFFSET, request.version() << 3 | (mode & 0x7));
        BigEndian.u8(segment, offset + POLL_OFFSET, request.pollLog2());
        BigEndian.i64(segment, offset + ORIGIN_TS_OFFSET, request.transmitTs());
        return this;
    }

    /** Zeroes the 48 header bytes. */
    public NtpPacket clearHeader() {
        for (int i = 0; i < HEADER_LENGTH; i += Long.BYTES) { // no slice object, unlike asSlice().fill()
            BigEndian.i64(segment, offset + i, 0L);
        }
        return this;
    }

    /** Copies this packet's 48 header bytes over {@code destination}'s header. */
    public NtpPacket copyHeaderTo(NtpPacket destination) {
        copyHeader(segment, offset, destination.segment, destination.offset);
        return this;
    }

    /** Copies a 48-byte header between segments (overlapping ranges are handled as by {@code memmove}). */
    public static void copyHeader(MemorySegment source, long sourceOffset, MemorySegment destination, long destinationOffset) {
        MemorySegment.copy(source, sourceOffset, destination, destinationOffset, HEADER_LENGTH);
    }

    /** The reference ID spelled from four ASCII characters, as kiss codes and stratum-1 sources are written. */
    public static int ascii(char a, char b, char c, char d) {
        return (a & 0xFF) << 24 | (b & 0xFF) << 16 | (c & 0xFF) << 8 | (d & 0xFF);
    }

    /**
     * The reference ID of a name of up to four ASCII characters, left-aligned and zero-padded ({@code "PPS"} =
     * 0x50505300); characters after the fourth are not carried (setup code: a refid from the configuration).
     */
    public static int asciiRefId(String name) {
        int bits = 0;
        for (int i = 0; i < 4; i++) {
            bits = bits << 8 | (i < name.length() ? name.charAt(i) & 0xFF : 0);
        }
        return bits;
    }

    /**
     * Reference ID as text, for tools and logs (allocates): stratum 0 and 1 carry up to four ASCII characters
     * (kiss code or source name, NUL-padded), other strata an IPv4 address or the first four bytes of an MD5 hash
     * of an IPv6 address, both shown dotted-quad as ntpq does. Non-printable characters show as {@code '.'}.
     */
    public static String refIdText(int refId, int stratum) {
        if (stratum > 1) {
            return (refId >>> 24) + "." + (refId >>> 16 & 0xFF) + "." + (refId >>> 8 & 0xFF) + "." + (refId & 0xFF);
        }
        byte[] chars = new byte[4];
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = refId >>> shift & 0xFF;
            if (c == 0) {
                break;
            }
            chars[n++] = (byte) (c >= 0x20 && c < 0x7F ? c : '.');
        }
        return new String(chars, 0, n, StandardCharsets.US_ASCII);
    }
}
