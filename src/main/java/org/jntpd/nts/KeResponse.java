package org.jntpd.nts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.nts.KeException.Problem;

/**
 * A server's successful NTS-KE response for NTPv4 (RFC 8915 section 4): the AEAD chosen, the cookies, and where to
 * send NTP ({@code server} null and {@code port} -1 mean the KE server's address and port 123).
 *
 * <p>{@link #parse} is the client's check, strict: an Error or any Warning (no warning codes are defined, and an
 * unrecognized one must be treated as an error) ends the exchange; Next Protocol must be critical, exactly once, and
 * name NTPv4; AEAD Algorithm exactly once with one of the offered ids; at least one cookie; Server a printable name and
 * Port two bytes, each at most once; an unknown critical record is an error, an unknown non-critical one ignored.
 */
public record KeResponse(int aead, List<byte[]> cookies, String server, int port) {
    public KeResponse {
        cookies = List.copyOf(cookies);
    }

    /** Records of the response: Next Protocol NTPv4, the AEAD, Port and Server when given (critical, as chrony), cookies. */
    public byte[] encode() {
        List<KeRecord> records = new ArrayList<>();
        records.add(KeRecord.of(true, KeRecord.NEXT_PROTOCOL, KeRecord.PROTOCOL_NTPV4));
        records.add(KeRecord.of(true, KeRecord.AEAD_ALGORITHM, aead));
        if (port >= 0) {
            records.add(KeRecord.of(true, KeRecord.NTPV4_PORT, port));
        }
        if (server != null) {
            records.add(new KeRecord(true, KeRecord.NTPV4_SERVER, server.getBytes(StandardCharsets.US_ASCII)));
        }
        for (byte[] cookie : cookies) {
            records.add(new KeRecord(false, KeRecord.NEW_COOKIE, cookie));
        }
        return KeRecord.encode(records);
    }

    /** An error response: the Error record and End of Message. */
    public static byte[] error(int code) {
        return KeRecord.encode(List.of(KeRecord.of(true, KeRecord.ERROR, code)));
    }

    /** The answer when the client offered no protocol we speak: an empty Next Protocol record. */
    public static byte[] noProtocol() {
        return KeRecord.encode(List.of(new KeRecord(true, KeRecord.NEXT_PROTOCOL, new byte[0])));
    }

    /** The answer when no offered AEAD is supported: NTPv4 and an empty AEAD record (as chrony answers). */
    public static byte[] noAead() {
        return KeRecord.encode(List.of(KeRecord.of(true, KeRecord.NEXT_PROTOCOL, KeRecord.PROTOCOL_NTPV4),
                new KeRecord(true, KeRecord.AEAD_ALGORITHM, new byte[0])));
    }

    public static KeResponse parse(List<KeRecord> records, List<Integer> offeredAeads) throws KeException {
        int protocolRecords = 0;
        List<Integer> protocols = new ArrayList<>();
        int aeadRecords = 0;
        List<Integer> aeads = new ArrayList<>();
        List<byte[]> cookies = new ArrayList<>();
        String server = null;
        int port = -1;
        for (KeRecord r : records) {
            switch (r.type()) {
                case KeRecord.END_OF_MESSAGE -> { }
                case KeRecord.ERROR -> throw new KeException(Problem.SERVER_ERROR, "server error " + code(r)
                        + switch (code(r)) {
                            case KeRecord.ERROR_UNRECOGNIZED_CRITICAL -> " (unrecognized critical record)";
                            case KeRecord.ERROR_BAD_REQUEST -> " (bad request)";
                            case KeRecord.ERROR_INTERNAL -> " (internal server error)";
                            default -> "";
                        });
                case KeRecord.WARNING -> throw new KeException(Problem.SERVER_WARNING, "server warning " + code(r)
                        + " (no warning codes are defined: treated as an error)");
                case KeRecord.NEXT_PROTOCOL -> {
                    if (!r.critical() || (r.length() & 1) != 0) {
                        throw malformed("Next Protocol record must be critical with 16-bit ids");
                    }
                    protocolRecords++;
                    protocols.addAll(r.u16s());
                }
                case KeRecord.AEAD_ALGORITHM -> {
                    if ((r.length() & 1) != 0) {
                        throw malformed("AEAD Algorithm record of odd length");
                    }
                    aeadRecords++;
                    aeads.addAll(r.u16s());
                }
                case KeRecord.NEW_COOKIE -> {
                    if (r.length() == 0 || r.length() > CookieJar.MAX_COOKIE) {
                        throw malformed("cookie of " + r.length() + " bytes");
                    }
                    cookies.add(r.body());
                }
                case KeRecord.NTPV4_SERVER -> {
                    if (server != null) {
                        throw malformed("two Server records");
                    }
                    server = KeRequest.ascii(r, Problem.MALFORMED);
                }
                case KeRecord.NTPV4_PORT -> {
                    if (port >= 0 || r.length() != 2) {
                        throw malformed("Port record must appear at most once with two bytes");
                    }
                    port = r.u16s().get(0);
                }
                default -> {
                    if (r.critical()) {
                        throw new KeException(Problem.UNRECOGNIZED_CRITICAL, "unrecognized critical record type " + r.type());
                    }
                }
            }
        }
        if (protocolRecords != 1) {
            throw malformed(protocolRecords + " Next Protocol records, exactly one expected");
        }
        if (protocols.isEmpty()) {
            throw new KeException(Problem.NO_COMMON_PROTOCOL, "the server speaks none of the offered protocols");
        }
        if (protocols.size() != 1 || protocols.get(0) != KeRecord.PROTOCOL_NTPV4) {
            throw malformed("the server chose protocols " + protocols + ", NTPv4 (0) was offered");
        }
        if (aeadRecords != 1) {
            throw malformed(aeadRecords + " AEAD Algorithm records, exactly one expected");
        }
        if (aeads.isEmpty()) {
            throw new KeException(Problem.NO_COMMON_AEAD, "the server supports none of the AEAD algorithms " + offeredAeads);
        }
        if (aeads.size() != 1 || !offeredAeads.contains(aeads.get(0))) {
            throw malformed("the server chose AEAD " + aeads + ", offered " + offeredAeads);
        }
        if (cookies.isEmpty()) {
            throw new KeException(Problem.NO_COOKIES, "the response carries no cookie");
        }
        return new KeResponse(aeads.get(0), cookies, server, port);
    }

    private static int code(KeRecord r) throws KeException {
        if (!r.critical() || r.length() != 2) {
            throw malformed("Error/Warning record must be critical with a 16-bit code");
        }
        return r.u16s().get(0);
    }

    private static KeException malformed(String why) {
        return new KeException(Problem.MALFORMED, why);
    }
}
