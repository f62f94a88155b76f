package org.jntpd.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.Log;
import org.jntpd.base.LoopRunner;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.ClockPrecision;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
import org.jntpd.control.ControlCommands;
import org.jntpd.control.ControlServer;
import org.jntpd.metrics.MetricsServer;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.refclock.linux.RefclockRunners;
import org.jntpd.rtc.linux.RtcService;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.time.LeapSecondsFile;

/**
 * The running daemon: brings its modules up in dependency order (the clock, the synchroniser, the leap file, the RTC,
 * the client's loop and reference clocks, the server's sockets, the control socket, the metrics port), drops
 * privileges, then starts the threads (the control socket, the metrics server, the synchronisation loop, then the
 * serving warm-up and the pinned serving workers: the warm-up never delays the first clock update). With no privilege
 * drop (no -u) the synchronisation loop starts as soon as its reference clocks are open, before the server's sockets.
 * On SIGTERM/SIGINT it takes them down in reverse ({@link Teardown}): the loop saves the drift and leaves the kernel
 * clock at its base frequency, unsynchronised, with no leap second armed. SIGHUP reopens the log, re-reads the NTS
 * server's certificate and reloads the configuration ({@link Reloader}), as {@code jntpc reload} does.
 */
public final class Daemon {
    /** sysexits.h's EX_SOFTWARE: a thread loop died (docs/DESIGN.md, "Thread loops"); systemd restarts on it. */
    static final int EX_SOFTWARE = 70;
    private final Config config;
    private final Options options;
    private final ConfigSource source;
    /** jntpc reload and SIGHUP; null until the loop exists, and with -q/-Q. */
    private volatile Reloader reloader;
    private final Teardown teardown = new Teardown();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean shuttingDown;
    private volatile SyncLoop loop;
    private volatile LoopRunner loopRunner;
    /** The process's exit status once the daemon stops: 0, or {@link #EX_SOFTWARE} after a loop died. */
    private volatile int exitStatus;
    private SymmetricKeys keys = SymmetricKeys.NONE;
    private volatile NtsServerService ntsServer;
    private TimeFilePublisher timeFile;
    private volatile RtcService rtc;
    private volatile ServedState served;
    private NtpServing serving;
    private final Notices systemd = new Notices();

    /** Where the configuration came from; a reload reads it again there (with the checks of the start). */
    public interface ConfigSource {
        /** Parses the configuration (again). */
        Config load() throws ConfigException;

        /** What the log calls it: the file's path, or "the built-in configuration". */
        String name();
    }

    /**
     * What systemd is told of the start (sd_notify): READY=1, with the status "started, unsynchronised", once the
     * daemon serves and its sockets are bound, then the loop's statuses. A loop that starts before (no privilege drop
     * to wait for) has its status held until READY=1 has gone out, so that READY=1's does not overwrite a later one.
     */
    private static final class Notices {
        private boolean ready;
        private String held;

        synchronized void status(String message) {
            if (ready) {
                SystemdNotify.send("STATUS=" + message);
            } else {
                held = message;
            }
        }

        synchronized void ready() {
            SystemdNotify.send("READY=1\nSTATUS=started, unsynchronised");
            ready = true;
            if (held != null) {
                SystemdNotify.send("STATUS=" + held);
                held = null;
            }
        }
    }

    /** @param source where {@code config} came from, read again by each reload */
    public Daemon(Config config, Options options, ConfigSource source) {
        this.config = config;
        this.options = options;
        this.source = source;
    }

