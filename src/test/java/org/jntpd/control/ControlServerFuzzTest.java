package org.jntpd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the control protocol as a client meets it: any bytes sent on a connection to the {@link ControlServer}'s
 * socket get, within seconds, exactly one line that is a JSON object carrying the protocol's version and "ok"
 * (docs/CONTROL.md): the known reply for a first line that is one of the fixed requests below, an error naming the
 * command for a word that is no command, an error for a line that starts as JSON and is not a request; and the
 * server answers the next connection (it never dies on a request). The request parsing is private to the server, so
 * the fuzzing goes through a real Unix socket. Seeds: jntpc's commands, in words and in JSON.
 */
class ControlServerFuzzTest {
    static final Map<String, Object> COUNTERS = new java.util.LinkedHashMap<>(Map.of("received", 7L));
    /** What the fake daemon's modifying commands were asked (they only count). */
    static final java.util.concurrent.atomic.AtomicLong ACTIONS = new java.util.concurrent.atomic.AtomicLong();

    /** Commands over an empty daemon: fixed replies, and modifying commands that only count. */
    static ControlCommands commands() {
        return new ControlCommands(new ControlCommands.Sources(() -> DaemonStatus.EMPTY, () -> COUNTERS,
                () -> "no authentication configured\n", () -> null, new ControlCommands.Actions() {
                    @Override
                    public int sources(String action, String selector) {
                        ACTIONS.incrementAndGet();
                        return 0;
                    }

                    @Override
                    public void makestep() {
                        ACTIONS.incrementAndGet();
                    }
                }, "jntpd (test)"));
    }

    static final Map<String, String> KNOWN = Map.of(
            "tracking", """
                    {"version":1,"command":"tracking","ok":true,"synchronised":false,"status":"starting",\
                    "ref_id":"00000000","ref_id_text":"","system_peer":null,"stratum":16,"ref_time_utc":null,\
                    "ref_age_s":null,"last_offset_s":0.0,"offset_sigma_s":0.0,"frequency_ppm":0.0,\
                    "frequency_sigma_ppm":0.0,"system_time_offset_s":0.0,"residual_frequency_ppm":null,\
                    "update_interval_s":null,"root_delay_s":0.0,"root_dispersion_s":0.0,"leap":3,\
                    "leap_status":"not synchronised","precision_log2":0,"snapshot_age_s":null}
                    """,
            "sources", """
                    {"version":1,"command":"sources","ok":true,"sources":[],"snapshot_age_s":null}
                    """,
            "{\"command\": \"sources\", \"args\": []}", """
                    {"version":1,"command":"sources","ok":true,"sources":[],"snapshot_age_s":null}
                    """,
            "serverstats", """
                    {"version":1,"command":"serverstats","ok":true,"serving":true,"received":7}
                    """,
            "authdata", """
                    {"version":1,"command":"authdata","ok":true,"sources":[],"nts_ke_server":null,\
                    "ntp_server":null,"text":"no authentication configured\\n"}
                    """,
            "activity", """
                    {"version":1,"command":"activity","ok":true,"online":0,"offline":0,"burst_online":0,\
                    "burst_offline":0,"unresolved":0}
                    """,
            "tracking now", """
                    {"version":1,"command":"tracking","ok":false,"error":"takes no arguments (got 'now')"}
                    """,
            "ntpdata 192.0.2.1", """
                    {"version":1,"command":"ntpdata","ok":false,"error":"no NTP source 192.0.2.1"}
                    """,
            "reload", """
                    {"version":1,"command":"reload","ok":false,"error":"reload is not offered by this daemon"}
                    """,
            "", """
                    {"version":1,"command":null,"ok":false,"error":"empty request (try help)"}
                    """);
    private static final int MAX_ANSWER = 64 * 1024;
    private static final int MAX_COMMAND = ControlServer.MAX_COMMAND_BYTES;
    private static Path dir;
    private static Path socket;
    private static ControlServer server;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("jntpd-control-fuzz");
        socket = dir.resolve("c.sock");
        server = ControlServer.open(socket.toString(), commands());
        assertNotNull(server, "the control socket opened");
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    @FuzzTest
    void request(byte[] data) throws IOException {
        String answer = ask(data);
        assertTrue(answer.endsWith("\n") && answer.indexOf('\n') == answer.length() - 1, "one line: " + answer);
        Map<?, ?> reply = (Map<?, ?>) Json.parse(answer);
        assertEquals(1L, reply.get("version"), answer);
        assertTrue(reply.get("ok") instanceof Boolean, answer);
        assertTrue(reply.get("ok").equals(true) || reply.get("error") instanceof String, answer);
        // The protocol: one request line of at most 256 bytes (what follows them is not read).
        int newline = indexOf(data, (byte) '\n');
        int end = newline >= 0 && newline < MAX_COMMAND ? newline : Math.min(data.length, MAX_COMMAND);
        String firstLine = new String(data, 0, end, StandardCharsets.UTF_8).trim();
        String known = KNOWN.get(firstLine);
        if (known != null) {
            assertEquals(known, answer, "the answer to " + firstLine);
        } else if (!firstLine.isEmpty() && !firstLine.startsWith("{") && !firstLine.startsWith("[")) {
            String word = firstLine.split("[ \\t]+")[0];
            assertEquals(word, reply.get("command"), answer);
            if (ControlCommands.table().stream().noneMatch(c -> c.name().equals(word))) {
                assertEquals(false, reply.get("ok"), answer);
                assertTrue(((String) reply.get("error")).startsWith("unknown command '"), answer);
            }
        }
        assertEquals(KNOWN.get(""), ask("\n".getBytes(StandardCharsets.US_ASCII)), "the server still answers");
    }

