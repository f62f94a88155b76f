package org.jntpd.nts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.nts.KeException.Problem;

/**
 * A client's NTS-KE request (RFC 8915 section 4): the protocols and AEAD algorithms it offers, in its order of
 * preference, and optionally the NTP server and port it would like ({@code null} / -1 when absent).
 *
 * <p>{@link #parse} applies the server's rules in record order, the first broken rule deciding the answer (as chrony
 * does): Next Protocol must be critical with at least one even-length list, exactly once; AEAD Algorithm at least one
 * id, exactly once when NTPv4 is offered; Error, Warning and New Cookie have no place in a request; Server must be a
 * printable ASCII name, Port two bytes, each at most once; an unknown critical record is refused with error 0,
 * an unknown non-critical one is ignored.
 */
public record KeRequest(List<Integer> protocols, List<Integer> aeads, String server, int port) {
    public KeRequest {
        protocols = List.copyOf(protocols);
        aeads = List.copyOf(aeads);
    }

    /** NTPv4 with these AEADs, nothing else. */
    public static KeRequest ntpv4(int... aeads) {
        List<Integer> list = new ArrayList<>();
        for (int a : aeads) {
            list.add(a);
        }
        return new KeRequest(List.of(KeRecord.PROTOCOL_NTPV4), list, null, -1);
    }

    public byte[] encode() {
        List<KeRecord> records = new ArrayList<>();
        records.add(KeRecord.of(true, KeRecord.NEXT_PROTOCOL, protocols.stream().mapToInt(Integer::intValue).toArray()));
        records.add(KeRecord.of(true, KeRecord.AEAD_ALGORITHM, aeads.stream().mapToInt(Integer::intValue).toArray()));
        if (server != null) {
            records.add(new KeRecord(false, KeRecord.NTPV4_SERVER, server.getBytes(StandardCharsets.US_ASCII)));
        }
        if (port >= 0) {
            records.add(KeRecord.of(false, KeRecord.NTPV4_PORT, port));
        }
        return KeRecord.encode(records);
    }

    public boolean offersNtpv4() {
        return protocols.contains(KeRecord.PROTOCOL_NTPV4);
    }

    public static KeRequest parse(List<KeRecord> records) throws KeException {
        List<Integer> protocols = new ArrayList<>();
        List<Integer> aeads = new ArrayList<>();
        int protocolRecords = 0;
        int aeadRecords = 0;
        String server = null;
        int port = -1;
        for (KeRecord r : records) {
            switch (r.type()) {
                case KeRecord.END_OF_MESSAGE -> { }
                case KeRecord.NEXT_PROTOCOL -> {
                    if (!r.critical() || r.length() < 2 || (r.length() & 1) != 0) {
                        throw bad("Next Protocol record must be critical and list at least one protocol");
                    }
                    protocolRecords++;
                    protocols.addAll(r.u16s());
                }
                case KeRecord.AEAD_ALGORITHM -> {
                    if (r.length() < 2 || (r.length() & 1) != 0) {
                        throw bad("AEAD Algorithm record must list at least one algorithm");
                    }
                    aeadRecords++;
                    aeads.addAll(r.u16s());
                }
                case KeRecord.ERROR, KeRecord.WARNING, KeRecord.NEW_COOKIE ->
                    throw bad("a request carries no record of type " + r.type());
                case KeRecord.NTPV4_SERVER -> {
                    if (server != null) {
                        throw bad("two Server records");
                    }
                    server = ascii(r, Problem.BAD_REQUEST);
                }
                case KeRecord.NTPV4_PORT -> {
                    if (port >= 0 || r.length() != 2) {
                        throw bad("Port record must appear at most once with two bytes");
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
            throw bad(protocolRecords + " Next Protocol records, exactly one expected");
        }
        if (protocols.contains(KeRecord.PROTOCOL_NTPV4) && aeadRecords != 1) {
            throw bad(aeadRecords + " AEAD Algorithm records, exactly one expected with NTPv4");
        }
        return new KeRequest(protocols, aeads, server, port);
    }

    static String ascii(KeRecord r, Problem problem) throws KeException {
        byte[] b = r.body();
        if (b.length == 0 || b.length > 255) {
            throw new KeException(problem, "Server record of " + b.length + " bytes");
        }
        for (byte c : b) {
            if (c < 0x21 || c > 0x7E) {
                throw new KeException(problem, "Server record is not a printable ASCII name");
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static KeException bad(String why) {
        return new KeException(Problem.BAD_REQUEST, why);
    }
}
