package org.jntpd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jntpd.base.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {
    private static final String SERVER_STATS = "{\"version\":1,\"command\":\"serverstats\",\"ok\":true,\"serving\":true,"
            + "\"received\":7}\n";

    private static ControlServer open(Path socket) {
        return ControlServer.open(socket.toString(), ControlServerFuzzTest.commands());
    }

    /** One command, the whole answer (until the server closes), or a timeout after {@code timeoutMs}. */
    private static String ask(Path socket, String command, long timeoutMs) throws Exception {
        try (ExecutorService one = Executors.newSingleThreadExecutor()) {
            Future<String> f = one.submit(() -> {
                try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    c.connect(UnixDomainSocketAddress.of(socket));
                    c.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
                    ByteBuffer buf = ByteBuffer.allocate(4096);
                    while (c.read(buf) >= 0) {
                        // until the server closes
                    }
                    return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                }
            });
            try {
                return f.get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                f.cancel(true);
                return "no answer within " + timeoutMs + " ms";
            }
        }
    }

    @Test
    void shouldAnswerOtherClientsWhileOneConnectedClientSendsNothingAndCloseItAtItsDeadline(@TempDir Path dir)
            throws Exception {
        Path socket = dir.resolve("c.sock");
        try (ControlServer server = open(socket);
                SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            assertNotNull(server);
            silent.connect(UnixDomainSocketAddress.of(socket));
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                assertEquals(SERVER_STATS, ask(socket, "serverstats", 1_500), "client " + i);
            }
            assertTrue(ask(socket, "authdata", 1_500).contains("\"text\":\"no authentication configured\\n\""));
            // More silent clients than the server keeps open: the one behind them is still answered at the latest
            // when the first ones reach their deadline.
            List<SocketChannel> more = new ArrayList<>();
            try {
                for (int i = 0; i < ControlServer.MAX_CONNECTIONS + 4; i++) {
                    SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                    c.connect(UnixDomainSocketAddress.of(socket));
                    more.add(c);
                }
                assertTrue(ask(socket, "help", 3 * ControlServer.CONNECTION_DEADLINE_MS)
                        .startsWith("{\"version\":1,\"command\":\"help\",\"ok\":true,\"commands\":[{\"name\":\"version\""));
            } finally {
                for (SocketChannel c : more) {
                    c.close();
                }
            }
            // The silent client is closed at its deadline: its read ends.
            ByteBuffer b = ByteBuffer.allocate(16);
            assertEquals(-1, silent.read(b));
            long heldMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(heldMs >= ControlServer.CONNECTION_DEADLINE_MS - 50, "closed after " + heldMs + " ms");
        }
    }

    @Test
    void shouldReplaceAStaleSocketButNeverAFileOrDirectory(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("log");
        Log.setFile(log.toString());
        try {
            Path file = dir.resolve("file.sock");
            Files.writeString(file, "someone's data");
            assertNull(open(file));
            assertEquals("someone's data", Files.readString(file));

            Path folder = dir.resolve("folder.sock");
            Files.createDirectory(folder);
            Files.writeString(folder.resolve("inside"), "x");
            assertNull(open(folder));
            assertTrue(Files.exists(folder.resolve("inside")));

            Path stale = dir.resolve("stale.sock");
            try (var ch = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.bind(UnixDomainSocketAddress.of(stale)); // bound, then closed: a socket file nobody listens on
            }
            assertTrue(Files.exists(stale));
            try (ControlServer s = open(stale)) {
                assertNotNull(s);
                assertEquals(SERVER_STATS, ask(stale, "serverstats", 2_000));
                assertNull(open(stale), "a live socket belongs to the daemon that runs");
            }
            assertTrue(Files.notExists(stale), "removed on close");
        } finally {
            Log.setFile(null);
        }
        String text = Files.readString(log);
        assertTrue(text.contains("WARN control socket " + dir.resolve("file.sock") + ": there is a regular file at that "
                + "path, not a socket; it is left alone"), text);
        assertTrue(text.contains("there is a directory at that path"), text);
        assertTrue(text.contains("belongs to another running jntpd"), text);
    }

    @Test
    void shouldSayAtWarnWhenTheFolderCannotBeMade(@TempDir Path dir) throws IOException {
        Path blocker = dir.resolve("notadir");
        Files.writeString(blocker, "");
        Path log = dir.resolve("log");
        Log.setFile(log.toString());
        try {
            assertNull(open(blocker.resolve("c.sock")));
        } finally {
            Log.setFile(null);
        }
        assertTrue(Files.readString(log).contains("WARN no control socket at " + blocker.resolve("c.sock")),
                Files.readString(log));
    }
}