    @Test
    void shouldAnswerEveryFixedRequestAsDocumented() throws IOException {
        for (Map.Entry<String, String> e : KNOWN.entrySet()) {
            assertEquals(e.getValue(), ask((e.getKey() + "\n").getBytes(StandardCharsets.UTF_8)), e.getKey());
        }
    }

    @Test
    void shouldRefuseMalformedJsonRequestsWithAnErrorReply() throws IOException {
        for (String bad : List.of("{", "{\"command\":1}", "{\"command\":\"sources\",\"args\":[1]}", "[\"sources\"]",
                "{\"command\":\"sources\",\"x\":1}", "{\"args\":[]}", "{\"command\":\"sources\",\"version\":2}",
                "{" + "[".repeat(200))) {
            Map<?, ?> reply = (Map<?, ?>) Json.parse(ask((bad + "\n").getBytes(StandardCharsets.UTF_8)));
            assertEquals(1L, reply.get("version"), bad);
            assertEquals(false, reply.get("ok"), bad);
            String error = (String) reply.get("error");
            assertTrue(error.startsWith("malformed request") || error.startsWith("protocol version 2 not supported"),
                    bad + ": " + error);
        }
    }

    @Test
    void shouldAnswerARequestLongerThanACommandLineInsteadOfResettingTheConnection() throws IOException {
        // Fuzzing found it (ControlServerFuzzTestInputs/request/crash-7a91a513...): the server read 256 bytes, answered
        // and closed with the rest unread, so the kernel reset the connection and the client lost the answer.
        byte[] request = new byte[4000];
        java.util.Arrays.fill(request, (byte) 'x');
        String answer = ask(request);
        assertTrue(answer.contains("\"error\":\"unknown command 'xxxx"), answer);
    }

    private static String ask(byte[] request) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            c.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(request);
            while (out.hasRemaining()) {
                c.write(out);
            }
            c.shutdownOutput();
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                assertTrue(leftMs > 0, "an answer within 10 s");
                selector.select(leftMs);
                selector.selectedKeys().clear();
                int n = c.read(in.clear());
                if (n < 0) {
                    break;
                }
                answer.write(in.array(), 0, n);
                assertTrue(answer.size() <= MAX_ANSWER, "a bounded answer");
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    private static int indexOf(byte[] data, byte b) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
