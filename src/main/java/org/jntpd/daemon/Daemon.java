package org.jntpd.daemon;

import static org.jntpd.time.Dispersion.PHI_PPM;
import static org.jntpd.time.Units.NS_PER_S;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Log;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.ClockInterferenceListener;
import org.jntpd.clock.ClockPrecision;
import org.jntpd.clock.LeapMode;
import org.jntpd.clock.SoftwareClock;
import org.jntpd.clock.linux.LinuxClock;
import org.jntpd.config.Config;
import org.jntpd.base.TextFile;
import org.jntpd.control.ControlServer;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.UnixDatagram;
import org.jntpd.refclock.SystemReference;
import org.jntpd.refclock.linux.RefclockRunners;
import org.jntpd.rtc.linux.RtcService;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.server.linux.Server;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.SyncStatus;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.time.LeapSecondsFile;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;

/**
 * The running daemon. Brings the modules up in dependency order (clock, synchroniser, server sockets, client
 * sockets), drops privileges, then starts its threads (the pinned serving workers and the synchronisation loop), and
 * takes them down in reverse on SIGTERM/SIGINT: the loop saves the drift and leaves the kernel clock at its base
 * frequency, unsynchronised, with no leap second armed.
 */
public final class Daemon {
    /** The IERS file is about 10 KiB: a bound, so that /dev/zero or a FIFO given as leapfile cannot stop the start. */
    private static final int MAX_LEAP_FILE_BYTES = 256 * 1024;

    private final Config config;
    private final Options options;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean shuttingDown;
    private Server server;
    private org.jntpd.xdp.RawPath rawPath;
    private ControlServer controlServer;
    private SyncLoop loop;
    private Thread loopThread;
    private volatile RtcService rtc;
    private ServerStateHolder served;
    private int precisionLog2;
    private long unsyncedSinceNs;
    private volatile Measurement measurement;
    /** The synchroniser's last published state, for the reference clocks' {@link SystemReference}. */
    private volatile SystemState published;

    /** The last update's result, for -Q and -q (written on the loop thread, read by the main thread). */
    private record Measurement(SyncStatus status, double offsetS, double correctionS, int samples, boolean answered,
            String message) {}

    public Daemon(Config config, Options options) {
        this.config = config;
        this.options = options;
    }