    /** Runs until a signal asks to stop (or, with -q/-Q, until measured); returns the process exit code. */
    public int run() {
        int precisionLog2 = ClockPrecision.measureLog2(() -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), 50_000);
        boolean oneShot = options.printOffsetAndExit() || options.setOnceAndExit();
        boolean control = !options.noClockControl() && !options.printOffsetAndExit() && config.clockControl()
                && !Boolean.FALSE.equals(config.systemFlags().get("ntp"));
        DaemonClock clock = control
                ? DaemonClock.system(DaemonClock.interferenceListener(this::resync, this::clockStepped, this::clockWarning))
                : DaemonClock.software();
        if (clock == null) {
            return 1;
        }
        LongUnaryOperator kernelToClock = clock.kernelToClockNs();
        Path driftFile = config.files().driftFile() == null ? null : Path.of(config.files().driftFile());
        Synchroniser sync = SyncSetup.create(config, RtcService.clockFor(clock.clock(), config, control), driftFile,
                precisionLog2);
        // Handlers first: a SIGHUP or SIGTERM as soon as the daemon says it serves must find them.
        Signals.onHangup(() -> {
            Log.reopen();
            NtsServerService nts = ntsServer;
            if (nts != null) {
                nts.reload(); // the certificate and key are re-read (the log says what came of it)
            }
            Reloader r = reloader;
            if (r != null) {
                r.reload("SIGHUP"); // the configuration, applied whole or refused (the log says which)
            }
        });
        if (!oneShot) {
            Signals.exitOnTerminate(0); // a requested stop is a success (-q/-Q keep 143: they were interrupted)
        }
        LeapSecondsFile leapFile = LeapFileLoader.load(config.files().leapFile(), sync.leapSeconds(),
                Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
        if (!oneShot && !startRtc(sync, control ? clock.clock() : null, kernelToClock)) {
            return 1;
        }

        served = new ServedState(config, precisionLog2, clock.clock().nowNs());
        try {
            keys = SymmetricKeys.load(config);
        } catch (ConfigException e) {
            e.errors().forEach(Log::error);
            return 1;
        }
        // Broadcasts and symmetric peers read their transmit time before the MAC: compiled before the loop sends one.
        boolean loopSigns = !config.broadcast().targets().isEmpty() || config.hasSymmetricPeers();
        if (!oneShot && loopSigns) {
            MacWarmup.run(keys.keys());
        }
        if (config.files().timeFile() != null && !oneShot) {
            timeFile = TimeFilePublisher.open(config.files().timeFile());
            if (timeFile == null) {
                return 1;
            }
            teardown.add(timeFile::close);
        }
        ServerAuth auth = null;
        if (config.serving().port() != 0 && !oneShot) {
            try {
                auth = serverAuth(kernelToClock); // the NTS-KE server too: its certificate watched from the loop's start
            } catch (IOException e) {
                Log.error("cannot serve NTS: " + e.getMessage());
                return 1;
            }
        }
        OneShot once = new OneShot(options.printOffsetAndExit(), options.setOnceAndExit());
        SyncLoop l = new SyncLoop(config, clock.clock(), kernelToClock, sync, listener(sync, clock, once), driftFile,
                keys);
        loop = l;
        l.serveFrom(served.holder());
        l.watchLeapFile(config.files().leapFile(), leapFile, Libc.clockGettimeNs(Clocks.CLOCK_REALTIME) / 1_000_000_000L);
        watchCertificate(l);
        if (config.metrics() != null && !oneShot) {
            l.enableMetrics(); // before its first publication, which may be the last for long (no sources)
        }
        if (!oneShot) {
            reloader = new Reloader(source, config, keys, l);
        }
        if (!config.refclocks().isEmpty() && !startRefclocks(l, precisionLog2)) {
            return 1;
        }
        // With no user to become there is no privilege drop to wait for: the loop starts now, and the serving side,
        // the control socket and the metrics port are made while its sources have their first polls (under the
        // guest's emulation they took seconds, all before the first clock update: bench/README.md, "PPS in the
        // guest"). With -u every thread starts after the drop, so that it has only the capabilities kept.
        LoopRunner runner = null;
        if (options.user() == null && !oneShot) {
            addShutdownHook();
            runner = startLoop(l);
        }
        if (!oneShot && config.serving().port() != 0 && !loopSigns) {
            MacWarmup.run(keys.keys()); // signed replies read T3 before their MAC: compiled before the first
        }
        if (auth != null) {
            try {
                serving = NtpServing.open(config, served.holder(), kernelToClock, auth, this::loopDied);
            } catch (NativeException | IllegalArgumentException e) { // a socket refused; a clientloglimit the heap cannot hold
                Log.error("cannot serve NTP: " + e.getMessage());
                return 1;
            }
            teardown.add(serving::close);
        }
        ControlServer controlServer = oneShot ? null : bindControl();
        MetricsServer metrics = null;
        if (config.metrics() != null && !oneShot) {
            metrics = openMetrics(l);
            if (metrics == null) {
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
        // Threads start after the privilege drop: they inherit exactly the capabilities kept.
        if (runner == null) {
            addShutdownHook(); // first
        }
        if (controlServer != null) {
            controlServer.start(this::loopDied);
        }
        if (metrics != null) {
            metrics.start();
        }
        if (ntsServer != null) {
            ntsServer.start();
        }
        systemd.ready();
        if (runner == null) {
            runner = startLoop(l);
        }
        Watchdog watchdog = startWatchdog(runner);
        if (serving != null && !shuttingDown) {
            // After the loop: the serving warm-up (0.4 s here, 3 s in the emulated guest) runs beside the sources'
            // first polls instead of before them. Requests that come meanwhile wait in the bound sockets' queues.
            serving.start(precisionLog2, l::control, kernelToClock);
            if (watchdog != null) {
                serving.runners().forEach(watchdog::watch);
            }
        }
        if (oneShot) {
            return once.await(teardown::run);
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exitStatus;
    }

    /**
     * The shutdown hook, before any loop starts: a loop that dies as soon as it starts stops the daemon through it
     * (System.exit).
     */
    private void addShutdownHook() {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jntpd-shutdown").unstarted(this::shutdown));
    }

    /** Starts the synchronisation loop's thread (after the shutdown hook); the loop's end saves the drift. */
    private LoopRunner startLoop(SyncLoop l) {
        LoopRunner runner = new LoopRunner("jntpd-sync", l, IdleStrategy.waitsInAgent(), LoopRunner.DEFAULT,
                this::loopDied);
        loopRunner = runner;
        runner.start();
        teardown.add(runner::close); // the loop saves the drift and leaves the clock tidy as it ends
        return runner;
    }

    /** The NTS certificate's expiry, for the operator's warnings. */
    private void watchCertificate(SyncLoop l) {
        NtsServerService nts = ntsServer;
        if (nts != null) {
            l.warnings().watchExpiry("ntscert", "NTS server certificate " + nts.certificateFile(), "replace it (the new "
                    + "one is read when the file changes, or on SIGHUP)", nts::certificateNotAfterUnixS, true);
        }
    }

    /**
     * The control socket bound now, while the daemon may still be root (its folder, /run/jntpd, may be root's), and
     * handed to the user it becomes; its loop starts after the privilege drop. Null: none (configured off, or it
     * could not be made, said at WARN).
     */
    private ControlServer bindControl() {
        if (config.files().controlSocket() == null) {
            return null;
        }
        int uid = -1;
        int gid = -1;
        if (options.user() != null) {
            try {
                Privileges.Account a = Privileges.lookup(options.user(), Path.of("/etc/passwd"));
                uid = a.uid();
                gid = a.gid();
            } catch (IOException e) {
                Log.warn("control socket: " + e.getMessage() + "; it stays root's");
            }
        }
        SyncLoop l = loop;
        ControlCommands.Actions loopActions = l.controlActions();
        ControlCommands.Actions actions = new ControlCommands.Actions() {
            @Override
            public int sources(String action, String selector) {
                return loopActions.sources(action, selector);
            }

            @Override
            public void makestep() {
                loopActions.makestep();
            }

            @Override
            public ControlCommands.Reload reload() {
                Reloader r = reloader;
                if (r == null) {
                    return new ControlCommands.Reload(false, "this daemon cannot reload");
                }
                Reloader.Result result = r.reload("jntpc"); // on the control thread: a second at most
                return new ControlCommands.Reload(result.applied(), result.text());
            }
        };
        ControlCommands commands = new ControlCommands(new ControlCommands.Sources(l::status,
                () -> NtpServing.counters(serving), this::authData, this::rtcData, actions, ControlSnapshots.VERSION,
                () -> NtpServing.clients(serving)));
        ControlServer c = ControlServer.bind(config.files().controlSocket(), uid, gid, commands);
        if (c != null) {
            teardown.add(c::close);
        }
        return c;
    }

    /**
     * systemd's watchdog (WatchdogSec=, passed as WATCHDOG_USEC): WATCHDOG=1 every half interval while the
     * synchronisation loop and every serving worker make progress (the workers are added once they run, after the
     * serving warm-up); null, and nothing, when systemd asks for none.
     */
    private Watchdog startWatchdog(LoopRunner syncRunner) {
        Watchdog w = new Watchdog(Watchdog.intervalNs(System.getenv(), ProcessHandle.current().pid()), SystemdNotify::send);
        if (!w.enabled()) {
            return null;
        }
        w.watch(syncRunner);
        long everyNs = w.checkEveryNs();
        Thread t = Thread.ofPlatform().name("jntpd-watchdog").daemon(true).start(() -> {
            while (!shuttingDown) {
                LockSupport.parkNanos(everyNs);
                if (!shuttingDown) {
                    w.check();
                }
            }
        });
        teardown.add(() -> LockSupport.unpark(t));
        // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
        Log.info(String.format((Locale) null, "systemd watchdog: WATCHDOG=1 every %.3g s while the loops make progress",
                everyNs * 1e-9));
        return w;
    }

    /**
     * A thread loop died (the policy in docs/DESIGN.md, "Thread loops"): the daemon stops with the usual shutdown and
     * exit status 70, and systemd starts it again. Called on the dead loop's thread; the stop runs on another, which
     * may wait for this one.
     */
    private void loopDied(LoopRunner runner, Throwable cause) {
        Log.error(runner.agent().roleName() + " is dead: this stops the daemon (exit status " + EX_SOFTWARE
                + "; systemd's Restart=on-failure starts it again)");
        exitStatus = EX_SOFTWARE;
        Thread.ofPlatform().name("jntpd-exit").start(() -> System.exit(EX_SOFTWARE));
    }

    /**
     * The Prometheus exporter ({@code metrics ADDR:PORT}), bound now (before the privilege drop: any port) and
     * started after it; null, logged, when the address cannot be bound: the operator asked for it.
     */
    private MetricsServer openMetrics(SyncLoop l) {
        Config.Metrics m = config.metrics();
        try {
            MetricsServer server = MetricsServer.open(m.address(), m.port(), l::metrics,
                    () -> NtpServing.workerCounters(serving));
            teardown.add(server::close);
            return server;
        } catch (IOException | IllegalArgumentException e) {
            Log.error("cannot serve metrics on " + m.address() + " port " + m.port() + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * What the serving side authenticates with: the key file's keys, and with {@code nts enable} (or ntsservercert and
     * ntsserverkey) the NTS-KE server bound (port 4460 needs the privileges dropped later) and its cookie keys.
     */
    private ServerAuth serverAuth(LongUnaryOperator kernelToClock) throws IOException {
        java.util.function.Supplier<org.jntpd.nts.ServerKeySet> ntsKeys = null;
        if (config.nts().enable()) {
            ntsServer = NtsServerService.open(config, () -> kernelToClock.applyAsLong(
                    Libc.clockGettimeNs(Clocks.CLOCK_REALTIME)));
            ntsKeys = ntsServer.keys();
            teardown.add(ntsServer::close);
        }
        java.security.SecureRandom random = new java.security.SecureRandom();
        return new ServerAuth(keys.keys(), keys.trusted(), ntsKeys, random::nextBytes, ServerAuth.DEFAULT_NTS_CACHE);
    }

    /**
     * jntpc authdata (docs/CONTROL.md): each NTP source's authentication (chronyc's columns), the NTS-KE server
     * (certificate, expiry, counters) and the NTP server's authentication counters, field by field and as text.
     */
    private java.util.Map<String, Object> authData() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        SyncLoop l = loop;
        m.put("sources", l == null ? java.util.List.of() : l.authSources());
        NtsServerService nts = ntsServer;
        m.put("nts_ke_server", nts == null ? null : nts.fields());
        m.put("ntp_server", serving == null ? null : serving.authFields());
        m.put("text", authText());
        return m;
    }

    private String authText() {
        StringBuilder b = new StringBuilder();
        NtsServerService nts = ntsServer;
        if (nts != null) {
            b.append(nts.status());
        }
        if (serving != null) {
            b.append(serving.authStats());
        }
        SyncLoop l = loop;
        if (l != null) {
            b.append(l.authStatus());
        }
        if (b.isEmpty()) {
            b.append("no authentication configured (keys, keyfile, nts)\n");
        }
        return b.toString();
    }

    /** jntpc rtcdata: the RTC's tracking (chronyc rtcdata), null when no RTC is tracked (docs/CONTROL.md). */
    private java.util.Map<String, Object> rtcData() {
        RtcService r = rtc;
        org.jntpd.rtc.RtcKeeper.Status s = r == null || !r.running() ? null : r.status();
        if (s == null) {
            return null;
        }
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("device", r.devicePath());
        m.put("valid", s.valid());
        m.put("ref_time_utc", s.refRtcSeconds() == 0 ? null : java.time.Instant.ofEpochSecond(s.refRtcSeconds()).toString());
        m.put("samples", s.samples());
        m.put("fitted_samples", s.fittedSamples());
        m.put("fast_s", s.fastS());
        m.put("gain_ppm", s.gainPpm());
        m.put("residual_rms_s", s.residualRmsS());
        m.put("mode", s.mode().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    /** The RTC service (rtcfile, -s): started, and -s done, before any source runs and before the privilege drop. */
    private boolean startRtc(Synchroniser sync, ClockControl controlled, LongUnaryOperator kernelToClock) {
        try {
            rtc = RtcService.start(config, options.setFromRtc(), controlled, kernelToClock,
                    () -> served != null && served.synced(), this::loopDied);
        } catch (IllegalArgumentException e) {
            Log.error(e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (rtc != null) {
            RtcService r = rtc;
            sync.addStepListener((nowNs, stepNs) -> r.onClockStep(stepNs));
            teardown.add(r::close);
        }
        return true;
    }

    /**
     * The reference clocks as sources of the loop: their devices opened now, before the privilege drop (the runners
     * need no capability afterwards). The loop closes them when it ends.
     */
    private boolean startRefclocks(SyncLoop l, int precisionLog2) {
        RefclockRunners refclocks;
        try {
            // Devices stamp in the kernel's CLOCK_REALTIME: the runners work in it throughout, and the loop maps
            // their samples onto the disciplined clock (they differ under -x).
            refclocks = RefclockRunners.create(config.refclocks(), (long) Math.scalb(1e9, precisionLog2),
                    () -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), served.systemReference(), l::offerRefclockSample,
                    this::loopDied);
        } catch (ConfigException e) {
            for (String err : e.errors()) {
                Log.error(err);
            }
            return false;
        }
        l.attachRefclocks(refclocks);
        try {
            refclocks.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    /** What the loop reports, passed on: the state to serve, the -Q/-q measurement, systemd's status, the clock. */
    private SyncLoop.Listener listener(Synchroniser sync, DaemonClock clock, OneShot once) {
        return new SyncLoop.Listener() {
            @Override
            public void published(SystemState s, long nowNs) {
                served.publish(s, nowNs);
                double correctionS = clock.softwareCorrectionS();
                once.published(sync, correctionS);
                if (timeFile != null && served.failing()) {
                    timeFile.unsynchronised(correctionS);
                } else if (timeFile != null) {
                    timeFile.publish(s, nowNs, sync.lastOffsetS(), sync.lastOffsetSigmaS(), correctionS);
                }
                clock.checkInterference(nowNs);
            }

            @Override
            public void sample(String source, long nowNs) {
                once.sampled();
            }

            @Override
            public void statusChanged(String message) {
                systemd.status(message);
            }

            @Override
            public void stopping() {
                clock.leaveTidy(sync.frequencyPpm());
            }

            @Override
            public void failing(long nowNs) {
                if (timeFile != null) { // first: whoever sees LI 3 served finds the file saying so too
                    timeFile.unsynchronised(clock.softwareCorrectionS());
                }
                served.failing(nowNs);
                systemd.status("unsynchronised: the synchronisation loop fails");
            }

            @Override
            public void recovered(long nowNs) {
                served.recovered(nowNs);
            }
        };
    }

    /** Another program changed the system clock: the sources' estimates no longer describe it. */
    private void resync() {
        SyncLoop l = loop;
        if (l != null) {
            l.requestResync();
        }
    }

    /** Another program changed the system clock: listed among the operator's warnings for a day. */
    private void clockWarning(String key, String text) {
        SyncLoop l = loop;
        if (l != null) {
            l.warnings().event(key, text, Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
        }
    }

    /** Another program stepped the system clock by {@code stepNs}: the RTC's samples move with it. */
    private void clockStepped(long stepNs) {
        RtcService r = rtc;
        if (r != null) {
            r.onClockStep(stepNs);
        }
    }

    /** The published state, for tests and the control interface. */
    public ServerStateHolder served() {
        ServedState s = served;
        return s == null ? null : s.holder();
    }

    private void shutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        Log.notice("shutting down");
        SystemdNotify.send("STOPPING=1");
        teardown.run();
        stopped.countDown();
    }
}
