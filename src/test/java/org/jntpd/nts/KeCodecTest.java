package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.jntpd.auth.Golden;
import org.jntpd.nts.KeException.Problem;
import org.junit.jupiter.api.Test;

/**
 * NTS-KE records (RFC 8915 section 4) against the messages chronyd 4.3 and NTPsec 1.2.2 sent a JDK-only client
 * (golden/auth/java-nts-probe-*.txt), and every rule of the request and response checks.
 */
class KeCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    static String ke(String file, String prefix) {
        for (String l : Golden.lines(KeCodecTest.class, file)) {
            if (l.startsWith(prefix)) {
                return l.substring(l.indexOf(':') + 1).strip();
            }
        }
        throw new AssertionError(prefix);
    }

    static List<KeRecord> records(String hex) throws KeException {
        return KeRecord.split(HEX.parseHex(hex));
    }

    @Test
    void shouldReadChronysResponse() throws Exception {
        KeResponse r = KeResponse.parse(records(ke("java-nts-probe-vs-chrony-aead15.txt", "KE response")), List.of(15));
        assertEquals(15, r.aead());
        assertEquals(11123, r.port(), "chronyd's critical Port record");
        assertNull(r.server());
        assertEquals(8, r.cookies().size());
        assertEquals(100, r.cookies().get(0).length);
        assertEquals("255499f72c68a802", HEX.formatHex(r.cookies().get(0), 0, 8));
    }

    @Test
    void shouldReadNtpsecsResponseWithItsNonCriticalAeadRecord() throws Exception {
        KeResponse r = KeResponse.parse(records(ke("java-nts-probe-vs-ntpsec-aead15.txt", "KE response")), List.of(15));
        assertEquals(15, r.aead());
        assertEquals(-1, r.port(), "no Port record: 123");
        assertEquals(8, r.cookies().size());
        assertEquals(104, r.cookies().get(7).length);
    }

    @Test
    void shouldReportChronysEmptyAeadAnswer() throws Exception {
        KeException e = assertThrows(KeException.class, () -> KeResponse.parse(
                records(ke("java-nts-probe-vs-chrony-aead30only.txt", "KE response")), List.of(30)));
        assertEquals(Problem.NO_COMMON_AEAD, e.problem());
        assertEquals("8001000200008004000080000000", HEX.formatHex(KeResponse.noAead()), "what jntpd answers in that case");
    }

    @Test
    void shouldReadTheProbesRequestAndWriteChronysForm() throws Exception {
        KeRequest r = KeRequest.parse(records(ke("java-nts-probe-vs-chrony-aead15.txt", "KE request")));
        assertEquals(List.of(0), r.protocols());
        assertEquals(List.of(15), r.aeads());
        assertEquals("80010002000080040002000f80000000", HEX.formatHex(KeRequest.ntpv4(15).encode()));
        assertEquals(KeRequest.ntpv4(15, 17), KeRequest.parse(KeRecord.split(KeRequest.ntpv4(15, 17).encode())));
    }

    @Test
    void shouldRoundTripAResponse() throws Exception {
        KeResponse r = new KeResponse(17, List.of(new byte[] {1, 2, 3}, new byte[168]), "ntp.example", 1123);
        KeResponse back = KeResponse.parse(KeRecord.split(r.encode()), List.of(15, 17));
        assertEquals(17, back.aead());
        assertEquals("ntp.example", back.server());
        assertEquals(1123, back.port());
        assertEquals(2, back.cookies().size());
    }

    static Problem requestProblem(String hex) {
        return assertThrows(KeException.class, () -> KeRequest.parse(records(hex))).problem();
    }

    static Problem responseProblem(String hex) {
        return assertThrows(KeException.class, () -> KeResponse.parse(records(hex), List.of(15))).problem();
    }

    @Test
    void shouldRefuseBrokenFraming() {
        assertEquals(Problem.TRUNCATED, assertThrows(KeException.class, () -> records("8001000200")).problem());
        assertEquals(Problem.TRUNCATED, assertThrows(KeException.class, () -> records("80010002000080")).problem());
        assertEquals(Problem.TRUNCATED, assertThrows(KeException.class, () -> records("800100020000")).problem(), "no End");
        assertEquals(Problem.MALFORMED, assertThrows(KeException.class, () -> records("00000000")).problem(), "End not critical");
        assertEquals(Problem.MALFORMED, assertThrows(KeException.class, () -> records("800000020000")).problem(), "End with a body");
        assertEquals(Problem.MALFORMED, assertThrows(KeException.class, () -> records("8000000080000000")).problem(),
                "bytes after End");
    }

    @Test
    void shouldApplyEveryRequestRule() {
        String end = "80000000";
        String ntp = "800100020000";
        String aead = "0004000200" + "0f";
        assertEquals(Problem.BAD_REQUEST, requestProblem("000100020000" + aead + end), "Next Protocol not critical");
        assertEquals(Problem.BAD_REQUEST, requestProblem("80010000" + aead + end), "empty Next Protocol");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + ntp + aead + end), "two Next Protocol records");
        assertEquals(Problem.BAD_REQUEST, requestProblem(aead + end), "no Next Protocol record");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + end), "NTPv4 without AEAD");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + aead + aead + end), "two AEAD records");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + "000400010f" + end), "odd AEAD record");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + aead + "800200020000" + end), "Error in a request");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + aead + "800300020000" + end), "Warning in a request");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + aead + "00050001ff" + end), "cookie in a request");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + aead + "000700010f" + end), "Port of one byte");
        assertEquals(Problem.BAD_REQUEST, requestProblem(ntp + aead + "00060002 2020".replace(" ", "") + end),
                "Server not printable");
        assertEquals(Problem.UNRECOGNIZED_CRITICAL, requestProblem(ntp + aead + "c0000000" + end));
        assertEquals(Problem.UNRECOGNIZED_CRITICAL, requestProblem("80400000" + ntp + end),
                "the first broken rule decides");
    }

    @Test
    void shouldIgnoreUnknownNonCriticalRecordsAndAcceptServerAndPort() throws Exception {
        KeRequest r = KeRequest.parse(records("800100020000" + "0004000200" + "0f" + "4000000100" + "0006000161"
                + "000700020202" + "80000000"));
        assertEquals("a", r.server());
        assertEquals(0x202, r.port());
    }

    @Test
    void shouldApplyEveryResponseRule() {
        String end = "80000000";
        String ntp = "800100020000";
        String aead = "8004000200" + "0f";
        String cookie = "00050004deadbeef";
        assertEquals(Problem.SERVER_ERROR, responseProblem("800200020001" + end));
        assertEquals(Problem.SERVER_WARNING, responseProblem(ntp + aead + cookie + "800300020007" + end));
        assertEquals(Problem.MALFORMED, responseProblem("000100020000" + aead + cookie + end), "Next Protocol not critical");
        assertEquals(Problem.NO_COMMON_PROTOCOL, responseProblem("80010000" + end));
        assertEquals(Problem.MALFORMED, responseProblem("800100028001" + aead + cookie + end), "a protocol not offered");
        assertEquals(Problem.MALFORMED, responseProblem(ntp + "80040002 0011".replace(" ", "") + cookie + end),
                "an AEAD not offered");
        assertEquals(Problem.MALFORMED, responseProblem(ntp + "80040004000f0011" + cookie + end), "two AEADs chosen");
        assertEquals(Problem.NO_COOKIES, responseProblem(ntp + aead + end));
        assertEquals(Problem.MALFORMED, responseProblem(ntp + aead + "00050000" + end), "empty cookie");
        assertEquals(Problem.UNRECOGNIZED_CRITICAL, responseProblem(ntp + aead + cookie + "80080000" + end));
        assertEquals(Problem.MALFORMED, responseProblem(ntp + aead + cookie + "000700020001000700020002" + end),
                "two Port records");
    }
}
