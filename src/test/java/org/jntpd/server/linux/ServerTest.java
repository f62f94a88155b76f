package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jntpd.config.Config;
import org.jntpd.server.ServerState;
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

    @Test
    void shouldAnswerAClientFromTheAddressItAskedWhenBoundToTheWildcard() throws Exception {
        Config.Serving serving = new Config.Serving(0, List.of("0.0.0.0"), 1, false, List.of(),
                Config.Serving.Idle.BLOCK, Config.RateLimit.DEFAULT);
        ServerState state = ServerState.unsynchronised(-20);
        // Bound to every interface for a moment: only loopback clients get answers.
        List<org.jntpd.config.RestrictRule> loopbackOnly = org.jntpd.config.ConfigParser.parse("t.conf",
                "restrict default ignore\nrestrict 127.0.0.0 mask 255.0.0.0\n", Path.of(".")).restrictions();
        try (Server server = Server.open(serving, loopbackOnly, () -> state, java.util.function.LongUnaryOperator.identity());
                DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            server.startWorkers();
            // Connected, as ntpdig and chrony's client sockets are: only datagrams from 127.0.0.2 reach it, and the
            // route back to 127.0.0.1 would pick 127.0.0.1 as the source.
            client.connect(InetAddress.getByName("127.0.0.2"), server.boundAddresses().getFirst().getPort());
            client.setSoTimeout(2_000);
            byte[] request = new byte[48];
            request[0] = 0x23; // LI 0, version 4, mode 3
            client.send(new DatagramPacket(request, 48));
            DatagramPacket reply = new DatagramPacket(new byte[64], 64);
            client.receive(reply);
            assertEquals(48, reply.getLength());
            assertEquals(4, reply.getData()[0] & 7, "mode 4");
            assertEquals("/127.0.0.2", reply.getAddress().toString());
        }
    }
}
