package org.jntpd.control;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jntpd.testing.JntpdProcess;
import org.junit.jupiter.api.Test;

/** jntpc against a running daemon: sources, tracking and serverstats through the control socket. */
class ControlSocketTest {
    private static String jntpc(Path socket, String command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(JntpdProcess.projectDir().resolve("bin/jntpc").toString(), "-s",
                socket.toString(), command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JNTPD_CLASSPATH", Path.of(System.getProperty("jntpd.buildDir", "target"), "classes").toString());
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "jntpc finished");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldShowSourcesTrackingAndServerCounters() throws Exception {
        try (JntpdProcess upstream = JntpdProcess.builder().bindAddress("127.0.0.1").config("local stratum 2",
                "controlsocket none").start()) {
            Path socket = upstream.dir().resolve("client.sock");
            Path statsDir = upstream.dir().resolve("stats");
            try (JntpdProcess client = JntpdProcess.builder().bindAddress("127.0.0.1").config(
                    "server 127.0.0.1 port " + upstream.port() + " iburst minpoll -2 maxpoll -2",
                    "controlsocket " + socket, "statsdir " + statsDir, "statistics loopstats peerstats",
                    "filegen peerstats file peers type none").start()) {
                String sources = "";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() - deadline < 0 && !sources.contains("^* 127.0.0.1")) {
                    Thread.sleep(250);
                    sources = jntpc(socket, "sources");
                }
                assertTrue(sources.contains("^* 127.0.0.1"), sources);
                assertTrue(sources.matches("(?s).*\\^\\* 127\\.0\\.0\\.1\\s+2\\s+-2\\s+\\d+.*"), "stratum 2, poll -2:\n" + sources);
                String tracking = jntpc(socket, "tracking");
                assertTrue(tracking.contains("Reference ID    : 127.0.0.1 (127.0.0.1)"), tracking);
                assertTrue(tracking.contains("Stratum         : 3"), tracking);
                assertTrue(tracking.contains("Leap status     : Normal"), tracking);
                // ntpd's statistics files: MJD, seconds of day, then the fields; loopstats by day with a link.
                String loop = java.nio.file.Files.readString(statsDir.resolve("loopstats"));
                assertTrue(java.nio.file.Files.isSymbolicLink(statsDir.resolve("loopstats")));
                assertTrue(loop.lines().findFirst().orElse("").matches("\\d{5} \\d+\\.\\d{3} [-+]?\\d+\\.\\d{9} [-\\d.]+ [\\d.]+ [\\d.]+ -2"),
                        loop);
                String peers = java.nio.file.Files.readString(statsDir.resolve("peers"));
                assertTrue(peers.lines().findFirst().orElse("").matches("\\d{5} \\d+\\.\\d{3} 127\\.0\\.0\\.1 [0-9a-f]{4} .*"), peers);
                String stats = jntpc(Path.of(socket.toString()), "serverstats");
                assertTrue(stats.contains("received"), stats);
                assertTrue(jntpc(socket, "bogus").contains("unknown command bogus"));
            }
        }
    }

    @Test
    void shouldSayWhenNoDaemonAnswers(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String out = jntpc(dir.resolve("nobody.sock"), "tracking");
        assertTrue(out.contains("cannot reach jntpd at " + dir.resolve("nobody.sock")), out);
    }
}
