package org.jntpd.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.jntpd.io.KernelStamping;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * jntpc perf against a real chronyd 4.x ({@code chronyd -x}: never touches the clock) serving {@code local stratum 1}
 * on a loopback port of its own. Skips where chronyd is not installed.
 */
class ChronydPerfTest {
    private static final Path CHRONYD = Path.of("/usr/sbin/chronyd");
    private static Process chronyd;
    private static Path dir;
    private static int port;

    @BeforeAll
    static void startChronyd() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHRONYD), "chronyd is not installed (apt-get install chrony)");
        KernelStamping.ensureEnabled();
        // chronyd drops to its own user after start: it must be able to remove its pid file from the folder.
        dir = Files.createTempDirectory("jntpd-perf-chronyd");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = probe.getLocalPort();
        }
        Path conf = dir.resolve("chrony.conf");
        Files.writeString(conf, String.join("\n", "port " + port, "bindaddress 127.0.0.1", "local stratum 1",
                "allow 127.0.0.1", "bindcmdaddress /", "cmdport 0", "pidfile " + dir.resolve("chronyd.pid"), ""));
        chronyd = new ProcessBuilder(CHRONYD.toString(), "-x", "-d", "-f", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile()).start();
        waitUntilServing();
    }

    /** Sends plain client requests until chronyd answers (at most 10 s). */
    private static void waitUntilServing() throws IOException {
        byte[] request = new byte[48];
        request[0] = 0x23; // NTPv4, client
        request[47] = 1;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            s.setSoTimeout(200);
            long deadlineNs = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() - deadlineNs < 0) {
                assertTrue(chronyd.isAlive(), () -> "chronyd exited: " + log());
                s.send(new DatagramPacket(request, 48, InetAddress.getLoopbackAddress(), port));
                try {
                    s.receive(new DatagramPacket(new byte[64], 64));
                    return;
                } catch (SocketTimeoutException e) {
                    // not serving yet
                }
            }
        }
        throw new AssertionError("chronyd did not answer within 10 s: " + log());
    }

    private static String log() {
        try {
            return Files.readString(dir.resolve("chronyd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @AfterAll
    static void stopChronyd() throws Exception {
        if (chronyd != null) {
            chronyd.destroy();
            if (!chronyd.waitFor(5, TimeUnit.SECONDS)) {
                chronyd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void shouldMeasureChronydAtAModestRateWithoutLoss() {
        PerfResult r = LoadGeneratorTest.run("--rate", "2000", "--duration", "2", "127.0.0.1:" + port);
        StepStats s = r.steps().getFirst();
        // 2000/s for 2 s; a stall on a busy machine at the step's end leaves some unsent (counted as behind).
        assertEquals(4000, s.sent() + s.behind(), "2000/s for 2 s");
        assertTrue(s.behind() <= 400, "behind by " + s.behind());
        assertTrue(s.lossPercent() < 1, "loss " + s.lossPercent() + "% (" + s.replies() + " replies)");
        assertEquals(0, s.kissOfDeath());
        assertEquals(0, r.unmatched() + r.duplicates() + r.malformed());
        assertTrue(s.userT1() <= s.replies() / 100, "T1 from kernel TX stamps: " + s.userT1() + " fell back");
        assertTrue(s.userT4() <= s.replies() / 100, "T4 from kernel RX stamps: " + s.userT4() + " fell back");
        long server = s.serverNs.valueAt(0.5);
        long rtt = s.roundTripNs.valueAt(0.5);
        long delay = s.delayNs.valueAt(0.5);
        // chronyd answers from its kernel RX stamp (T2) to a clock reading before sendmsg (T3): microseconds.
        assertTrue(server > 100 && server < 1_000_000, "chronyd's T3-T2 p50 " + server + " ns");
        assertTrue(rtt > server && rtt < 5_000_000, "round trip p50 " + rtt + " ns");
        assertTrue(delay > 0 && delay < 1_000_000, "loopback delay p50 " + delay + " ns");
        assertTrue(s.serverNs.valueAt(0.99) >= server && s.serverNs.max() >= s.serverNs.valueAt(0.99));
        assertEquals(s.replies(), s.serverNs.count());
        assertEquals(2000, r.maxSustainedRate(), 200);
    }

    @Test
    void shouldGetInterleavedRepliesFromChronyd() {
        PerfResult r = LoadGeneratorTest.run("--rate", "2000", "--duration", "1", "--xleave", "127.0.0.1:" + port);
        StepStats s = r.steps().getFirst();
        assertTrue(s.lossPercent() < 1, "loss " + s.lossPercent() + "%");
        assertTrue(s.interleavedReplies() > s.replies() / 2, "chronyd answered " + s.interleavedReplies() + " of "
                + s.replies() + " interleaved");
        // T3 is then chronyd's kernel TX stamp of the earlier reply: its RX->TX time, still microseconds.
        long server = s.serverNs.valueAt(0.5);
        assertTrue(server > 100 && server < 1_000_000, "chronyd's precise T3-T2 p50 " + server + " ns");
        assertTrue(s.delayNs.count() > 0 && s.delayNs.valueAt(0.5) < 1_000_000);
    }
}
