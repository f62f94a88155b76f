package org.jntpd.nts.ke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.jntpd.nts.CookieJar;
import org.jntpd.nts.KeException;
import org.jntpd.nts.KeException.Problem;
import org.jntpd.nts.KeRecord;
import org.jntpd.nts.KeRequest;
import org.jntpd.nts.KeResponse;

/**
 * Fuzzes NTS-KE messages (RFC 8915 section 4) as both ends read them, after TLS: {@link KeIo#readMessage} off the
 * stream, {@link KeRecord#split}, then the server's {@link KeRequest#parse} and the client's {@link KeResponse#parse}
 * of the same records. The stream reader returns a prefix of the input ending with an End of Message header, no longer
 * than its bound, or TRUNCATED/OVERSIZED; split's records written back with {@link KeRecord#encode} are the message's
 * bytes. A refusal is a {@link KeException} of the problems each side documents (a server's with an error code it
 * answers with), nothing else; an accepted request or response is within the RFC's rules (one protocol list, an
 * offered AEAD, 1..8+ cookies of 1..1024 bytes, a printable server name, a 16-bit port) and encoded and parsed
 * again is the same. Seeds: the KE requests and responses of chrony and NTPsec servers in ../shared/golden/auth.
 */
class NtsKeRecordFuzzTest {
    /** The server's default bound ({@code NtsKeServer.Settings.defaults}) and the client's (64 KiB, RFC 8915). */
    private static final int MAX_REQUEST = 4096;
    private static final int MAX_RESPONSE = 65536;
    private static final List<Integer> OFFERED = List.of(17, 15);
    private static final Set<Problem> READ = EnumSet.of(Problem.TRUNCATED, Problem.OVERSIZED);
    private static final Set<Problem> SPLIT = EnumSet.of(Problem.TRUNCATED, Problem.MALFORMED);
    private static final Set<Problem> SERVER = EnumSet.of(Problem.BAD_REQUEST, Problem.UNRECOGNIZED_CRITICAL);
    private static final Set<Problem> CLIENT = EnumSet.of(Problem.MALFORMED, Problem.UNRECOGNIZED_CRITICAL,
            Problem.SERVER_ERROR, Problem.SERVER_WARNING, Problem.NO_COMMON_PROTOCOL, Problem.NO_COMMON_AEAD,
            Problem.NO_COOKIES);

    @FuzzTest
    void recordStream(byte[] data) throws IOException {
        byte[] asServer = read(data, MAX_REQUEST);
        byte[] asClient = read(data, MAX_RESPONSE);
        if (asServer != null) {
            assertArrayEquals(asServer, asClient, "the same message under a larger bound");
        }
        List<KeRecord> records = split(asClient != null ? asClient : data);
        if (records == null) {
            return;
        }
        if (asServer != null) {
            request(records);
        }
        response(records);
    }

    /** The message {@link KeIo#readMessage} takes off a stream of these bytes, or null (refused as it documents). */
    private static byte[] read(byte[] data, int max) throws IOException {
        try {
            byte[] message = KeIo.readMessage(new ByteArrayInputStream(data), max);
            assertTrue(message.length <= max && message.length <= data.length, () -> "bounded: " + message.length);
            assertArrayEquals(Arrays.copyOf(data, message.length), message, "a prefix of the stream");
            int last = lastRecord(message);
            assertEquals(KeRecord.END_OF_MESSAGE, (message[last] & 0x7F) << 8 | (message[last + 1] & 0xFF), "ends at End of Message");
            return message;
        } catch (KeException e) {
            assertTrue(READ.contains(e.problem()), () -> "read refused as " + e.problem() + ": " + e.getMessage());
            assertTrue(e.problem().errorCode >= 0);
            return null;
        }
    }

