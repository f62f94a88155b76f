package org.jntpd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jntpd.config.Config;
import org.junit.jupiter.api.Test;

class ServerTest {
    @Test
    void shouldGiveTheServingSocketsTheLargerReceiveBufferUpToTheKernelsLimit() throws Exception {
        // (Files.readString reads only the first byte of a /proc/sys file here: its size says 0.)
        int rmemMax = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/rmem_max")).getFirst().strip());
        Config.Serving serving = new Config.Serving(0, List.of("127.0.0.1"), 1, false, List.of(),
                Config.Serving.Idle.BLOCK, Config.RateLimit.DEFAULT);
        ServerState state = ServerState.unsynchronised(-20);
        try (Server server = Server.open(serving, List.of(), () -> state, java.util.function.LongUnaryOperator.identity())) {
            // The kernel caps SO_RCVBUF at net.core.rmem_max and reports twice the value it keeps.
            assertEquals(2 * Math.min(rmemMax, Server.RECEIVE_BUFFER_DEFAULT), server.receiveBufferBytes());
        }
    }
}
