package org.jntpd.daemon;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jntpd.cli.Options;
import org.jntpd.clock.ClockPrecision;
import org.jntpd.config.Config;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.server.Server;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.time.NtpTimestamp;

/**
 * The running daemon: brings the modules up in dependency order (clock precision, served state, server) and down in
 * reverse on SIGTERM/SIGINT.
 */
public final class Daemon {
    private static final long LOCAL_REFRESH_S = 16;

    private final Config config;
    private final Options options;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("jntpd-housekeeping").daemon(true).unstarted(r));
    private Server server;
    private ServerStateHolder served;

    public Daemon(Config config, Options options) {
        this.config = config;
        this.options = options;
    }

    /** Runs until a signal asks to stop; returns the process exit code. */
    public int run() {
        int precisionLog2 = ClockPrecision.measureLog2(() -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), 50_000);
        Config.Serving serving = config.serving();
        served = new ServerStateHolder(initialState(serving, precisionLog2));
        if (serving.localStratum() > 0) {
            housekeeping.scheduleAtFixedRate(() -> served.publish(localState(serving, precisionLog2)),
                    LOCAL_REFRESH_S, LOCAL_REFRESH_S, TimeUnit.SECONDS);
        }
        if (serving.port() != 0) {
            try {
                server = Server.start(serving, config.restrictions(), served);
            } catch (NativeException e) {
                Log.error("cannot serve NTP: " + e.getMessage());
                return 1;
            }
            Log.notice("serving NTP on " + server.boundAddresses() + " with " + server.workers().size() + " worker(s), "
                    + (serving.localStratum() > 0 ? "local clock at stratum " + serving.localStratum()
                    : "unsynchronised until a source is selected") + "; precision 2^" + precisionLog2 + " s");
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jntpd-shutdown").unstarted(this::shutdown));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static ServerState initialState(Config.Serving serving, int precisionLog2) {
        return serving.localStratum() > 0 ? localState(serving, precisionLog2) : ServerState.unsynchronised(precisionLog2);
    }

    private static ServerState localState(Config.Serving serving, int precisionLog2) {
        long nowNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        return ServerState.local(serving.localStratum(), precisionLog2, nowNs, NtpTimestamp.fromUnixNs(nowNs));
    }

    /** The published state, for tests and the control interface. */
    public ServerStateHolder served() {
        return served;
    }

    private void shutdown() {
        Log.notice("shutting down");
        housekeeping.shutdownNow();
        if (server != null) {
            server.close();
        }
        stopped.countDown();
    }
}
