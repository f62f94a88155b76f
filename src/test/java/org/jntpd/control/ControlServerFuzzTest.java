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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the control protocol as a client meets it: any bytes sent on a connection to the {@link ControlServer}'s
 * socket get an answer within seconds that ends in a line break and is bounded in size: the known command's text for
 * a first line that names one ({@code tracking}, {@code sources}, {@code serverstats}, {@code authdata}, {@code help}, {@code reload}), an error naming
 * the command otherwise; and the server answers the next connection (it never dies on a request). The request
 * parsing is private to the server, so the fuzzing goes through a real Unix socket. Seeds: jntpc's commands.
 */
class ControlServerFuzzTest {
    private static final String SERVER_STATS = "received 7\nreplied 7\n";
    private static final Map<String, String> KNOWN = Map.of(
            "tracking", DaemonStatus.EMPTY.trackingText(),
            "sources", DaemonStatus.EMPTY.sourcesText(),
            "serverstats", SERVER_STATS,
            "authdata", "no authentication configured\n",
            "reload", "error: reload is not offered by this daemon\n", // none given to this server
            "help", "commands: tracking, sources, serverstats, authdata, reload\n");
    private static final int MAX_ANSWER = 64 * 1024;
    private static final int MAX_COMMAND = 256;
    private static Path dir;
    private static Path socket;
    private static ControlServer server;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("jntpd-control-fuzz");
        socket = dir.resolve("c.sock");
        server = ControlServer.open(socket.toString(), () -> DaemonStatus.EMPTY, () -> SERVER_STATS);
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
        assertTrue(answer.endsWith("\n"), "an answer ends its line: " + answer);
        // The protocol: one command line of at most 256 bytes (what follows them is not read).
        int newline = indexOf(data, (byte) '\n');
        int end = newline >= 0 && newline < MAX_COMMAND ? newline : Math.min(data.length, MAX_COMMAND);
        String firstLine = new String(data, 0, end, StandardCharsets.UTF_8).trim();
        String known = KNOWN.get(firstLine);
        if (known != null) {
            assertEquals(known, answer, "the answer to " + firstLine);
        } else {
            assertTrue(answer.startsWith("error: unknown command"), answer);
        }
        assertEquals(KNOWN.get("help"), ask("help\n".getBytes(StandardCharsets.US_ASCII)), "the server still answers");
    }

    @Test
    void shouldAnswerARequestLongerThanACommandLineInsteadOfResettingTheConnection() throws IOException {
        // Fuzzing found it (ControlServerFuzzTestInputs/request/crash-7a91a513...): the server read 256 bytes, answered
        // and closed with the rest unread, so the kernel reset the connection and the client lost the answer.
        byte[] request = new byte[4000];
        java.util.Arrays.fill(request, (byte) 'x');
        assertTrue(ask(request).startsWith("error: unknown command 'xxxx"));
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
