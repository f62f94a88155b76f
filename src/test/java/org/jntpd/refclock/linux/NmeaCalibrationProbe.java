package org.jntpd.refclock.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;
import org.jntpd.config.ConfigParser;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Sys;
import org.jntpd.refclock.SystemReference;
import org.jntpd.rtc.linux.RealtimeSleeper;

/**
 * Runs in a JVM whose libc is the device doubles (native/devices, a PPS edge P ns after every second): an NMEA runner
 * reads a pseudo-terminal the probe writes sentences to, each second's first one D ns after the second. Three runs of
 * the runner, as three starts of the daemon: without a PPS and with no saved delay ("before"), with the PPS
 * ({@code ppspath /dev/pps0}: the delay is learnt and saved, "learn"), without the PPS again ("after": the saved delay
 * read back). Prints "sample phase=... offset=..." lines, the offset file's content and the sentences' true delay
 * after the pulse for {@link NmeaCalibrationTest}.
 * Usage: NmeaCalibrationProbe DIR DELAY_NS PPS_PHASE_NS BEFORE_S LEARN_S AFTER_S
 */
public final class NmeaCalibrationProbe {
    private static final long S = 1_000_000_000L;
    private static final long CHARACTER_NS = 10_000_000_000L / 9600;

    private NmeaCalibrationProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long delayNs = Long.parseLong(args[1]);
        long ppsPhaseNs = Long.parseLong(args[2]);
        LongSupplier realtime = () -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
        Path file = dir.resolve("nmea.offset");
        try (Arena arena = Arena.ofConfined(); RealtimeSleeper sleeper = new RealtimeSleeper()) {
            int master = Libc.check(Libc.posixOpenpt(Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_CLOEXEC), "posix_openpt");
            try {
                String slave = NmeaPtyTest.unlockSlave(master, arena);
                String base = "refclock nmea " + slave + " baud 9600 refid NMEA poll 0 time2 auto offsetfile " + file;
                String[] phases = {"before", "learn", "after"};
                for (int p = 0; p < phases.length; p++) {
                    String conf = base + (phases[p].equals("learn") ? " ppspath /dev/pps0" : "") + "\n";
                    // A loaded host pairs fewer sentences with their pulses: learning goes on, up to 3 times its
                    // seconds, until the delay is saved.
                    java.util.function.BooleanSupplier more = phases[p].equals("learn") ? () -> !Files.exists(file)
                            : () -> false;
                    run(phases[p], conf, Integer.parseInt(args[3 + p]), more, master, delayNs, ppsPhaseNs, realtime,
                            arena, sleeper, dir, out);
                    out.add("file phase=" + phases[p] + " text=" + (Files.exists(file)
                            ? Files.readString(file).trim().replace(' ', '_') : "none"));
                }
            } finally {
                Libc.close(master);
            }
        }
        out.forEach(System.out::println);
    }

    private static void run(String phase, String conf, int seconds, java.util.function.BooleanSupplier more, int master, long delayNs, long ppsPhaseNs,
            LongSupplier realtime, Arena arena, RealtimeSleeper sleeper, Path dir, ConcurrentLinkedQueue<String> out)
            throws Exception {
        try (RefclockRunners rs = RefclockRunners.create(ConfigParser.parse("probe.conf", conf, dir).refclocks(), 1,
                realtime, SystemReference.UNSYNCHRONISED, (r, s) -> out.add(String.format(Locale.ROOT,
                        "sample phase=%s local=%d offset=%d", phase, s.localTimeNs(), s.offsetNs())))) {
            rs.start();
            long first = realtime.getAsLong() / S + 1;
            for (long k = first; k < first + seconds || (more.getAsBoolean() && k < first + 3L * seconds); k++) {
                List<String> burst = NmeaPtyTest.burst(k);
                for (int i = 0; i < burst.size(); i++) {
                    sleeper.sleepUntilNs(k * S + delayNs + i * 50_000_000L);
                    long beforeNs = realtime.getAsLong();
                    write(master, burst.get(i), arena);
                    if (i == 0) {
                        // The end of line is dated one character (its LF) back: the delay after the pulse it gives.
                        out.add(String.format(Locale.ROOT, "truth phase=%s delay=%d", phase,
                                beforeNs - CHARACTER_NS - (k * S + ppsPhaseNs)));
                    }
                }
            }
            Thread.sleep(1_200); // the last poll
            RefclockRunner r = rs.runners().getFirst();
            out.add("time2 phase=" + phase + " ns=" + r.time2Ns());
            out.add("counters phase=" + phase + " " + r.counters().toString().replaceAll("^Counters\\[|\\]$", "")
                    .replace(", ", " "));
        }
    }

    private static void write(int fd, String text, Arena arena) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        MemorySegment m = arena.allocateFrom(ValueLayout.JAVA_BYTE, b);
        if (Libc.write(fd, m, b.length) != b.length) {
            throw new IllegalStateException("short write to the pty");
        }
    }
}
