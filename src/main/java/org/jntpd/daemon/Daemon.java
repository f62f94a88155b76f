package org.jntpd.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Log;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.ClockPrecision;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
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

/**
 * The running daemon: brings its modules up in dependency order (the clock, the synchroniser, the leap file, the RTC,
 * the server's sockets, the client's loop and reference clocks, the metrics port), drops privileges, then starts the
 * threads (the control socket, the metrics server, the pinned serving workers, the synchronisation loop); on
 * SIGTERM/SIGINT it takes them down in reverse ({@link Teardown}): the loop saves the drift and leaves the kernel
 * clock at its base frequency, unsynchronised, with no leap second armed.
 */
public final class Daemon {
    private final Config config;
    private final Options options;
    private final Teardown teardown = new Teardown();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean shuttingDown;
    private volatile SyncLoop loop;
    private SymmetricKeys keys = SymmetricKeys.NONE;
    private volatile NtsServerService ntsServer;
    private TimeFilePublisher timeFile;
    private volatile RtcService rtc;
    private volatile ServedState served;
    private NtpServing serving;

    public Daemon(Config config, Options options) {
        this.config = config;
        this.options = options;
    }

    /** Runs until a signal asks to stop (or, with -q/-Q, until measured); returns the process exit code. */
    public int run() {
        int precisionLog2 = ClockPrecision.measureLog2(() -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), 50_000);
        boolean oneShot = options.printOffsetAndExit() || options.setOnceAndExit();
        boolean control = !options.noClockControl() && !options.printOffsetAndExit() && config.clockControl()
                && !Boolean.FALSE.equals(config.systemFlags().get("ntp"));
        DaemonClock clock = control
                ? DaemonClock.system(DaemonClock.interferenceListener(this::resync, this::clockStepped))
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
        });
        if (!oneShot) {
            Signals.exitOnTerminate(0); // a requested stop is a success (-q/-Q keep 143: they were interrupted)
        }
        LeapFileLoader.load(config.files().leapFile(), sync.leapSeconds(), Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
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
        if (config.files().timeFile() != null && !oneShot) {
            timeFile = TimeFilePublisher.open(config.files().timeFile());
            if (timeFile == null) {
                return 1;
            }
            teardown.add(timeFile::close);
        }
        if (config.serving().port() != 0 && !oneShot) {
            ServerAuth auth;
            try {
                auth = serverAuth(kernelToClock);
            } catch (IOException e) {
                Log.error("cannot serve NTS: " + e.getMessage());
                return 1;
            }
            try {
                serving = NtpServing.open(config, served.holder(), kernelToClock, auth);
            } catch (NativeException e) {
                Log.error("cannot serve NTP: " + e.getMessage());
                return 1;
            }
            teardown.add(serving::close);
        }
        OneShot once = new OneShot(options.printOffsetAndExit(), options.setOnceAndExit());
        SyncLoop l = new SyncLoop(config, clock.clock(), kernelToClock, sync, listener(sync, clock, once), driftFile);
        loop = l;
        if (!config.refclocks().isEmpty() && !startRefclocks(l, precisionLog2)) {
            return 1;
        }
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
        if (config.files().controlSocket() != null && !oneShot) {
            ControlServer controlServer = ControlServer.open(config.files().controlSocket(), l::status,
                    () -> NtpServing.stats(serving), this::authData);
            if (controlServer != null) {
                teardown.add(controlServer::close);
            }
        }
        if (metrics != null) {
            metrics.start();
        }
        if (ntsServer != null) {
            ntsServer.start();
        }
        if (serving != null) {
            serving.start(precisionLog2);
        }
        // Before the loop starts: its first STATUS= must not be overwritten by this one.
        SystemdNotify.send("READY=1\nSTATUS=started, unsynchronised");
        Thread.ofPlatform().name("jntpd-sync").start(this::runLoop);
        teardown.add(this::stopLoop);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jntpd-shutdown").unstarted(this::shutdown));
        if (oneShot) {
            return once.await(teardown::run);
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
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
            l.enableMetrics();
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

    /** jntpc authdata: the NTS-KE server (certificate, expiry, counters) and the NTP server's authentication counters. */
    private String authData() {
        StringBuilder b = new StringBuilder();
        NtsServerService nts = ntsServer;
        if (nts != null) {
            b.append(nts.status());
        }
        if (serving != null) {
            b.append(serving.authStats());
        }
        if (b.isEmpty()) {
            b.append("no authentication configured (keys, keyfile, nts)\n");
        }
        return b.toString();
    }

    /** The RTC service (rtcfile, -s): started, and -s done, before any source runs and before the privilege drop. */
    private boolean startRtc(Synchroniser sync, ClockControl controlled, LongUnaryOperator kernelToClock) {
        try {
            rtc = RtcService.start(config, options.setFromRtc(), controlled, kernelToClock, () -> served != null && served.synced());
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
                    () -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), served.systemReference(), l::offerRefclockSample);
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

    private void runLoop() {
        try {
            loop.run();
        } catch (RuntimeException e) {
            Log.error("the synchronisation loop failed: " + e);
        } finally {
            done.countDown();
        }
    }

    private void stopLoop() {
        loop.stop();
        try {
            done.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the loop reports, passed on: the state to serve, the -Q/-q measurement, systemd's status, the clock. */
    private SyncLoop.Listener listener(Synchroniser sync, DaemonClock clock, OneShot once) {
        return new SyncLoop.Listener() {
            @Override
            public void published(SystemState s, long nowNs) {
                served.publish(s, nowNs);
                double correctionS = clock.softwareCorrectionS();
                once.published(sync, correctionS);
                if (timeFile != null) {
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
                SystemdNotify.send("STATUS=" + message);
            }

            @Override
            public void stopping() {
                clock.leaveTidy(sync.frequencyPpm());
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
