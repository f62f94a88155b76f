package org.jntpd.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * NTP packets written and read byte by byte, independently of the code under test (org.jntpd.wire), for system tests
 * that speak to the daemon over real sockets. Big-endian as on the wire; timestamps are raw 64-bit NTP values of era 0.
 */
public final class RawNtp {
    public static final int HEADER_BYTES = 48;
    public static final int MODE_SYMMETRIC_ACTIVE = 1;
    public static final int MODE_SYMMETRIC_PASSIVE = 2;
    public static final int MODE_CLIENT = 3;
    public static final int MODE_SERVER = 4;
    /** Refid of a kiss-o'-death RATE ("RATE" in ASCII). */
    public static final int KISS_RATE = 0x5241_5445;
    /** Refid of a server serving its local clock ("LOCL"). */
    public static final int REFID_LOCL = 0x4C4F_434C;
    private static final long NTP_UNIX_OFFSET_S = 2_208_988_800L;

    private RawNtp() {}

    /** A 48-byte client request (LI 0, mode 3) with everything zero but the transmit timestamp. */
    public static byte[] request(int version, long transmitNtp64) {
        return packet(version, MODE_CLIENT, 0, 0, transmitNtp64);
    }

    /** A 48-byte packet of any version and mode (the 3-bit fields are masked) with these three timestamps. */
    public static byte[] packet(int version, int mode, long originNtp64, long receiveNtp64, long transmitNtp64) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        b.put(0, (byte) ((version & 7) << 3 | (mode & 7)));
        b.putLong(24, originNtp64).putLong(32, receiveNtp64).putLong(40, transmitNtp64);
        return b.array();
    }

    /** Unix time in ns to an NTP timestamp (era 0: until 2036). */
    public static long ntp64(long unixNs) {
        long s = Math.floorDiv(unixNs, 1_000_000_000L);
        long ns = Math.floorMod(unixNs, 1_000_000_000L);
        return (s + NTP_UNIX_OFFSET_S) << 32 | ((ns << 32) / 1_000_000_000L);
    }

    /** An NTP timestamp (era 0) to Unix time in ns. */
    public static long unixNs(long ntp64) {
        long s = (ntp64 >>> 32) - NTP_UNIX_OFFSET_S;
        long frac = ntp64 & 0xFFFF_FFFFL;
        return s * 1_000_000_000L + ((frac * 1_000_000_000L) >>> 32);
    }

    /** The current time as an NTP timestamp. */
    public static long nowNtp64() {
        java.time.Instant now = java.time.Instant.now();
        return ntp64(now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }

    /** The fields of a received packet (at least 48 bytes), plus its length. */
    public record Header(int length, int leap, int version, int mode, int stratum, int poll, int precision,
            int rootDelay, int rootDispersion, int refId, long referenceTs, long originTs, long receiveTs,
            long transmitTs) {

        /** Parses {@code length} bytes of {@code data}; null when shorter than a header. */
        public static Header parse(byte[] data, int length) {
            if (length < HEADER_BYTES) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(data, 0, length);
            int lvm = b.get(0) & 0xFF;
            return new Header(length, lvm >>> 6, lvm >>> 3 & 7, lvm & 7, b.get(1) & 0xFF, b.get(2), b.get(3),
                    b.getInt(4), b.getInt(8), b.getInt(12), b.getLong(16), b.getLong(24), b.getLong(32), b.getLong(40));
        }

        public boolean isKissOfDeath() {
            return stratum == 0;
        }

        /** The refid as four ASCII characters (a kiss code or a stratum-1/local source name). */
        public String refIdText() {
            byte[] a = ByteBuffer.allocate(4).putInt(refId).array();
            return new String(a, StandardCharsets.US_ASCII);
        }

        /** Clock offset of the server in ns (server minus local) from our send/receive times, RFC 5905's theta. */
        public long offsetNs(long t1Ntp64, long t4Ntp64) {
            long t1 = unixNs(t1Ntp64);
            long t2 = unixNs(receiveTs);
            long t3 = unixNs(transmitTs);
            long t4 = unixNs(t4Ntp64);
            return ((t2 - t1) + (t3 - t4)) / 2;
        }

        /** Round-trip delay in ns without the server's own time between receive and transmit, RFC 5905's delta. */
        public long delayNs(long t1Ntp64, long t4Ntp64) {
            return (unixNs(t4Ntp64) - unixNs(t1Ntp64)) - (unixNs(transmitTs) - unixNs(receiveTs));
        }
    }
}
