package org.jntpd.refclock.linux;

import static org.jntpd.time.Units.NS_PER_MS;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.jntpd.base.LoopRunner;
import org.jntpd.config.ConfigException;
import org.jntpd.config.RefclockSpec;
import org.jntpd.platform.Serial;
import org.jntpd.platform.SockaddrUn;
import org.jntpd.refclock.Refclock;
import org.jntpd.refclock.RefclockSettings;
import org.jntpd.refclock.SystemReference;

/**
 * All configured reference clocks, one {@link RefclockRunner} each. {@link #create} checks the {@code refclock} lines
 * (every problem named with its file:line), resolves {@code lock}, and builds the runners; {@link #start()} starts their
 * threads, {@link #close()} stops them. Clocks joined by {@code lock} share one monitor, since a locked PPS reads its
 * coarse clock's latest sample; every other clock is independent.
 *
 * <p>Drivers and their devices: {@code pps} ({@code /dev/ppsN}), {@code phc} (default {@code /dev/ptpN}), {@code shm}
 * (unit N), {@code sock} (its path), {@code nmea} (default {@code /dev/gpsN}, 9600 bit/s, optional {@code ppspath}).
 * {@code local} has no device: the daemon's own clock, not built here. {@code gpsd} (NTPsec's JSON driver) is refused:
 * gpsd's SHM or SOCK output serves instead.
 */
public final class RefclockRunners implements AutoCloseable {
    /** NTPsec's default speed of the NMEA driver. */
    public static final int DEFAULT_NMEA_BAUD = 9600;
    /** Longest {@link #start()} waits for the devices to be opened. */
    public static final long OPEN_WAIT_MS = 5_000;

    private final List<RefclockRunner> runners;
    private final List<RefclockSpec> specs;

    private RefclockRunners(List<RefclockRunner> runners, List<RefclockSpec> specs) {
        this.runners = List.copyOf(runners);
        this.specs = List.copyOf(specs);
    }

    /** The configuration line {@code runner} was built from (prefer, noselect and the rest the selection needs). */
    public RefclockSpec spec(RefclockRunner runner) {
        return specs.get(runners.indexOf(runner));
    }

    /**
     * Builds a runner for every device clock in {@code specs} (threads not started).
     *
     * @param systemPrecisionNs precision of reading the system clock: the floor of every sample's dispersion
     * @param realtimeNs        the disciplined system clock (CLOCK_REALTIME, Unix ns); thread-safe
     * @param system            root distance and leap of the system clock (the daemon's published state); thread-safe
     * @param sink              receives every sample, on the runner's thread
     * @throws ConfigException listing every problem as "file:line: message"
     */
    public static RefclockRunners create(List<RefclockSpec> specs, long systemPrecisionNs, LongSupplier realtimeNs,
            SystemReference system, RefclockSink sink) throws ConfigException {
        return create(specs, systemPrecisionNs, realtimeNs, system, sink, RefclockRunner.LOG_ONLY);
    }

