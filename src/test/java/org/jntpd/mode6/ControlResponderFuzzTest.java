package org.jntpd.mode6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.jntpd.mode6.ControlSnapshot.Association;
import org.jntpd.mode6.ControlSnapshot.Variable;
import org.jntpd.wire.ControlMessage;
import org.jntpd.wire.ControlStatus;

/**
 * Fuzzes the mode 6 server ({@link ControlResponder#answer}) with any datagram: never an exception; exactly one of
 * answered, malformed or rate-limited counted; nothing sent unless the request is a mode 6 request (version 1-4, no
 * response/error/more bit); an answer is 1 to {@link ControlResponder#MAX_FRAGMENTS} fragments, each a mode 6
 * response of the request's version, opcode, sequence and association, padded to 32 bits with zeros, its data inside
 * {@link ControlMessage#MAX_DATA_LENGTH}, the offsets running on from fragment to fragment, the more bit on all but the
 * last; an error is one fragment without data; read-variables text is printable ASCII and line breaks. Seeds: the
 * mode 6 packets of ntpq in the golden captures (the same as {@code wire.ControlMessageFuzzTest}'s).
 */
class ControlResponderFuzzTest {
    private static final long NOW_NTP64 = 0xEEC0_840F_CB73_611CL;
    private static final ControlSnapshot SNAPSHOT = new ControlSnapshot(
            ControlStatus.system(0, ControlStatus.SOURCE_NTP, 0, 0),
            List.of(Variable.of("version", "\"jntpd 0.1\""), Variable.of("stratum", "2"),
                    Variable.of("refid", "127.0.0.1"), new Variable("clock", null, true),
                    Variable.unlisted("rootdist", "0.003131"), Variable.of("long", "x".repeat(600))),
            List.of(new Association(1, ControlStatus.peer(0x90, ControlStatus.SELECT_CANDIDATE, 0, 0),
                            List.of(Variable.of("srcadr", "127.0.0.1"), Variable.of("reach", "0xff"))),
                    new Association(2, ControlStatus.peer(0x90, ControlStatus.SELECT_SYSTEM_PEER, 0, 0),
                            List.of(Variable.of("srcadr", "127.0.0.2")))));
    private static final List<Variable> LIVE = List.of(Variable.of("received", "12345"));

    private final ControlResponder responder = new ControlResponder();
    private final MemorySegment rx = MemorySegment.ofArray(new byte[2048]);
    private final MemorySegment[] out = new MemorySegment[ControlResponder.MAX_FRAGMENTS];
    private final int[] lengths = new int[out.length];
    private final ControlMessage request = new ControlMessage();
    private final ControlMessage reply = new ControlMessage();
    private long nowNs = 1_000_000_000L;

    ControlResponderFuzzTest() {
        for (int i = 0; i < out.length; i++) {
            out[i] = MemorySegment.ofArray(new byte[ControlResponder.FRAGMENT_BYTES]);
        }
    }

    @FuzzTest
    void request(byte[] data) {
        int length = Math.min(data.length, (int) rx.byteSize());
        MemorySegment.copy(data, 0, rx, ValueLayout.JAVA_BYTE, 0, length);
        nowNs += 1_000_000_000L; // a second between requests: the rate budget never runs out here
        long answered = responder.answered();
        long errors = responder.errors();
        long malformed = responder.malformed();
        long limited = responder.rateLimited();
        int n = responder.answer(rx, 0, length, SNAPSHOT, LIVE, nowNs, NOW_NTP64, out, lengths);
        long dAnswered = responder.answered() - answered;
        long dErrors = responder.errors() - errors;
        long dMalformed = responder.malformed() - malformed;
        assertEquals(0, responder.rateLimited() - limited, "a request a second is never rate-limited");
        assertEquals(1, dAnswered + dMalformed, "answered or malformed, once");
        assertTrue(dErrors <= dAnswered, "an error is an answer");
        if (dMalformed == 1) {
            assertEquals(0, n, "nothing sent for a malformed request");
            return;
        }
        assertTrue(n >= 1 && n <= ControlResponder.MAX_FRAGMENTS, n + " fragments");
        request.wrap(rx, 0, length);
        assertTrue(length >= ControlMessage.HEADER_LENGTH && request.mode() == 6 && request.version() >= 1
                && request.version() <= 4 && !request.isResponse() && !request.isError() && !request.hasMore(),
                "answered only a mode 6 request");
        int dataOffset = 0;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int fragment = lengths[i];
            assertTrue(fragment >= ControlMessage.HEADER_LENGTH && fragment <= ControlResponder.FRAGMENT_BYTES
                    && fragment % 4 == 0, "fragment of " + fragment + " bytes");
            reply.wrap(out[i], 0, fragment);
            assertEquals(6, reply.mode());
            assertEquals(request.version(), reply.version());
            assertTrue(reply.isResponse());
            assertEquals(request.opcode(), reply.opcode());
            assertEquals(request.sequence(), reply.sequence());
            assertEquals(request.associationId(), reply.associationId());
            assertEquals(i < n - 1, reply.hasMore(), "more bit on all but the last");
            int count = reply.count();
            assertTrue(count <= ControlMessage.MAX_DATA_LENGTH && ControlMessage.HEADER_LENGTH + count <= fragment,
                    "count " + count + " in " + fragment);
            assertEquals(ControlMessage.paddedLength(count), fragment, "padded to 32 bits, no more");
            for (int b = ControlMessage.HEADER_LENGTH + count; b < fragment; b++) {
                assertEquals(0, out[i].get(ValueLayout.JAVA_BYTE, b), "zero padding");
            }
            assertEquals(dataOffset, reply.dataOffset(), "offsets run on");
            dataOffset += count;
            if (reply.isError()) {
                assertEquals(1, dErrors);
                assertEquals(1, n, "an error is one fragment");
                assertEquals(0, count, "without data");
            }
            if (reply.opcode() == ControlMessage.OP_READ_VARIABLES && !reply.isError()) {
                for (int b = 0; b < count; b++) {
                    byte c = out[i].get(ValueLayout.JAVA_BYTE, ControlMessage.DATA_OFFSET + b);
                    assertTrue(c >= 0x20 && c < 0x7F || c == '\r' || c == '\n', "text: " + c);
                    text.append((char) c);
                }
            }
        }
        if (text.length() > 0 && !responderTruncated(n)) {
            assertTrue(text.toString().endsWith("\r\n"), "variables end with a line break");
        }
        if (dErrors == 0 && request.opcode() == ControlMessage.OP_READ_STATUS && request.associationId() == 0) {
            assertEquals(4 * SNAPSHOT.associations().size(), dataOffset, "id and status of each association");
        }
    }

    /** All fragments used: the text may go on beyond them. */
    private static boolean responderTruncated(int n) {
        return n == ControlResponder.MAX_FRAGMENTS;
    }
}
