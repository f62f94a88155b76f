package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jntpd.clock.SoftwareClock;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigParser;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.server.ServerState;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broadcast sender on loopback (127.0.0.2 to 127.0.0.1, an unprivileged port): signed mode 5 packets of the served
 * state, whose T3 is corrected by the send latency the kernel's TX timestamps measured, and nothing allocated per packet.
 */
class BroadcastSenderTest {
    private static final long S = 1_000_000_000L;
    private static final int ROUND = 2_000;

    @Test
    void shouldSendSignedModeFivePacketsWithALatencyCorrectedT3WithoutAllocating(@TempDir Path dir) throws Exception {
        Path keys = dir.resolve("ntp.keys");
        Files.write(keys, List.of("1 SHA1 0123456789abcdef0123456789abcdef01234567"));
        Config config = ConfigParser.parse("test.conf", "keys " + keys + "\ntrustedkey 1\nbroadcast 127.0.0.1 key 1 minpoll 0\n",
                null);
        SoftwareClock clock = new SoftwareClock(() -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            int port = receiver.getLocalPort();
            receiver.setSoTimeout(5_000);
            BroadcastSender sender = new BroadcastSender(config, clock, ns -> ns, SymmetricKeys.load(config), port,
                    List.of("127.0.0.2"), 0);
            ServerState state = ServerState.local(2, -20, clock.nowNs(), NtpTimestamp.fromUnixNs(clock.nowNs()));
            sender.serveFrom(() -> state);
            try {
                // Timer times 1 s apart (minpoll 0), so every call sends; T3 is read from the clock.
                long timerNs = 0;
                for (int i = 0; i < 20; i++) {
                    sender.runTimer(timerNs);
                    timerNs += S;
                    DatagramPacket p = new DatagramPacket(new byte[128], 128);
                    receiver.receive(p);
                    long rxNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
                    ByteBuffer b = ByteBuffer.wrap(p.getData(), 0, p.getLength());
                    assertEquals(NtpPacket.HEADER_LENGTH + 4 + 20, p.getLength(), "header, key id, SHA1 digest");
                    assertEquals(0x25, b.get(0) & 0xFF, "LI 0, version 4, mode 5");
                    assertEquals(2, b.get(1));
                    assertEquals(port, p.getPort(), "from the server's port");
                    assertEquals(1, b.getInt(48), "key 1");
                    long t3Ns = NtpTimestamp.toUnixNs(b.getLong(40), rxNs);
                    // Before the packet was read here, give or take the latency correction's own spread.
                    assertTrue(rxNs - t3Ns >= -200_000 && rxNs - t3Ns < 1_000_000_000L, "packet " + i + ": T3 "
                            + (rxNs - t3Ns) + " ns before its reception");
                }
                long latencyNs = sender.latencyNs(0);
                assertTrue(latencyNs > 0 && latencyNs <= BroadcastSender.MAX_LATENCY_NS,
                        "a send latency measured from the TX timestamps: " + latencyNs + " ns");
                com.sun.management.ThreadMXBean threads =
                        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                long best = Long.MAX_VALUE;
                for (int round = 0; round < 50 && best > 0; round++) { // until C2 has compiled the path
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < ROUND; i++) {
                        sender.runTimer(timerNs);
                        timerNs += S;
                    }
                    best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
                }
                assertEquals(0, best, "bytes allocated over " + ROUND + " broadcasts");
                assertEquals(0, sender.failed());
                System.out.printf("BroadcastSenderTest: send latency %d ns, %d sent%n", sender.latencyNs(0), sender.sent());
            } finally {
                sender.close();
            }
        }
    }
}
