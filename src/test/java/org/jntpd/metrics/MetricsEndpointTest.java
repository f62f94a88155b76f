package org.jntpd.metrics;

import static org.jntpd.metrics.PrometheusParser.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.UdpClient;
import org.junit.jupiter.api.Test;

/**
 * The real daemon (-x) with {@code metrics PORT}, two sources on loopback: A serves true time and is selected, B
 * (noselect) serves a virtual clock 50 ms ahead. Its {@code /metrics}, scraped with the JDK's HTTP client, must parse
 * line by line as Prometheus text and agree with what jntpc's control socket says at that moment and with the truth:
 * B's offset is +50 ms (source ahead: positive), the system is at stratum 3 on A, and the request counters move by
 * the requests sent. Only GET /metrics answers, and only on 127.0.0.1.
 */
class MetricsEndpointTest {
    private static final double B_AHEAD_S = 0.05;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> get(int port, String path, String method) throws Exception {
        return get(port, path, method, Duration.ofSeconds(10));
    }

    private static HttpResponse<String> get(int port, String path, String method, Duration timeout) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(timeout).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, PrometheusParser.Family> scrape(int port) throws Exception {
        HttpResponse<String> r = get(port, "/metrics", "GET");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        return PrometheusParser.parse(r.body());
    }

    /** One command to the control socket: what jntpc prints. */
    private static String control(Path socket, String command) throws IOException {
        return org.jntpd.cli.Jntpc.request(socket.toString(), command);
    }

    /** The offset jntpc's "sources" shows on the line of {@code name}. */
    private static double sourcesOffset(String sources, String name) {
        for (String line : sources.lines().toList()) {
            if (line.length() > 3 && line.substring(3).startsWith(name + " ")) {
                // "... OFFSET +/- SIGMA", and for an unusable source its reason after that
                List<String> w = List.of(line.trim().split("\\s+"));
                return Double.parseDouble(w.get(w.indexOf("+/-") - 1));
            }
        }
        throw new AssertionError("no line for " + name + " in\n" + sources);
    }

