package org.jntpd.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The system-test helper itself: it starts the real daemon, reports a taken port, and leaves nothing behind. */
class JntpdProcessTest {
    @Test
    void shouldServeOnTheChosenPortAndStopTheProcessAndDeleteItsFolderOnClose() throws Exception {
        JntpdProcess jntpd = JntpdProcess.start("local stratum 5");
        Path dir = jntpd.dir();
        ProcessHandle handle = ProcessHandle.of(jntpd.pid()).orElseThrow();
        try (jntpd; UdpClient client = new UdpClient("127.0.0.1")) {
            assertTrue(jntpd.log().contains("127.0.0.1:" + jntpd.port()), jntpd::log);
            UdpClient.Exchange e = client.query(jntpd.address(), 4, 2_000);
            assertNotNull(e, jntpd::log);
            assertEquals(5, e.reply().stratum());
            assertTrue(jntpd.rssKiB() > 0);
            assertEquals(0, jntpd.receiveDrops());
        }
        assertFalse(handle.isAlive(), "the daemon is stopped on close");
        assertFalse(Files.exists(dir), "its folder is deleted");
    }

    @Test
    void shouldFailWithTheDaemonsReasonWhenAFixedPortIsTaken() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0))) {
            IOException e = assertThrows(IOException.class,
                    () -> JntpdProcess.builder().port(taken.getLocalPort()).config("local stratum 5").start());
            assertTrue(e.getMessage().contains("Address already in use"), e.getMessage());
        }
    }
}