    /** Runs until a signal asks to stop (or, with -q/-Q, until measured); returns the process exit code. */
    public int run() {
        precisionLog2 = ClockPrecision.measureLog2(() -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), 50_000);
        boolean oneShot = options.printOffsetAndExit() || options.setOnceAndExit();
        boolean control = !options.noClockControl() && !options.printOffsetAndExit() && config.clockControl()
                && !Boolean.FALSE.equals(config.systemFlags().get("ntp"));
        ClockControl clock;
        LongUnaryOperator kernelToClock;
        SoftwareClock software = null;
        LinuxClock linux = null;
        if (control) {
            try {
                linux = LinuxClock.systemClock(Clocks.CLOCK_REALTIME, interferenceListener(), LinuxClock.DEFAULT_RATE_TOLERANCE_PPM);
            } catch (NativeException | IllegalStateException e) {
                Log.error("cannot control the system clock: " + e.getMessage()
                        + " (run as root or with CAP_SYS_TIME, or with -x to measure and serve only)");
                return 1;
            }
            clock = linux;
            kernelToClock = LongUnaryOperator.identity();
        } else {
            SoftwareClock sw = new SoftwareClock(() -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
            software = sw;
            clock = sw;
            kernelToClock = raw -> sw.correction().correctedNs(raw);
            Log.info("clock control off (-x): measuring and serving with a software correction; the system clock is never changed");
        }
        Path driftFile = config.files().driftFile() == null ? null : Path.of(config.files().driftFile());
        double initialFreqPpm = initialFrequency(driftFile, clock);
        Synchroniser sync = new Synchroniser(RtcService.clockFor(clock, config, control), syncConfig(initialFreqPpm));
        sync.addStepListener((nowNs, stepNs) ->
                Log.notice(String.format(Locale.ROOT, "clock stepped by %+.9f s", stepNs * 1e-9)));
        // Handlers first: a SIGHUP or SIGTERM as soon as the daemon says it serves must find them.
        Signals.onHangup(Log::reopen);
        if (!oneShot) {
            Signals.exitOnTerminate(0); // a requested stop is a success (-q/-Q keep 143: they were interrupted)
        }
        loadLeapFile(sync);
        if (!oneShot && !startRtc(sync, control ? clock : null, kernelToClock)) {
            return 1;
        }

        served = new ServerStateHolder(unsynchronisedState(clock.nowNs()));
        if (config.serving().port() != 0 && !oneShot) {
            try {
                server = Server.open(config.serving(), config.restrictions(), served, kernelToClock);
            } catch (NativeException e) {
                Log.error("cannot serve NTP: " + e.getMessage());
                return 1;
            }
            rawPath = org.jntpd.xdp.RawPathService.open(org.jntpd.xdp.RawPathService.fromProperty(), config,
                    served::current, kernelToClock, Log::warn);
        }
        loop = new SyncLoop(config, clock, kernelToClock, sync, listener(sync, clock, software, linux), driftFile);
        if (!config.refclocks().isEmpty()) {
            RefclockRunners refclocks;
            try {
                // Devices stamp in the kernel's CLOCK_REALTIME: the runners work in it throughout, and the loop maps
                // their samples onto the disciplined clock (they differ under -x).
                refclocks = RefclockRunners.create(config.refclocks(), (long) Math.scalb(1e9, precisionLog2),
                        () -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), systemReference(), loop::offerRefclockSample);
            } catch (org.jntpd.config.ConfigException e) {
                for (String err : e.errors()) {
                    Log.error(err);
                }
                return 1;
            }
            loop.attachRefclocks(refclocks);
            // Devices open now, before the privilege drop; the runners need no capability afterwards.
            try {
                refclocks.start();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        if (options.user() != null) {
            try {
                Privileges.dropTo(options.user(), control);
            } catch (IOException | NativeException e) {
                Log.error("cannot drop privileges: " + e.getMessage());
                return 1;
            }
        }
        if (config.files().controlSocket() != null && !oneShot) {
            SyncLoop l = loop;
            controlServer = ControlServer.open(config.files().controlSocket(), l::status, this::serverStats);
        }
        // Threads start after the privilege drop: they inherit exactly the capabilities kept.
        if (server != null) {
            server.startWorkers();
            if (rawPath != null) {
                rawPath.startWorkers();
                Log.notice(rawPath.describe());
            }
            Log.notice("serving NTP on " + server.boundAddresses().stream().map(Daemon::format).toList() + " with " + server.workers().size() + " worker(s); precision 2^"
                    + precisionLog2 + " s");
        }
        // Before the loop starts: its first STATUS= must not be overwritten by this one.
        notifySystemd("READY=1\nSTATUS=started, unsynchronised");
        loopThread = Thread.ofPlatform().name("jntpd-sync").start(this::runLoop);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jntpd-shutdown").unstarted(this::shutdown));
        if (oneShot) {
            return runOnce(software);
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The RTC service (rtcfile, -s): started, and -s done, before any source runs and before the privilege drop. */
    private boolean startRtc(Synchroniser sync, ClockControl controlled, LongUnaryOperator kernelToClock) {
        try {
            rtc = RtcService.start(config, options.setFromRtc(), controlled, kernelToClock, () -> {
                SystemState s = published;
                return s != null && s.synced();
            });
        } catch (IllegalArgumentException e) {
            Log.error(e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (rtc != null) {
            sync.addStepListener((nowNs, stepNs) -> rtc.onClockStep(stepNs));
        }
        return true;
    }

    private void runLoop() {
        try {
            loop.run();
        } catch (RuntimeException e) {
            Log.error("the synchronisation loop failed: " + e);
        } finally {
            done.countDown();
        }
    }

    /** -Q: print the measured offset and exit; -q: wait until the clock is set and exit. */
    private int runOnce(SoftwareClock software) {
        long timeoutS = options.setOnceAndExit() ? 60 : 20;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        Measurement m = null;
        while (System.nanoTime() - deadline < 0) {
            m = measurement;
            boolean measured = m != null && m.status() == SyncStatus.SYNCHRONISED && m.samples() >= 4;
            if (options.printOffsetAndExit() && measured) {
                break;
            }
            if (options.setOnceAndExit() && measured && Math.abs(m.offsetS()) < 100e-6) {
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stop();
        if (m == null || m.status() != SyncStatus.SYNCHRONISED) {
            // A server that answered, if only to say it is unsynchronised, is named by the synchroniser's status.
            String why = m == null || m.samples() == 0 && !m.answered() ? "no server answered within " + timeoutS + " s"
                    : m.message();
            System.err.println("jntpd: no usable source: " + why);
            return 1;
        }
        if (options.printOffsetAndExit()) {
            // The system clock's error: what the software correction already holds plus what is still measured.
            double wrongS = m.correctionS() + m.offsetS();
            System.out.printf(Locale.ROOT, "jntpd: system clock offset %+.9f s (%s true time; nothing was changed)%n",
                    -wrongS, wrongS >= 0 ? "behind" : "ahead of");
        } else {
            System.out.printf(Locale.ROOT, "jntpd: clock set, remaining offset %+.9f s%n", m.offsetS());
        }
        return 0;
    }

    private SyncLoop.Listener listener(Synchroniser sync, ClockControl clock, SoftwareClock software, LinuxClock linux) {
        return new SyncLoop.Listener() {
            private int samples;
            private long lastInterferenceCheckNs;

            @Override
            public void published(SystemState s, long nowNs) {
                published = s;
                served.publish(toServerState(s, nowNs));
                double correctionS = software == null ? 0 : software.correction().correctionNs(
                        Libc.clockGettimeNs(Clocks.CLOCK_REALTIME)) * 1e-9;
                measurement = new Measurement(sync.status(), sync.lastOffsetS(), correctionS, samples, sync.anyAnswered(),
                        sync.statusMessage());
                if (linux != null && nowNs - lastInterferenceCheckNs > NS_PER_S) {
                    lastInterferenceCheckNs = nowNs;
                    linux.checkInterference();
                }
            }

            @Override
            public void sample(String source, long nowNs) {
                samples++;
            }

            @Override
            public void statusChanged(String message) {
                notifySystemd("STATUS=" + message);
            }

            @Override
            public void stopping() {
                // Leave the kernel clock at its base frequency (no slew term), unsynchronised, no leap armed.
                if (linux != null) {
                    try {
                        linux.setLeap(LeapMode.NONE);
                        linux.setFrequencyPpm(sync.frequencyPpm());
                        linux.setSyncStatus(false, 0, 16 * NS_PER_S);
                    } catch (NativeException e) {
                        Log.warn("leaving the clock: " + e.getMessage());
                    }
                    linux.close();
                }
            }
        };
    }

    /** The system clock as reference clocks see it: the published root distance and leap (thread-safe). */
    private SystemReference systemReference() {
        return new SystemReference() {
            @Override
            public long rootDistanceNs(long localTimeNs) {
                SystemState s = published;
                return s == null || !s.synced() ? Long.MAX_VALUE : s.rootDelayNs() / 2 + s.rootDispersionNs(localTimeNs);
            }

            @Override
            public int leap() {
                SystemState s = published;
                return s == null || !s.synced() ? NtpPacket.LEAP_UNSYNCHRONIZED : s.leap();
            }
        };
    }

    private ClockInterferenceListener interferenceListener() {
        return new ClockInterferenceListener() {
            @Override
            public void frequencyChanged(double expectedPpm, double foundPpm) {
                Log.warn(String.format(Locale.ROOT, "System clock interference detected (another NTP client?): frequency "
                        + "%.3f ppm where %.3f ppm was set; re-synchronising", foundPpm, expectedPpm));
                resync();
            }

            @Override
            public void statusChanged(int expectedStatus, int foundStatus) {
                Log.warn(String.format(Locale.ROOT, "System clock interference detected (another NTP client?): status "
                        + "0x%04x where 0x%04x was set", foundStatus, expectedStatus));
            }

            @Override
            public void clockStepped(long stepNs) {
                Log.warn(String.format(Locale.ROOT, "System clock interference detected: the clock was stepped by %+.6f s "
                        + "behind our back; re-synchronising", stepNs * 1e-9));
                resync();
                RtcService r = rtc;
                if (r != null) {
                    r.onClockStep(stepNs);
                }
            }

            private void resync() {
                SyncLoop l = loop;
                if (l != null) {
                    l.requestResync();
                }
            }
        };
    }

    /** The state to serve: the synchroniser's while synchronised, else the local clock or orphan stratum, else unsynchronised. */
    private ServerState toServerState(SystemState s, long nowNs) {
        if (s.synced()) {
            unsyncedSinceNs = 0;
            return new ServerState(s.leapIndicator(), s.stratum(), precisionLog2, s.rootDelayShort(), s.rootDispersionNs(),
                    PHI_PPM, s.refId(), s.referenceNtp64(), s.referenceTimeNs());
        }
        if (unsyncedSinceNs == 0) {
            unsyncedSinceNs = nowNs;
        }
        return unsynchronisedState(nowNs);
    }

    private ServerState unsynchronisedState(long nowNs) {
        int local = config.serving().localStratum();
        Config.Tos tos = config.tos();
        if (local == 0 && tos.orphanStratum() > 0 && unsyncedSinceNs != 0 && nowNs - unsyncedSinceNs >= tos.orphanWaitNs()) {
            local = tos.orphanStratum();
        }
        if (local > 0) {
            return ServerState.local(local, precisionLog2, nowNs, NtpTimestamp.fromUnixNs(nowNs));
        }
        return ServerState.unsynchronised(precisionLog2);
    }

    private double initialFrequency(Path driftFile, ClockControl clock) {
        if (!Double.isNaN(config.tinker().freqPpm())) {
            return config.tinker().freqPpm();
        }
        if (driftFile == null) {
            return Double.NaN;
        }
        DriftFile.ReadResult r = DriftFile.read(driftFile);
        if (r.drift() == null) {
            Log.info(r.problem());
            return Double.NaN;
        }
        Log.info(String.format(Locale.ROOT, "frequency %.3f ppm from %s", r.drift().freqPpm(), driftFile));
        return r.drift().freqPpm();
    }

    private SyncConfig syncConfig(double initialFreqPpm) {
        Config.Tos tos = config.tos();
        Config.Tinker t = config.tinker();
        return SyncConfig.builder()
                .minSane(tos.minSane())
                .minClock(tos.minClock())
                .maxClock(Math.max(tos.maxClock(), tos.minClock()))
                .maxDistanceNs(tos.maxDistNs())
                .stepThresholdNs(Math.max(t.stepBackNs(), t.stepFwdNs()))
                .stepoutNs(t.stepoutNs())
                .stepLimit(t.stepLimit())
                .panicThresholdNs(t.panicNs())
                .maxSlewRatePpm(t.maxSlewPpm())
                .initialFrequencyPpm(initialFreqPpm)
                .precisionLog2(precisionLog2)
                .build();
    }

    private void loadLeapFile(Synchroniser sync) {
        String leapFile = config.files().leapFile();
        if (leapFile == null) {
            return;
        }
        try {
            LeapSecondsFile f = LeapSecondsFile.parse(new String(TextFile.read(Path.of(leapFile), MAX_LEAP_FILE_BYTES),
                    StandardCharsets.US_ASCII));
            long nowS = Math.floorDiv(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), NS_PER_S);
            LeapSecondsFile.Leap leap = f.nextLeapAfter(nowS - 86_400);
            if (leap != null) {
                sync.leapSeconds().add(leap.endOfDayUnixS(), leap.direction());
                Log.notice("leap second " + (leap.direction() > 0 ? "insertion" : "deletion") + " scheduled at the end of "
                        + java.time.LocalDate.ofEpochDay(leap.endOfDayUnixS() / 86_400 - 1) + " (from " + leapFile + ")");
            }
            if (f.expiredAt(nowS)) {
                Log.warn("leap second file " + leapFile + " expired on " + java.time.Instant.ofEpochSecond(f.expiresUnixS())
                        + "; leap seconds now come from the servers' votes only (update it, e.g. from tzdata)");
            } else {
                Log.info("leap second file " + leapFile + ": TAI-UTC " + f.taiOffsetAt(nowS) + " s, valid until "
                        + java.time.Instant.ofEpochSecond(f.expiresUnixS()));
            }
        } catch (IOException | LeapSecondsFile.FormatException e) {
            Log.warn("cannot use leap second file " + leapFile + ": " + e.getMessage());
        }
    }

    private static void notifySystemd(String message) {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return;
        }
        try {
            UnixDatagram.send(socket, message);
        } catch (RuntimeException e) {
            Log.debug("sd_notify to " + socket + " failed: " + e.getMessage());
        }
    }

    private static String format(java.net.InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        int pct = host.indexOf('%');
        host = pct >= 0 ? host.substring(0, pct) : host;
        if (host.equals("0:0:0:0:0:0:0:0")) {
            host = "::";
        } else if (host.equals("0:0:0:0:0:0:0:1")) {
            host = "::1";
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The published state, for tests and the control interface. */
    public ServerStateHolder served() {
        return served;
    }

    /** chronyc-style "serverstats": the server's counters summed over its workers. */
    private String serverStats() {
        if (server == null) {
            return "not serving NTP (port 0)\n";
        }
        StringBuilder b = new StringBuilder();
        for (org.jntpd.server.ServerCounters.Counter c : org.jntpd.server.ServerCounters.Counter.values()) {
            b.append(String.format(Locale.ROOT, "%-22s: %d%n", c.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    server.total(c) + (rawPath == null ? 0 : rawPath.total(c))));
        }
        if (rawPath != null) {
            org.jntpd.xdp.RawPathService.counterLines(rawPath).forEach(l -> b.append(l).append('\n'));
        }
        return b.toString();
    }

    private void stop() {
        if (controlServer != null) {
            controlServer.close();
        }
        if (loop != null) {
            loop.stop();
        }
        try {
            done.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (rawPath != null) {
            rawPath.close(); // detaches the XDP program
        }
        if (server != null) {
            server.close();
        }
        if (rtc != null) {
            rtc.close();
        }
    }

    private void shutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        Log.notice("shutting down");
        notifySystemd("STOPPING=1");
        stop();
        stopped.countDown();
    }
}
