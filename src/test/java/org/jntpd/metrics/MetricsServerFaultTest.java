package org.jntpd.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The metrics endpoint's error policy (see {@link MetricsServer}): the JDK owns its threads, so the handler contains a
 * failing scrape itself. A scrape whose source throws once is answered 500 (not a reset connection), counted, and
 * the scrapes after it are served and show the count.
 */
class MetricsServerFaultTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void shouldAnswerAFailedScrapeWith500CountItAndServeTheNext() throws Exception {
        AtomicInteger scrapes = new AtomicInteger();
        try (MetricsServer server = MetricsServer.open("127.0.0.1", 0, () -> {
            if (scrapes.incrementAndGet() == 1) {
                throw new IllegalStateException("injected: the first snapshot is broken");
            }
            return SyncMetrics.EMPTY;
        }, List::of)) {
            server.start();
            HttpResponse<String> first = get(server.address().getPort());
            assertEquals(500, first.statusCode(), first.body());
            assertEquals(1, server.scrapeErrors());
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> next = get(server.address().getPort());
                assertEquals(200, next.statusCode(), next.body());
                var families = PrometheusParser.parse(next.body());
                assertEquals(1.0, PrometheusParser.value(families, "jntpd_metrics_scrape_errors_total"), next.body());
            }
            assertTrue(scrapes.get() >= 3);
            assertEquals(1, server.scrapeErrors());
        }
    }

    private static HttpResponse<String> get(int port) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + MetricsServer.PATH))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