    /**
     * {@link #create(List, long, LongSupplier, SystemReference, RefclockSink)}, with what to do when a runner's loop
     * dies (the daemon's policy; see {@link LoopRunner}).
     */
    public static RefclockRunners create(List<RefclockSpec> specs, long systemPrecisionNs, LongSupplier realtimeNs,
            SystemReference system, RefclockSink sink, LoopRunner.DeathHandler onDeath) throws ConfigException {
        List<String> problems = new ArrayList<>();
        List<RefclockSpec> used = new ArrayList<>();
        List<Refclock> clocks = new ArrayList<>();
        int index = 0;
        for (RefclockSpec spec : specs) {
            if (spec.driver().equals("local")) {
                continue;
            }
            int i = index++;
            String problem = check(spec);
            if (problem != null) {
                problems.add(spec.location() + ": " + problem);
                continue;
            }
            try {
                clocks.add(new Refclock(RefclockSettings.from(spec, i, systemPrecisionNs), system));
                used.add(spec);
            } catch (IllegalArgumentException e) {
                problems.add(spec.location() + ": refclock " + spec.driver() + ": " + e.getMessage());
            }
        }
        List<String> lockProblems = Refclock.resolveLocks(clocks);
        int next = 0;
        for (int i = 0; i < clocks.size(); i++) {
            Refclock c = clocks.get(i);
            if (c.settings().lockRefId() != null && c.lockedTo() == null) {
                problems.add(used.get(i).location() + ": " + lockProblems.get(next++));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Map<Refclock, Object> locks = lockGroups(clocks);
        List<RefclockRunner> runners = new ArrayList<>();
        for (int i = 0; i < clocks.size(); i++) {
            RefclockSpec spec = used.get(i);
            Refclock c = clocks.get(i);
            DeviceLoop loop = loop(spec, c, locks.get(c), realtimeNs);
            runners.add(new RefclockRunner(loop, sink, spec.location().toString(), onDeath));
        }
        return new RefclockRunners(runners, used);
    }

    /** The driver-specific settings a runner needs, or what is wrong with them. */
    private static String check(RefclockSpec spec) {
        if (!spec.driver().equals("nmea") && spec.time2Auto()) {
            return "refclock " + spec.driver() + ": 'time2 auto' learns an NMEA sentence delay (refclock nmea only)";
        }
        if (spec.offsetFile() != null && !spec.time2Auto()) {
            return "refclock " + spec.driver() + ": 'offsetfile' saves a learnt delay: it needs 'time2 auto'";
        }
        return switch (spec.driver()) {
            case "gpsd" -> "refclock gpsd (NTPsec's GPSD JSON driver) is not supported: use gpsd's shared memory "
                    + "('refclock shm 0') or its chrony socket ('refclock sock /run/chrony.DEVICE.sock')";
            case "nmea" -> {
                int baud = nmeaBaud(spec);
                yield Serial.speedCode(baud) < 0 ? "refclock nmea: baud " + baud + " is not supported (expected 1200, "
                        + "2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800 or 921600)" : null;
            }
            case "sock" -> spec.path().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > SockaddrUn.MAX_PATH_BYTES
                    ? "refclock sock: the socket path is longer than " + SockaddrUn.MAX_PATH_BYTES + " bytes" : null;
            case "pps", "phc", "shm" -> null;
            default -> "refclock " + spec.driver() + " has no device driver (expected pps, phc, shm, sock or nmea)";
        };
    }

    private static DeviceLoop loop(RefclockSpec spec, Refclock c, Object lock, LongSupplier realtimeNs) {
        return switch (spec.driver()) {
            case "pps" -> new PpsLoop(spec.path(), c, lock, realtimeNs);
            case "phc" -> new PhcLoop(pathOr(spec, "/dev/ptp"), c, lock, realtimeNs);
            case "shm" -> new ShmLoop(spec.unit(), ShmSegment.permissionsFor(spec.unit(), spec.mode()), true, c, lock,
                    realtimeNs);
            case "sock" -> new SockLoop(spec.path(), c, lock, realtimeNs);
            case "nmea" -> new NmeaLoop(pathOr(spec, "/dev/gps"), nmeaBaud(spec), spec.ppsPath(), c, lock, realtimeNs,
                    spec.time2Auto(), spec.offsetFile());
            default -> throw new IllegalStateException("checked above: " + spec.driver());
        };
    }

    private static String pathOr(RefclockSpec spec, String prefix) {
        return spec.path() != null ? spec.path() : prefix + spec.unit();
    }

    private static int nmeaBaud(RefclockSpec spec) {
        return spec.baud() > 0 ? spec.baud() : DEFAULT_NMEA_BAUD;
    }

    /** One monitor per set of clocks joined by lock (union-find over the resolved locks). */
    private static Map<Refclock, Object> lockGroups(List<Refclock> clocks) {
        Map<Refclock, Refclock> parent = new HashMap<>();
        for (Refclock c : clocks) {
            parent.put(c, c);
        }
        for (Refclock c : clocks) {
            if (c.lockedTo() != null) {
                parent.put(root(parent, c), root(parent, c.lockedTo()));
            }
        }
        Map<Refclock, Object> monitorByRoot = new HashMap<>();
        Map<Refclock, Object> out = new HashMap<>();
        for (Refclock c : clocks) {
            out.put(c, monitorByRoot.computeIfAbsent(root(parent, c), r -> new Object()));
        }
        return out;
    }

    private static Refclock root(Map<Refclock, Refclock> parent, Refclock c) {
        while (parent.get(c) != c) {
            c = parent.get(c);
        }
        return c;
    }

    /** The runners, in configuration order. */
    public List<RefclockRunner> runners() {
        return runners;
    }

    /**
     * Starts every runner's thread and waits (at most {@link #OPEN_WAIT_MS} in all) until each has tried to open its
     * device, so the devices are opened before the daemon drops its privileges. A device that could not be opened is
     * logged and tried again later by its runner.
     */
    public void start() throws InterruptedException {
        runners.forEach(RefclockRunner::start);
        long deadlineNs = System.nanoTime() + OPEN_WAIT_MS * NS_PER_MS;
        for (RefclockRunner r : runners) {
            r.awaitFirstOpen(Math.max(0, (deadlineNs - System.nanoTime()) / NS_PER_MS));
        }
    }

    /** Posts a clock step to every runner. Thread-safe. */
    public void onClockStep(long stepNs) {
        runners.forEach(r -> r.onClockStep(stepNs));
    }

    /** Passes a rate change of the system clock to every runner ({@link RefclockRunner#onRateChange}). Thread-safe. */
    public void onRateChange(long atNs, double dFreq, long number) {
        for (RefclockRunner r : runners) {
            r.onRateChange(atNs, dFreq, number);
        }
    }

    /** Posts an unknown clock jump to every runner. Thread-safe. */
    public void dropSamples() {
        runners.forEach(RefclockRunner::dropSamples);
    }

    @Override
    public void close() {
        runners.forEach(RefclockRunner::close);
    }
}
