package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real gpsd (3.22 here) fed NMEA over UDP on loopback writes the NTP shared-memory segment in its own IPC namespace;
 * jntpd's {@link ShmReader} must read what gpsd wrote. The capture script copies the segment's bytes out (this package
 * has no shmat; the platform layer will), so the test checks the layout and protocol against gpsd's own writer.
 */
class GpsdShmInteropTest {
    private static final long S = 1_000_000_000L;

    @Test
    void shouldReadTheSegmentARealGpsdWrites() throws Exception {
        for (String tool : List.of("gpsd", "unshare", "python3")) {
            assumeTrue(onPath(tool), tool + " is not installed: no gpsd interop test");
        }
        Path script = Path.of(System.getProperty("jntpd.projectDir", "."))
                .resolve("src/test/resources/refclock/gpsd_shm_capture.py").toAbsolutePath();
        int port;
        try (DatagramSocket probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        Process p = new ProcessBuilder("unshare", "--ipc", "python3", script.toString(), Integer.toString(port), "3")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assumeTrue(p.exitValue() == 0, "the capture could not run (unshare --ipc needs CAP_SYS_ADMIN): exit "
                + p.exitValue());
        List<String> lines = out.lines().filter(l -> l.startsWith("sent=")).toList();
        assertEquals(3, lines.size(), "gpsd published three samples:\n" + out);

        Refclock clock = new Refclock(RefclockSettings.defaults("shm", "GPS").withPoll(4, 0), SystemReference.UNSYNCHRONISED);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            ShmDriver driver = new ShmDriver(shm, clock);
            for (String line : lines) {
                String[] f = line.split(" ");
                long sentNs = Long.parseLong(f[0].substring(5));
                long sec = Long.parseLong(f[1].substring(4));
                MemorySegment.copy(MemorySegment.ofArray(HexFormat.of().parseHex(f[2].substring(4))), 0, shm, 0,
                        ShmTime.sizeof());
                assertEquals(ShmReader.Status.OK, driver.poll(sentNs + S / 2), line);
                ShmReader.Sample s = driver.lastSample();
                assertEquals(1, s.mode, "gpsd writes mode 1");
                assertEquals(0, ShmTime.countVolatile(shm) % 2, "gpsd bumps count twice per write");
                assertTrue(s.nanoseconds, "gpsd fills the nanosecond fields");
                assertEquals(sec * S, s.clockTimeNs, "the second the $GPRMC labelled");
                long receiveDelay = s.receiveTimeNs - sentNs;
                assertTrue(receiveDelay >= 0 && receiveDelay < 100_000_000L, "gpsd stamped the sentence "
                        + receiveDelay + " ns after we sent it");
                assertEquals(0, s.leap);
                assertEquals(Refclock.Verdict.ACCEPTED, driver.lastVerdict());
            }
        }
        RefclockSample sample = clock.poll();
        assertTrue(sample.offsetNs() < -200_000_000L && sample.offsetNs() > -300_000_000L,
                "sentences sent 0.2 s after their second: " + sample);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
