package org.jntpd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JntpcTest {
    @Test
    void shouldDispatchPerfAndRefuseUnknownCommands() {
        assertEquals(0, Jntpc.run(new String[] {"--help"}));
        assertEquals(2, Jntpc.run(new String[] {}));
        assertEquals(2, Jntpc.run(new String[] {"frobnicate"}));
        assertEquals(0, Jntpc.run(new String[] {"perf", "--help"}));
        assertEquals(2, Jntpc.run(new String[] {"perf", "--rate", "many", "127.0.0.1"}));
        assertEquals(1, Jntpc.run(new String[] {"perf", "192.0.2.1"})); // not loopback: refused before any packet
    }

    @Test
    void shouldGiveUpOnADaemonThatAcceptsButNeverAnswers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path socket = dir.resolve("mute.sock");
        try (java.nio.channels.ServerSocketChannel mute = java.nio.channels.ServerSocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            mute.bind(java.net.UnixDomainSocketAddress.of(socket)); // the kernel accepts into the backlog; nobody reads
            long t0 = System.nanoTime();
            assertEquals(1, Jntpc.query(socket.toString(), "tracking", 500));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            org.junit.jupiter.api.Assertions.assertTrue(tookMs >= 500 && tookMs < 5_000, "gave up after " + tookMs + " ms");
        }
    }
}