    /** Offset of the last record of a message read record by record. */
    private static int lastRecord(byte[] message) {
        int at = 0;
        while (true) {
            int next = at + KeRecord.HEADER + ((message[at + 2] & 0xFF) << 8 | (message[at + 3] & 0xFF));
            if (next == message.length) {
                return at;
            }
            at = next;
        }
    }

    private static List<KeRecord> split(byte[] message) {
        List<KeRecord> records;
        try {
            records = KeRecord.split(message);
        } catch (KeException e) {
            assertTrue(SPLIT.contains(e.problem()), () -> "split refused as " + e.problem() + ": " + e.getMessage());
            return null;
        }
        KeRecord end = records.get(records.size() - 1);
        assertEquals(new KeRecord(true, KeRecord.END_OF_MESSAGE, new byte[0]), end);
        assertTrue(records.size() <= message.length / KeRecord.HEADER, () -> records.size() + " records");
        assertArrayEquals(message, KeRecord.encode(records.subList(0, records.size() - 1)), "records written back");
        return records;
    }

    private static void request(List<KeRecord> records) {
        KeRequest request;
        try {
            request = KeRequest.parse(records);
        } catch (KeException e) {
            assertTrue(SERVER.contains(e.problem()), () -> "server refused as " + e.problem() + ": " + e.getMessage());
            assertTrue(e.problem().errorCode >= 0, "the server answers an error record");
            assertNotNull(e.getMessage());
            return;
        }
        assertTrue(!request.protocols().isEmpty(), "a protocol is offered");
        if (request.offersNtpv4()) {
            assertTrue(!request.aeads().isEmpty(), "NTPv4 comes with AEAD algorithms");
        }
        checkServer(request.server(), request.port());
        if (request.aeads().isEmpty()) {
            return; // encode() always writes an AEAD record, which must not be empty
        }
        try {
            assertEquals(request, KeRequest.parse(KeRecord.split(request.encode())), "encoded and parsed again");
        } catch (KeException e) {
            throw new AssertionError("a request we accept, encoded, is refused: " + e.getMessage(), e);
        }
    }

    private static void response(List<KeRecord> records) {
        KeResponse response;
        try {
            response = KeResponse.parse(records, OFFERED);
        } catch (KeException e) {
            assertTrue(CLIENT.contains(e.problem()), () -> "client refused as " + e.problem() + ": " + e.getMessage());
            assertNotNull(e.getMessage());
            return;
        }
        assertTrue(OFFERED.contains(response.aead()), () -> "an offered AEAD: " + response.aead());
        assertTrue(!response.cookies().isEmpty(), "cookies");
        for (byte[] cookie : response.cookies()) {
            assertTrue(cookie.length >= 1 && cookie.length <= CookieJar.MAX_COOKIE, () -> "cookie of " + cookie.length);
        }
        checkServer(response.server(), response.port());
        KeResponse again;
        try {
            again = KeResponse.parse(KeRecord.split(response.encode()), OFFERED);
        } catch (KeException e) {
            throw new AssertionError("a response we accept, encoded, is refused: " + e.getMessage(), e);
        }
        assertEquals(response.aead(), again.aead());
        assertEquals(response.server(), again.server());
        assertEquals(response.port(), again.port());
        assertEquals(response.cookies().size(), again.cookies().size());
        for (int i = 0; i < response.cookies().size(); i++) {
            assertArrayEquals(response.cookies().get(i), again.cookies().get(i), "cookie " + i);
        }
    }

    private static void checkServer(String server, int port) {
        if (server != null) {
            assertTrue(!server.isEmpty() && server.length() <= 255, () -> "server name of " + server.length());
            for (int i = 0; i < server.length(); i++) { // a loop, not chars().allMatch: no stream per run
                char c = server.charAt(i);
                if (c <= 0x20 || c >= 0x7F) {
                    throw new AssertionError("not printable: " + server);
                }
            }
        }
        assertTrue(port >= -1 && port <= 0xFFFF, () -> "port " + port);
    }
}
