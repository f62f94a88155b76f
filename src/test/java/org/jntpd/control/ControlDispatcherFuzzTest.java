package org.jntpd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jntpd.base.Log;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the control protocol without the socket ({@link ControlDispatcher}, what {@link ControlServer} does with the
 * bytes it reads), so that it runs millions of times where ControlServerFuzzTest (a real connection per run) runs
 * thousands: the command line found in the bytes is the same whether they arrive at once or in pieces (the first
 * newline, or the first 256 bytes, or all when the client ends sooner), and any line gets a bounded answer of exactly
 * one line, a JSON object with the protocol's version and "ok": the documented reply to the fixed requests of
 * ControlServerFuzzTest, for a line of words the command's own name, an error naming it when it is no command; a
 * modifying command refused by the peer's credentials is refused with that reason and does nothing. Seeds: jntpc's
 * commands, in words and in JSON (the socket target's).
 */
class ControlDispatcherFuzzTest {
    private static final ControlDispatcher DISPATCHER = new ControlDispatcher(ControlServerFuzzTest.commands());
    private static final int MAX_COMMAND = ControlServer.MAX_COMMAND_BYTES;
    private static final int MAX_ANSWER = 64 * 1024;
    private static final String REFUSED = "refused: uid 1234 is not the socket's owner, its group or root";
    /** Whether each command modifies (is refused without the credentials). */
    private static final Map<String, Boolean> PRIVILEGED = new HashMap<>();
    private static Log.Level threshold;

    static {
        for (ControlCommands.Command c : ControlCommands.table()) {
            PRIVILEGED.put(c.name(), c.privileged());
        }
    }

    @BeforeAll
    static void quiet() {
        // A refused modifying command logs a notice: once per run it would cost more than the run.
        threshold = Log.Level.ERROR;
        for (Log.Level l : Log.Level.values()) {
            if (Log.enabled(l)) {
                threshold = l;
            }
        }
        Log.setThreshold(Log.Level.WARN);
    }

    @AfterAll
    static void restore() {
        Log.setThreshold(threshold);
    }

    @FuzzTest
    void request(byte[] data) {
        String line = whole(data);
        // Pieces of 1, 17 ... 241 bytes: each read looks at the buffer from its start, as the server does, so a run
        // costs n^2 / piece byte comparisons (each a Jazzer hook); one byte at a time on one run in sixteen.
        assertEquals(line, inPieces(data, 1 + 16 * (data.length == 0 ? 0 : data[0] & 15)), "the same line in pieces");
        assertEquals(line, firstLine(data), "the first line, of at most " + MAX_COMMAND + " bytes");
        boolean refuse = (data.length & 1) == 1;
        long actions = ControlServerFuzzTest.ACTIONS.get();
        String answer = DISPATCHER.answer(line, () -> refuse ? REFUSED : null);
        assertTrue(answer.length() <= MAX_ANSWER, "a bounded answer");
        assertTrue(answer.endsWith("\n") && answer.indexOf('\n') == answer.length() - 1, "one line");
        Map<?, ?> reply = (Map<?, ?>) Json.parse(answer);
        assertEquals(1L, reply.get("version"));
        Object ok = reply.get("ok");
        assertTrue(ok instanceof Boolean, "ok is true or false");
        assertTrue(ok.equals(true) || reply.get("error") instanceof String, "an error says why");
        String known = ControlServerFuzzTest.KNOWN.get(line);
        String word = firstWord(line);
        Boolean privileged = word == null ? null : PRIVILEGED.get(word);
        if (known != null && !(refuse && Boolean.TRUE.equals(privileged))) {
            assertEquals(known, answer, "the answer to a fixed request");
        }
        if (word != null) {
            assertEquals(word, reply.get("command"), "the reply names the command");
            if (privileged == null) {
                assertEquals(false, ok, "no such command");
                assertTrue(((String) reply.get("error")).startsWith("unknown command '"), "unknown command");
            } else if (privileged && refuse) {
                assertEquals(false, ok, "refused");
                assertEquals(REFUSED, reply.get("error"), "refused with the credentials' reason");
                assertEquals(actions, ControlServerFuzzTest.ACTIONS.get(), "a refused command does nothing");
            }
        }
    }

    @Test
    void shouldFindTheCommandLineAsItArrives() {
        byte[] request = "tracking\nmore".getBytes(StandardCharsets.US_ASCII);
        assertNull(ControlDispatcher.commandIn(request, 5, false, false), "more to come");
        assertEquals("track", ControlDispatcher.commandIn(request, 5, false, true), "the client ended");
        assertEquals("track", ControlDispatcher.commandIn(request, 5, true, false), "the buffer is full");
        assertEquals("tracking", ControlDispatcher.commandIn(request, request.length, false, false), "up to the newline");
    }

    @Test
    void shouldRefuseAModifyingCommandWithThePeersReasonAndDoNothing() {
        long before = ControlServerFuzzTest.ACTIONS.get();
        assertEquals("{\"version\":1,\"command\":\"makestep\",\"ok\":false,\"error\":\"" + REFUSED + "\"}\n",
                DISPATCHER.answer("makestep", () -> REFUSED));
        assertEquals(before, ControlServerFuzzTest.ACTIONS.get());
        assertEquals("{\"version\":1,\"command\":\"makestep\",\"ok\":true,\"queued\":true}\n",
                DISPATCHER.answer("makestep", () -> null));
        assertEquals(before + 1, ControlServerFuzzTest.ACTIONS.get());
    }

    @Test
    void shouldSplitWordsAsTheRegexDid() {
        for (String line : List.of("tracking", "ntpdata 127.0.0.1", "a  b\t\tc", "a \t b ", " a b", "\ta", "a\t", " ",
                "\t \t", "x", "a\u00a0b c", "a\rb c", "   lead and trail   ", "é ü\t\u2028")) {
            assertEquals(List.of(line.split("[ \t]+")), ControlDispatcher.splitWords(line), "'" + line + "'");
        }
    }

    /** The line as the server sees it when the bytes arrive at once (then the client's end of input). */
    private static String whole(byte[] data) {
        byte[] in = new byte[MAX_COMMAND];
        int n = Math.min(data.length, MAX_COMMAND);
        System.arraycopy(data, 0, in, 0, n);
        String line = ControlDispatcher.commandIn(in, n, n == MAX_COMMAND, false);
        return line != null ? line : ControlDispatcher.commandIn(in, n, false, true);
    }

    /** The line as the server sees it when the bytes arrive {@code piece} at a time, each read then looked at. */
    private static String inPieces(byte[] data, int piece) {
        byte[] in = new byte[MAX_COMMAND];
        int n = 0;
        int at = 0;
        while (at < data.length && n < MAX_COMMAND) {
            int k = Math.min(piece, Math.min(data.length - at, MAX_COMMAND - n));
            System.arraycopy(data, at, in, n, k);
            at += k;
            n += k;
            String line = ControlDispatcher.commandIn(in, n, n == MAX_COMMAND, false);
            if (line != null) {
                return line;
            }
        }
        return ControlDispatcher.commandIn(in, n, n == MAX_COMMAND, true);
    }

    /** The protocol's request line, independently of the server: up to the first newline, at most 256 bytes. */
    private static String firstLine(byte[] data) {
        int end = Math.min(data.length, MAX_COMMAND);
        for (int i = 0; i < end; i++) {
            if (data[i] == '\n') {
                end = i;
                break;
            }
        }
        return new String(data, 0, end, StandardCharsets.UTF_8).trim();
    }

    /** The command word of a line of words (not JSON), or null. */
    private static String firstWord(String line) {
        if (line.isEmpty() || line.charAt(0) == '{' || line.charAt(0) == '[') {
            return null;
        }
        int end = 0;
        while (end < line.length() && line.charAt(end) != ' ' && line.charAt(end) != '\t') {
            end++;
        }
        return line.substring(0, end);
    }
}
