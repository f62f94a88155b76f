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
            long tookMs = (System.nanoTime() - t0) / 1_000_000; // the timeout may end a millisecond early: 499 seen
            org.junit.jupiter.api.Assertions.assertTrue(tookMs >= 400 && tookMs < 5_000, "gave up after " + tookMs + " ms");
        }
    }

    /** What {@code jntpc args} prints on standard output, and its exit status. */
    private static String[] run(String... args) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.out;
        System.setOut(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Jntpc.run(args);
        } finally {
            System.setOut(saved);
        }
        return new String[] {Integer.toString(rc), bytes.toString(java.nio.charset.StandardCharsets.UTF_8)};
    }

    @Test
    void shouldPrintEachCommandsUsageWithMinusH() {
        String[] sources = run("sources", "-h");
        assertEquals("0", sources[0]);
        assertEquals("usage: jntpc [-s SOCKET] [-j] sources [-v]\n  the time sources and their last measurements "
                + "(chronyc sources)\n", sources[1]);
        String[] burst = run("-s", "/nonexistent.sock", "burst", "--help");
        assertEquals("0", burst[0], "answered without the daemon");
        org.junit.jupiter.api.Assertions.assertTrue(burst[1].contains("only root, the socket's owner and its group"),
                burst[1]);
        org.junit.jupiter.api.Assertions.assertTrue(run("waitsync", "-h")[1].startsWith("usage: jntpc [-s SOCKET] waitsync"));
        org.junit.jupiter.api.Assertions.assertTrue(run("query", "-h")[1].startsWith("usage: jntpc [-j] query HOST"));
        assertEquals("2", run("frobnicate", "-h")[0]);
        String all = run("-h")[1];
        for (org.jntpd.control.ControlCommands.Command c : org.jntpd.control.ControlCommands.table()) {
            org.junit.jupiter.api.Assertions.assertTrue(all.contains("  " + c.usage() + " "), c.name() + ":\n" + all);
        }
    }

    @Test
    void shouldRenderSourcesAsAlignedColumnsFromTheJsonReply() throws java.io.IOException {
        java.util.Map<String, Object> reply = Jntpc.parseReply("""
                {"version":1,"command":"sources","ok":true,"sources":[{"name":"127.0.0.1","mode":"server",\
                "mode_char":"^","state":"system_peer","state_char":"*","stratum":3,"poll_log2":6,"reach":255,\
                "last_rx_ago_s":12.4,"offset_s":1.234e-6,"offset_sigma_s":5.67e-7,"jitter_s":1e-6,"samples":9,\
                "online":true,"unusable_reason":null},{"name":"ntp.example (192.0.2.7)","mode":"server",\
                "mode_char":"^","state":"unselectable","state_char":"?","stratum":16,"poll_log2":4,"reach":0,\
                "last_rx_ago_s":null,"offset_s":0.0,"offset_sigma_s":0.0,"jitter_s":0.0,"samples":0,"online":false,\
                "unusable_reason":"not answering"}],"snapshot_age_s":0.5}
                """);
        assertEquals("""
                MS Name/IP address                     Stratum Poll Reach LastRx Last sample (offset +/- sigma)
                ====================================================================================================
                ^* 127.0.0.1                                    3    6   377     12 +0.000001234 +/- 0.000000567
                ^? ntp.example (192.0.2.7)                     16    4     0      - +0.000000000 +/- 0.000000000  \
                not answering  (offline)
                """, ControlText.render("sources", reply, false));
        org.junit.jupiter.api.Assertions.assertTrue(ControlText.render("sources", reply, true).startsWith("  .-- Source mode"));
        assertEquals("error: no NTP source x\n", ControlText.render("ntpdata", Jntpc.parseReply(
                "{\"version\":1,\"command\":\"ntpdata\",\"ok\":false,\"error\":\"no NTP source x\"}"), false));
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Jntpc.parseReply("Reference ID : x"),
                "an old daemon's text is said to be no reply of this protocol");
    }
}