    private static double trackingValue(String tracking, String field) {
        for (String line : tracking.lines().toList()) {
            if (line.startsWith(field)) {
                return Double.parseDouble(line.substring(line.indexOf(':') + 1).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no " + field + " in\n" + tracking);
    }

    @Test
    void shouldServeMetricsThatParseAndAgreeWithTheDaemonsOwnStatus() throws Exception {
        NativeBuild.assumeGcc(); // B's clock is native/vclock's virtual one
        try (JntpdProcess a = JntpdProcess.builder().bindAddress("127.0.0.1").config("local stratum 2",
                "controlsocket none").start();
                JntpdProcess b = JntpdProcess.builder().bindAddress("127.0.0.2").virtualClock(B_AHEAD_S + ",0")
                        .args("-x").config("local stratum 2", "controlsocket none").start()) {
            Path dir = Files.createTempDirectory("jntpd-metrics");
            Path socket = dir.resolve("c.sock");
            int port = JntpdProcess.freeTcpPort();
            try (JntpdProcess client = JntpdProcess.builder().bindAddress("127.0.0.1").config(
                    "server 127.0.0.1 port " + a.port() + " iburst minpoll -2 maxpoll -2",
                    "server 127.0.0.2 port " + b.port() + " iburst minpoll -2 maxpoll -2 noselect",
                    "controlsocket " + socket, "metrics " + port).start()) {
                Supplier<String> log = () -> "\n--- jntpd\n" + client.log();
                assertTrue(client.log().contains("serving metrics on http://127.0.0.1:" + port + "/metrics"), log);

                String[] srcA = {"name", "127.0.0.1", "address", "127.0.0.1:" + a.port(), "kind", "server"};
                String[] srcB = {"name", "127.0.0.2", "address", "127.0.0.2:" + b.port(), "kind", "server"};
                Map<String, PrometheusParser.Family> m = scrape(port);
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() - deadline < 0 && !(PrometheusParser.value(m, "ntp_system_synchronised") == 1
                        && m.get("ntp_source_samples_total").samples().size() == 2
                        && PrometheusParser.value(m, "ntp_source_samples_total", srcB) >= 4)) {
                    Thread.sleep(250);
                    m = scrape(port);
                }
                // One moment for both views: the frequency moves ppm per update at minpoll -2 early on, so read
                // tracking, scrape, read tracking again, until nothing was published in between (bounded).
                String tracking = "";
                String sources = "";
                Map<String, PrometheusParser.Family> after = m;
                for (int attempt = 0; attempt < 20; attempt++) {
                    tracking = control(socket, "tracking");
                    sources = control(socket, "sources");
                    after = scrape(port);
                    if (tracking.equals(control(socket, "tracking"))) {
                        break;
                    }
                }

                // The system: synchronised to A at stratum 3, as jntpc says, with A at true time.
                assertEquals(1, PrometheusParser.value(m, "ntp_system_synchronised"), log);
                assertEquals(1, PrometheusParser.value(m, "ntp_system_status", "status", "synchronised"), log);
                assertTrue(tracking.contains("Stratum         : 3"), tracking);
                assertEquals(3, PrometheusParser.value(m, "ntp_system_stratum"));
                assertEquals(3, PrometheusParser.value(after, "ntp_system_stratum"));
                assertEquals(0, PrometheusParser.value(m, "ntp_system_leap_indicator"));
                assertTrue(tracking.contains("Leap status     : Normal"), tracking);
                assertTrue(Math.abs(PrometheusParser.value(m, "ntp_system_offset_seconds")) < 0.005, log);
                double rootDelayS = trackingValue(tracking, "Root delay");
                assertEquals(rootDelayS, PrometheusParser.value(after, "ntp_system_root_delay_seconds"), 0.002, tracking);
                double freqPpm = trackingValue(tracking, "Frequency") * (tracking.contains("ppm slow") ? -1 : 1);
                assertEquals(freqPpm, PrometheusParser.value(after, "ntp_system_frequency_ppm"), 5, tracking);

                // The sources: the same two as jntpc's, A the system peer, B 50 ms ahead (positive) and unselectable.
                assertEquals(2, sources.lines().filter(l -> l.startsWith("^")).count(), sources);
                assertEquals(2, after.get("ntp_source_offset_seconds").samples().size());
                assertEquals(1, PrometheusParser.value(after, "ntp_source_state", with(srcA, "state", "system_peer")));
                assertEquals(1, PrometheusParser.value(after, "ntp_source_state", with(srcB, "state", "unselectable")));
                assertTrue(sources.contains("^* 127.0.0.1 ") && sources.contains("^? 127.0.0.2 "), sources);
                double offsetB = PrometheusParser.value(after, "ntp_source_offset_seconds", srcB);
                assertEquals(B_AHEAD_S, offsetB, 0.005, "B is 50 ms ahead: a positive offset" + log.get());
                assertEquals(sourcesOffset(sources, "127.0.0.2"), offsetB, 0.002, sources);
                double offsetA = PrometheusParser.value(after, "ntp_source_offset_seconds", srcA);
                assertEquals(0, offsetA, 0.005);
                assertEquals(sourcesOffset(sources, "127.0.0.1"), offsetA, 0.002, sources);
                assertEquals(0.25, PrometheusParser.value(after, "ntp_source_poll_interval_seconds", srcB));
                assertEquals(2, PrometheusParser.value(after, "ntp_source_stratum", srcA));
                assertTrue(PrometheusParser.value(after, "ntp_source_reach", srcA) > 0);
                double delayA = PrometheusParser.value(after, "ntp_source_delay_seconds", srcA);
                assertTrue(delayA > 0 && delayA < 0.05, "loopback delay " + delayA);

                // The server's counters move by the requests this test sends (no one else asks this daemon).
                double received = PrometheusParser.sum(after, "ntp_server_received_packets_total");
                double replied = PrometheusParser.sum(after, "ntp_server_replied_packets_total");
                int answers = 0;
                try (UdpClient udp = new UdpClient("127.0.0.1")) {
                    for (int i = 0; i < 5; i++) {
                        answers += udp.query(client.address(), 4, 2_000) != null ? 1 : 0;
                    }
                }
                assertEquals(5, answers, log);
                Map<String, PrometheusParser.Family> later = scrape(port);
                assertEquals(received + 5, PrometheusParser.sum(later, "ntp_server_received_packets_total"));
                assertEquals(replied + 5, PrometheusParser.value(later, "ntp_server_replied_packets_total",
                        "transport", "udp", "worker", "0"));
                String latency = "ntp_server_response_latency_seconds";
                assertEquals(PrometheusParser.value(after, latency + "_count", "transport", "udp", "worker", "0") + 5,
                        PrometheusParser.value(later, latency + "_count", "transport", "udp", "worker", "0"));
                double meanS = PrometheusParser.value(later, latency + "_sum", "transport", "udp", "worker", "0")
                        / PrometheusParser.value(later, latency + "_count", "transport", "udp", "worker", "0");
                assertTrue(meanS > 0 && meanS < 1, "mean RX->TX latency " + meanS + " s");
                assertTrue(PrometheusParser.value(later, "jvm_allocated_bytes_total")
                        > PrometheusParser.value(m, "jvm_allocated_bytes_total"));

                // A client that sends half a request holds no scrape up, and is dropped after the JDK's maxReqTime.
                try (Socket stalled = new Socket()) {
                    stalled.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                    stalled.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                    stalled.getOutputStream().flush();
                    Thread.sleep(200); // the server has read the first lines and waits for the rest
                    // Answered before the stalled one is dropped (5 s): it did not wait for it.
                    PrometheusParser.parse(get(port, "/metrics", "GET", Duration.ofSeconds(4)).body());
                    stalled.setSoTimeout(30_000);
                    assertEquals(-1, stalled.getInputStream().read(), "closed without an answer");
                }

                // Only GET and HEAD of /metrics.
                assertEquals(404, get(port, "/", "GET").statusCode());
                assertEquals(404, get(port, "/metrics/x", "GET").statusCode());
                assertEquals(405, get(port, "/metrics", "POST").statusCode());
                assertEquals(200, get(port, "/metrics", "HEAD").statusCode());

                // 'metrics PORT' binds 127.0.0.1 alone: not the wildcard (127.0.0.2 is refused), one listener (the JDK's
                // sockets are IPv6 ones with the IPv4-mapped address unless java.net.preferIPv4Stack is set).
                assertThrows(ConnectException.class, () -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.2", port), 2_000);
                    }
                });
                List<String> bound = new java.util.ArrayList<>(listeners("/proc/net/tcp", port));
                bound.addAll(listeners("/proc/net/tcp6", port));
                assertEquals(1, bound.size(), bound.toString());
                assertTrue(List.of("0100007F", "0000000000000000FFFF00000100007F").contains(bound.getFirst()), bound.getFirst());
                assertEquals(0, client.terminate(10_000), log);
            } finally {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir);
            }
        }
    }

    @Test
    void shouldCheckTheDirectiveWithCheckConfig() throws Exception {
        ExternalProgram.Result ok = JntpdProcess.builder().config("metrics 9975").args("--check-config")
                .run(Duration.ofSeconds(60));
        assertEquals(0, ok.exitCode(), ok.toString());
        ExternalProgram.Result bad = JntpdProcess.builder().config("metrics localhost:9975").args("--check-config")
                .run(Duration.ofSeconds(60));
        assertNotEquals(0, bad.exitCode(), bad.toString());
        assertTrue(bad.output().contains(
                "jntpd.conf:3: metrics: expected an IPv4 or IPv6 address literal, got 'localhost'"), bad.output());
    }

    /** Local addresses (hex, as the kernel prints them) of TCP sockets listening on {@code port}. */
    private static List<String> listeners(String table, int port) throws IOException {
        String portHex = String.format(Locale.ROOT, ":%04X", port);
        return Files.readAllLines(Path.of(table)).stream().skip(1).map(l -> l.trim().split("\\s+"))
                .filter(w -> w[1].endsWith(portHex) && w[3].equals("0A")) // 0A: LISTEN
                .map(w -> w[1].substring(0, w[1].indexOf(':'))).toList();
    }
}
