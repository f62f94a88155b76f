package org.jntpd.nts;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One NTS-KE record (RFC 8915 section 4): critical bit, 15-bit type, 16-bit body length, body. The record types,
 * protocol and error numbers, ALPN name and exporter label of NTS-KE are here too.
 */
public record KeRecord(boolean critical, int type, byte[] body) {
    public static final int END_OF_MESSAGE = 0;
    public static final int NEXT_PROTOCOL = 1;
    public static final int ERROR = 2;
    public static final int WARNING = 3;
    public static final int AEAD_ALGORITHM = 4;
    public static final int NEW_COOKIE = 5;
    public static final int NTPV4_SERVER = 6;
    public static final int NTPV4_PORT = 7;

    public static final int PROTOCOL_NTPV4 = 0;
    public static final int ERROR_UNRECOGNIZED_CRITICAL = 0;
    public static final int ERROR_BAD_REQUEST = 1;
    public static final int ERROR_INTERNAL = 2;

    public static final String ALPN = "ntske/1";
    public static final String EXPORTER_LABEL = "EXPORTER-network-time-security";
    public static final int DEFAULT_PORT = 4460;
    public static final int HEADER = 4;

    public KeRecord {
        if (type < 0 || type > 0x7FFF || body.length > 0xFFFF) {
            throw new IllegalArgumentException("record type " + type + " with " + body.length + " bytes");
        }
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public int length() {
        return body.length;
    }

    /** The body as big-endian 16-bit numbers (the caller checked the length is even). */
    public List<Integer> u16s() {
        List<Integer> values = new ArrayList<>(body.length / 2);
        for (int i = 0; i + 1 < body.length; i += 2) {
            values.add((body[i] & 0xFF) << 8 | (body[i + 1] & 0xFF));
        }
        return values;
    }

    public static KeRecord of(boolean critical, int type, int... u16s) {
        byte[] body = new byte[2 * u16s.length];
        for (int i = 0; i < u16s.length; i++) {
            body[2 * i] = (byte) (u16s[i] >>> 8);
            body[2 * i + 1] = (byte) u16s[i];
        }
        return new KeRecord(critical, type, body);
    }

    /**
     * The exporter context for a key (RFC 8915 section 5.1): protocol NTPv4 (2 bytes), AEAD id (2 bytes), then 0 for
     * C2S or 1 for S2C.
     */
    public static byte[] exporterContext(int aead, boolean serverToClient) {
        return new byte[] {0, 0, (byte) (aead >>> 8), (byte) aead, (byte) (serverToClient ? 1 : 0)};
    }

    /** The records of a complete message, which must end with exactly one End of Message record. */
    public static List<KeRecord> split(byte[] message) throws KeException {
        List<KeRecord> records = new ArrayList<>();
        int at = 0;
        while (at < message.length) {
            if (message.length - at < HEADER) {
                throw new KeException(KeException.Problem.TRUNCATED, "record header cut after " + at + " bytes");
            }
            int word = (message[at] & 0xFF) << 8 | (message[at + 1] & 0xFF);
            int length = (message[at + 2] & 0xFF) << 8 | (message[at + 3] & 0xFF);
            if (message.length - at - HEADER < length) {
                throw new KeException(KeException.Problem.TRUNCATED, "record body of " + length + " bytes cut");
            }
            byte[] body = java.util.Arrays.copyOfRange(message, at + HEADER, at + HEADER + length);
            KeRecord r = new KeRecord((word & 0x8000) != 0, word & 0x7FFF, body);
            at += HEADER + length;
            if (r.type == END_OF_MESSAGE) {
                if (!r.critical || length != 0) {
                    throw new KeException(KeException.Problem.MALFORMED, "End of Message must be critical and empty");
                }
                if (at != message.length) {
                    throw new KeException(KeException.Problem.MALFORMED, (message.length - at) + " bytes after End of Message");
                }
                records.add(r);
                return records;
            }
            records.add(r);
        }
        throw new KeException(KeException.Problem.TRUNCATED, "no End of Message");
    }

    /** The wire form of records; an End of Message record is appended. */
    public static byte[] encode(List<KeRecord> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (KeRecord r : records) {
            write(out, r);
        }
        write(out, new KeRecord(true, END_OF_MESSAGE, new byte[0]));
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, KeRecord r) {
        int word = (r.critical ? 0x8000 : 0) | r.type;
        out.write(word >>> 8);
        out.write(word);
        out.write(r.body.length >>> 8);
        out.write(r.body.length);
        out.writeBytes(r.body);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeRecord r && r.critical == critical && r.type == type && java.util.Arrays.equals(r.body, body);
    }

    @Override
    public int hashCode() {
        return type * 31 + java.util.Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "KeRecord[" + (critical ? "C " : "") + type + " " + HexFormat.of().formatHex(body) + "]";
    }
}
