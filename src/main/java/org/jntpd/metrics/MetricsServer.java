package org.jntpd.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jntpd.base.Log;
import org.jntpd.base.RateLimitedLog;

/**
 * {@code /metrics} for Prometheus over HTTP, from the JDK's built-in server: bound by {@link #open} (before the
 * privilege drop, so any port can be used), answering from {@link #start}: the JDK's dispatcher thread accepts, and
 * each exchange runs on a virtual thread of its own ({@code jntpd-metrics}), because the JDK reads a request's headers
 * on the exchange's thread: on one shared thread, a client that sent half a request would stall every scrape (tried:
 * indefinitely). Such a client is dropped after {@value #MAX_EXCHANGE_S} s (the JDK's maxReqTime/maxRspTime, unless
 * set). Each scrape reads the latest {@link SyncMetrics} snapshot and the workers' counters; nothing here waits for,
 * locks against or runs on the serving and synchronisation threads. GET and HEAD of {@code /metrics} only: any other
 * path is 404, any other method 405.
 *
 * <p>Error policy: these threads belong to the JDK's server (its dispatcher and the executor's virtual threads), so
 * they cannot run under {@link org.jntpd.base.LoopRunner}; what runs of ours on them is the handler, and it follows
 * the runner's policy for one pass: a scrape that throws is counted ({@link #scrapeErrors()}, exported as
 * {@code jntpd_metrics_scrape_errors_total}), logged rate-limited, answered 500 when the headers are not yet sent,
 * and the next scrape is served as usual. An {@link Error} is left to the JDK (it ends that exchange's thread only).
 */
public final class MetricsServer implements AutoCloseable {
    public static final String PATH = "/metrics";
    private static final int BACKLOG = 16;
    private static final int MAX_EXCHANGE_S = 5;

    private final HttpServer http;
    private final ExecutorService executor;
    private final Supplier<SyncMetrics> sync;
    private final Supplier<List<WorkerCounters>> workers;
    private final JvmMetrics jvm = new JvmMetrics();
    private final AtomicLong scrapeErrors = new AtomicLong();
    private final RateLimitedLog log = new RateLimitedLog("metrics: "); // used under its own lock: many exchange threads

    private MetricsServer(HttpServer http, Supplier<SyncMetrics> sync, Supplier<List<WorkerCounters>> workers) {
        this.http = http;
        this.sync = sync;
        this.workers = workers;
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("jntpd-metrics").factory());
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /**
     * Binds {@code address:port} (an address literal). Throws IOException when it cannot (the port taken, the address
     * not local): the operator asked for metrics, and a daemon that silently has none would hide it.
     */
    public static MetricsServer open(String address, int port, Supplier<SyncMetrics> sync,
            Supplier<List<WorkerCounters>> workers) throws IOException {
        // Read once, when the JDK's server classes initialise: before the first server of this JVM.
        for (String p : List.of("sun.net.httpserver.maxReqTime", "sun.net.httpserver.maxRspTime")) {
            if (System.getProperty(p) == null) {
                System.setProperty(p, Integer.toString(MAX_EXCHANGE_S));
            }
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.ofLiteral(address), port), BACKLOG);
        return new MetricsServer(http, sync, workers);
    }

    /** Starts answering (after the privilege drop: the threads inherit exactly the capabilities kept). */
    public void start() {
        http.start();
        Log.notice("serving metrics on http://" + format(http.getAddress()) + PATH);
    }

    /** The address and port bound. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** The exposition now (for tests too). */
    public String scrape() {
        return Exposition.write(sync.get(), workers.get(), jvm, scrapeErrors.get());
    }

    /** Scrapes (or other exchanges) whose handling threw: counted, logged rate-limited, answered 500. */
    public long scrapeErrors() {
        return scrapeErrors.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                answer(ex);
            } catch (RuntimeException e) {
                scrapeErrors.incrementAndGet();
                StackTraceElement[] trace = e.getStackTrace();
                synchronized (log) {
                    log.warn("a scrape failed: " + e + (trace.length > 0 ? " (at " + trace[0] + ")" : ""));
                }
                if (ex.getResponseCode() == -1) { // nothing sent yet: say so instead of a reset connection
                    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                    reply(ex, 500, "scrape failed; see the daemon's log\n", !ex.getRequestMethod().equals("HEAD"));
                }
            }
        }
    }

    private void answer(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (!ex.getRequestURI().getPath().equals(PATH)) {
            reply(ex, 404, "not found: metrics are at " + PATH + "\n", !method.equals("HEAD"));
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            reply(ex, 405, "method not allowed\n", true);
        } else {
            String body = scrape(); // before the headers: a failed scrape can still be answered 500
            ex.getResponseHeaders().set("Content-Type", PrometheusText.CONTENT_TYPE);
            reply(ex, 200, body, !method.equals("HEAD"));
        }
    }

    private static void reply(HttpExchange ex, int status, String body, boolean withBody) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (!ex.getResponseHeaders().containsKey("Content-Type")) {
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        }
        ex.sendResponseHeaders(status, withBody ? bytes.length : -1);
        if (withBody) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
