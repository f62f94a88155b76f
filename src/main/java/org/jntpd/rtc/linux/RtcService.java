package org.jntpd.rtc.linux;

import static org.jntpd.time.Units.NS_PER_MS;
import static org.jntpd.time.Units.NS_PER_S;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Agent;
import org.jntpd.base.AgentTerminationException;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.Log;
import org.jntpd.base.LoopRunner;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.LeapMode;
import org.jntpd.config.Config;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.rtc.RtcDevice;
import org.jntpd.rtc.RtcKeeper;
import org.jntpd.rtc.RtcSetter;

/**
 * The daemon's hardware clock, chrony's directives: {@code rtcfile} (track the RTC's offset and drift, save them),
 * {@code rtcautotrim} (re-set it when too far off), {@code rtcdevice}, {@code rtconutc}, and {@code -s} (set the system
 * clock from it at start). {@link RtcKeeper} does the work on the platform thread {@code jntpd-rtc}, never the serving
 * or synchronisation threads: reading at a second boundary blocks for up to a second.
 *
 * <p>{@code rtcsync} needs nothing here: while synchronised {@link org.jntpd.clock.linux.LinuxClock} clears STA_UNSYNC, and the
 * kernel then copies the system time to the RTC every 11 minutes. With an rtcfile it must not (it would set the RTC
 * being tracked), so the synchroniser then steers the clock through {@link #clockFor}, which keeps STA_UNSYNC set, as
 * chrony does on Linux without rtcsync; rtcfile and rtcsync together are refused, as chrony refuses them.
 *
 * <p>{@link #start} opens the device and carries out -s before it returns: the daemon calls it before the privilege
 * drop and before the synchronisation loop starts.
 *
 * <p>Errors: an RTC that cannot be opened is logged and the daemon goes on without it (the loop ends, not an error); a
 * device error or an impossible reading in a turn is logged and tried again 60 s later (the device's own back-off);
 * anything else a turn throws is the {@link LoopRunner}'s (counted, logged, the daemon's policy when it persists).
 */
public final class RtcService implements Agent, AutoCloseable {
    /** chrony's default is /dev/rtc, a link udev makes to the first RTC; the kernel's own name is used here. */
    public static final String DEFAULT_DEVICE = "/dev/rtc0";
    private static final long START_TIMEOUT_S = 5;
    private static final long MAX_PARK_NS = NS_PER_S;
    private static final long ERROR_BACKOFF_NS = 60_000_000_000L;

    /** The RTC as the keeper uses it, opened and closed on the service's thread. */
    interface Hardware extends AutoCloseable {
        RtcDevice device();

        RtcSetter.Sleeper sleeper();

        /** The kernel driver's name ({@code rtc_cmos}); null = unknown. */
        String driverName();

        @Override
        void close();
    }

    private final String devicePath;
    private final RtcKeeper.Settings settings;
    private final boolean setAtStart;
    private final RtcKeeper.Host host;
    private final Function<String, Hardware> opener;
    private final CountDownLatch started = new CountDownLatch(1);
    private final LoopRunner runner;
    private volatile RtcKeeper keeper;
    private Hardware hw; // the loop's thread only
    private long dueNs;

    RtcService(String devicePath, RtcKeeper.Settings settings, boolean setAtStart, RtcKeeper.Host host,
            Function<String, Hardware> opener, LoopRunner.DeathHandler onDeath) {
        this.devicePath = devicePath;
        this.settings = settings;
        this.setAtStart = setAtStart;
        this.host = host;
        this.opener = opener;
        this.runner = new LoopRunner("jntpd-rtc", this, IdleStrategy.waitsInAgent(), LoopRunner.DEFAULT, onDeath);
    }

    /**
     * Starts the service when the configuration asks for it, and waits until the RTC is open and -s is done.
     *
     * @param controlled    the clock the daemon steers, null when clock control is off (then nothing is ever set)
     * @param kernelToClock maps CLOCK_REALTIME onto the disciplined clock's timescale (thread-safe)
     * @param synchronised  whether the disciplined clock is synchronised now (thread-safe)
     * @return the running service, or null when there is nothing to do (no rtcfile, no -s)
     * @throws IllegalArgumentException for settings that contradict each other (rtcfile with rtcsync)
     */
    public static RtcService start(Config config, boolean setAtStart, ClockControl controlled,
            LongUnaryOperator kernelToClock, BooleanSupplier synchronised) throws InterruptedException {
        return start(config, setAtStart, controlled, kernelToClock, synchronised,
                (r, cause) -> Log.error("the RTC is no longer tracked"));
    }

