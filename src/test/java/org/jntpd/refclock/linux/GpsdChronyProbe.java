package org.jntpd.refclock.linux;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jntpd.config.ConfigParser;
import org.jntpd.config.RefclockSpec;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.refclock.Refclock;
import org.jntpd.refclock.RefclockSettings;
import org.jntpd.refclock.SystemReference;
import org.jntpd.rtc.linux.RealtimeSleeper;

/**
 * Runs inside {@code unshare --ipc} (its own System V IPC namespace, so no segment outlives it): a real gpsd fed
 * $GPRMC/$GPGGA over UDP publishes SHM unit 0; {@code chronyd -x} (no clock control, no CAP_SYS_TIME) and jntpd's SHM
 * runner, both from the line {@code refclock SHM 0 refid GPS poll 0 filter 1}, read the segment. chronyd consumes each
 * sample (clears valid), so jntpd's runner peeks ({@link org.jntpd.refclock.ShmReader#peek}) and gets every one too.
 * Prints "jntpd local=NS offset=NS" per sample and chronyd's refclocks.log lines prefixed "chrony ".
 * Usage: GpsdChronyProbe WORK_DIR SECONDS
 */
public final class GpsdChronyProbe {
    private static final String REFCLOCK = "refclock SHM 0 refid GPS poll 0 filter 1";
    private static final long S = 1_000_000_000L;

    private GpsdChronyProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int seconds = Integer.parseInt(args[1]);
        int udpPort;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            udpPort = probe.getLocalPort();
        }
        int gpsdPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            gpsdPort = probe.getLocalPort();
        }
        Path conf = work.resolve("chrony.conf");
        Files.writeString(conf, String.join("\n", REFCLOCK, "log refclocks", "logdir " + work, "bindcmdaddress /",
                "cmdport 0", "port 0", "pidfile " + work.resolve("chronyd.pid"), ""));
        Process gpsd = new ProcessBuilder("gpsd", "-N", "-n", "-D", "0", "-S", Integer.toString(gpsdPort),
                "udp://127.0.0.1:" + udpPort).redirectErrorStream(true).redirectOutput(work.resolve("gpsd.log").toFile())
                .start();
        Process chronyd = new ProcessBuilder("setpriv", "--bounding-set", "-sys_time", "chronyd", "-x", "-d", "-u", "root",
                "-f", conf.toString()).redirectErrorStream(true).redirectOutput(work.resolve("chronyd.log").toFile())
                .start();
        LongSupplier realtime = () -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
        RefclockSpec spec = ConfigParser.parse("probe.conf", REFCLOCK + "\n", work).refclocks().getFirst();
        Refclock clock = new Refclock(RefclockSettings.from(spec, 0, 1), SystemReference.UNSYNCHRONISED);
        ShmLoop peek = new ShmLoop(0, ShmSegment.PRIVATE_PERMISSIONS, false, clock, new Object(), realtime);
        try (RefclockRunner runner = new RefclockRunner(peek, (r, s) -> out.add("jntpd local=" + s.localTimeNs()
                + " offset=" + s.offsetNs() + " n=" + s.samples()), "probe.conf:1");
                DatagramSocket tx = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                RealtimeSleeper sleeper = new RealtimeSleeper()) {
            runner.start();
            long first = realtime.getAsLong() / S + 2;
            for (long k = first; k < first + seconds; k++) {
                sleeper.sleepUntilNs(k * S + 200_000_000L);
                byte[] nmea = String.join("", NmeaPtyTest.burst(k).subList(0, 2)).getBytes(StandardCharsets.US_ASCII);
                tx.send(new DatagramPacket(nmea, nmea.length, InetAddress.getLoopbackAddress(), udpPort));
            }
            Thread.sleep(1_500);
            out.add("counters " + runner.counters());
        } finally {
            stop(chronyd);
            stop(gpsd);
        }
        out.forEach(System.out::println);
        Path log = work.resolve("refclocks.log");
        List<String> chrony = Files.exists(log) ? Files.readAllLines(log) : List.of();
        chrony.forEach(l -> System.out.println("chrony " + l));
    }

    /** SIGTERM to a process this probe started, SIGKILL if it lingers. */
    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