    /**
     * {@link #start(Config, boolean, ClockControl, LongUnaryOperator, BooleanSupplier)}, with what to do when the
     * service's loop dies (the daemon's policy; see {@link LoopRunner}).
     */
    public static RtcService start(Config config, boolean setAtStart, ClockControl controlled,
            LongUnaryOperator kernelToClock, BooleanSupplier synchronised, LoopRunner.DeathHandler onDeath)
            throws InterruptedException {
        Config.Rtc rtc = config.rtc();
        if (rtc.file() != null && rtc.sync()) {
            throw new IllegalArgumentException("rtcfile cannot be used with rtcsync: rtcsync leaves the RTC to the kernel's "
                    + "11-minute mode, rtcfile tracks it (chrony refuses the pair too); keep one");
        }
        if (rtc.sync()) {
            Log.info("rtcsync: the kernel copies the system time to the RTC every 11 minutes while synchronised");
        }
        if (rtc.autotrimNs() > 0 && rtc.file() == null) {
            Log.warn("rtcautotrim needs an rtcfile (the RTC's offset is only known while it is tracked); ignored");
        }
        if (rtc.file() == null && !setAtStart) {
            return null;
        }
        Path file = rtc.file() == null ? null : Path.of(rtc.file());
        long panicNs = config.tinker().panicNs();
        RtcKeeper.Settings settings = new RtcKeeper.Settings(file, rtc.onUtc() ? ZoneOffset.UTC : ZoneId.systemDefault(),
                rtc.autotrimNs(), controlled != null, notBeforeNs(file, config.files().driftFile()),
                panicNs > 0 ? panicNs : Long.MAX_VALUE);
        RtcKeeper.Host host = new RtcKeeper.Host() {
            @Override
            public long kernelNowNs() {
                return Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
            }

            @Override
            public long toClockNs(long kernelNs) {
                return kernelToClock.applyAsLong(kernelNs);
            }

            @Override
            public boolean synchronised() {
                return synchronised.getAsBoolean();
            }

            @Override
            public void stepClock(long stepNs) {
                controlled.stepNs(stepNs);
            }
        };
        String device = rtc.device() != null ? rtc.device() : DEFAULT_DEVICE;
        RtcService service = new RtcService(device, settings, setAtStart, host, RtcService::openLinux, onDeath);
        service.startAndWait();
        return service;
    }

    /**
     * The clock for the synchroniser: {@code clock} itself, or, with an rtcfile under clock control, a view of it that
     * reports every state as unsynchronised to the kernel (STA_UNSYNC stays set, so the kernel leaves the RTC alone).
     */
    public static ClockControl clockFor(ClockControl clock, Config config, boolean clockControl) {
        return clockControl && config.rtc().file() != null ? new KernelRtcSyncOff(clock) : clock;
    }

    void startAndWait() throws InterruptedException {
        runner.start();
        if (!started.await(START_TIMEOUT_S, TimeUnit.SECONDS)) {
            Log.warn("the RTC " + devicePath + " is not open after " + START_TIMEOUT_S + " s; going on without waiting");
        }
    }

    /** The system clock was stepped by {@code stepNs} (any thread): the RTC's samples move with it. */
    public void onClockStep(long stepNs) {
        RtcKeeper k = keeper;
        if (k != null) {
            k.onClockStep(stepNs);
        }
    }

    /** Whether the service's thread still runs (it ends after -s when there is no rtcfile, and on a device error). */
    public boolean running() {
        return runner.thread().isAlive();
    }

    /** Its loop (heartbeat, errors, state). */
    public LoopRunner runner() {
        return runner;
    }

    /** Stops the thread; it saves the rtcfile and closes the device. */
    @Override
    public void close() {
        runner.close();
    }

    @Override
    public String roleName() {
        return "RTC " + devicePath;
    }

    /** Opens the RTC and carries out -s; an RTC that cannot be opened ends the loop: the daemon does without. */
    @Override
    public void onStart() {
        try {
            hw = opener.apply(devicePath);
        } catch (NativeException e) {
            throw new AgentTerminationException("cannot use the RTC: " + e.getMessage() + "; going on without it");
        }
        RtcKeeper k = new RtcKeeper(settings, hw.device(), hw.sleeper(), hw.driverName(), host);
        keeper = k;
        Log.info("RTC " + devicePath + (hw.driverName() != null ? " (" + hw.driverName() + ")" : "") + " opened"
                + (settings.file() != null ? "; tracked in " + settings.file() : ""));
        if (setAtStart) {
            k.setClockAtStart();
        }
        started.countDown();
        if (!k.tracks()) {
            throw new AgentTerminationException("nothing to track (no rtcfile); done");
        }
        dueNs = host.kernelNowNs();
    }

    /**
     * A turn of the keeper when due (it says when the next is due), else a park of at most a second (CLOCK_REALTIME
     * may be stepped meanwhile, and a stop must be noticed).
     */
    @Override
    public int doWork() {
        long leftNs = dueNs - host.kernelNowNs();
        if (leftNs > 0) {
            LockSupport.parkNanos(Math.min(leftNs, MAX_PARK_NS));
            return 0;
        }
        try {
            dueNs = keeper.turn();
        } catch (NativeException | IllegalArgumentException e) {
            // A device error or an impossible reading (flat battery): said, and tried again later.
            Log.warn("RTC " + devicePath + ": " + e.getMessage() + "; next try in " + ERROR_BACKOFF_NS / NS_PER_S + " s");
            dueNs = host.kernelNowNs() + ERROR_BACKOFF_NS;
        }
        return 1;
    }

    /** The RTC's tracking as of its last measurement (any thread); null before the device is open. */
    public RtcKeeper.Status status() {
        RtcKeeper k = keeper;
        return k == null ? null : k.status();
    }

    /** The RTC device's path. */
    public String devicePath() {
        return devicePath;
    }

    /** Saves the rtcfile and closes the device. */
    @Override
    public void onClose() {
        try {
            RtcKeeper k = keeper;
            if (k != null && k.tracks()) {
                k.save();
            }
        } finally {
            if (hw != null) {
                hw.close();
            }
            started.countDown();
        }
    }

    /** Newest modification time of the state files: an RTC reading earlier than that is not believed. */
    private static long notBeforeNs(Path rtcFile, String driftFile) {
        long newest = Long.MIN_VALUE;
        for (Path p : new Path[] {rtcFile, driftFile == null ? null : Path.of(driftFile)}) {
            try {
                if (p != null && Files.exists(p)) {
                    newest = Math.max(newest, Files.getLastModifiedTime(p).toMillis() * NS_PER_MS);
                }
            } catch (IOException e) {
                Log.debug("no modification time of " + p + ": " + e.getMessage());
            }
        }
        return newest;
    }

    private static Hardware openLinux(String path) {
        LinuxRtcDevice device = LinuxRtcDevice.open(path);
        String driver = device.driverName();
        RealtimeSleeper sleeper = new RealtimeSleeper();
        return new Hardware() {
            @Override
            public RtcDevice device() {
                return device;
            }

            @Override
            public RtcSetter.Sleeper sleeper() {
                return sleeper;
            }

            @Override
            public String driverName() {
                return driver;
            }

            @Override
            public void close() {
                sleeper.close();
                device.close();
            }
        };
    }

    /** A clock that never tells the kernel it is synchronised, so the kernel's 11-minute mode leaves the RTC alone. */
    private record KernelRtcSyncOff(ClockControl clock) implements ClockControl {
        @Override
        public long nowNs() {
            return clock.nowNs();
        }

        @Override
        public void setFrequencyPpm(double freqPpm) {
            clock.setFrequencyPpm(freqPpm);
        }

        @Override
        public double frequencyPpm() {
            return clock.frequencyPpm();
        }

        @Override
        public double maxFrequencyPpm() {
            return clock.maxFrequencyPpm();
        }

        @Override
        public long frequencyChangeDelayNs() {
            return clock.frequencyChangeDelayNs();
        }

        @Override
        public void stepNs(long stepNs) {
            clock.stepNs(stepNs);
        }

        @Override
        public void setLeap(LeapMode mode) {
            clock.setLeap(mode);
        }

        @Override
        public void setSyncStatus(boolean synced, long estErrorNs, long maxErrorNs) {
            clock.setSyncStatus(false, estErrorNs, maxErrorNs);
        }
    }
}
