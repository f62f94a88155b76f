package org.jntpd.metrics;

import static org.jntpd.metrics.PrometheusParser.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jntpd.server.AuthFailure;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.sync.SourceState;
import org.jntpd.sync.SyncStatus;
import org.jntpd.wire.Malformation;
import org.junit.jupiter.api.Test;

/** The exposition as Prometheus reads it: every line parsed strictly, every value where it belongs. */
class ExpositionTest {
    private static final String ODD_NAME = "a \"quoted\" back\\slash\nnew line";

    private static SyncMetrics snapshot() {
        SyncMetrics.Tracking t = new SyncMetrics.Tracking(true, SyncStatus.SYNCHRONISED, 3, 1, -0.000123, 1e-6, 12.5,
                0.25, 0.004, 0.0015, 1.8e9);
        return new SyncMetrics(t, List.of(
                new SyncMetrics.Source("ntp.example", "192.0.2.1:123", "server", SourceState.SYSTEM_PEER, 2, 6, 0377,
                        0.0005, 2e-6, 0.012, 3e-5, 0.001, 0.002, 42, 1.8e9 + 3),
                new SyncMetrics.Source(ODD_NAME, "[2001:db8::1]:123", "pool", SourceState.UNSELECTABLE, 16, 10, 0,
                        Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, 0)));
    }

    @Test
    void shouldWriteEveryFamilyAsValidTextWithTheSnapshotsValues() {
        ServerCounters w0 = new ServerCounters();
        ServerCounters w1 = new ServerCounters();
        for (Counter c : Counter.values()) {
            w0.add(c, 1000 + c.ordinal());
            w1.add(c, 2000 + c.ordinal());
        }
        w1.malformed(Malformation.BAD_VERSION);
        w1.authFailure(AuthFailure.NTS_COOKIE_UNKNOWN_KEY, true);
        for (long ns : new long[] {-5, 500, 1024, 1025, 5_000_000, 2_000_000_000}) {
            w0.latency(ns);
        }
        String text = Exposition.write(snapshot(), List.of(new WorkerCounters("udp", 0, w0),
                new WorkerCounters("udp", 1, w1), new WorkerCounters("xdp", 0, new ServerCounters())),
                new JvmMetrics());
        Map<String, PrometheusParser.Family> f = PrometheusParser.parse(text);

        assertEquals(-0.000123, PrometheusParser.value(f, "ntp_system_offset_seconds"));
        assertEquals(12.5, PrometheusParser.value(f, "ntp_system_frequency_ppm"));
        assertEquals(0.25, PrometheusParser.value(f, "ntp_system_skew_ppm"));
        assertEquals(3, PrometheusParser.value(f, "ntp_system_stratum"));
        assertEquals(1, PrometheusParser.value(f, "ntp_system_leap_indicator"));
        assertEquals(0.004, PrometheusParser.value(f, "ntp_system_root_delay_seconds"));
        assertEquals(1, PrometheusParser.value(f, "ntp_system_status", "status", "synchronised"));
        assertEquals(1, PrometheusParser.sum(f, "ntp_system_status"));
        assertEquals("gauge", f.get("ntp_system_offset_seconds").type());

        String[] peer = {"name", "ntp.example", "address", "192.0.2.1:123", "kind", "server"};
        String[] odd = {"name", ODD_NAME, "address", "[2001:db8::1]:123", "kind", "pool"};
        assertEquals(0.0005, PrometheusParser.value(f, "ntp_source_offset_seconds", peer));
        assertEquals(0.012, PrometheusParser.value(f, "ntp_source_delay_seconds", peer));
        assertEquals(64, PrometheusParser.value(f, "ntp_source_poll_interval_seconds", peer));
        assertEquals(255, PrometheusParser.value(f, "ntp_source_reach", peer));
        assertEquals(0, PrometheusParser.value(f, "ntp_source_unanswered_polls", peer));
        assertEquals(8, PrometheusParser.value(f, "ntp_source_unanswered_polls", odd));
        assertTrue(Double.isNaN(PrometheusParser.value(f, "ntp_source_offset_seconds", odd)), "the escaped name reads back");
        assertEquals(42, PrometheusParser.value(f, "ntp_source_samples_total", peer));
        assertEquals(1, PrometheusParser.sum(f, "ntp_source_state", "address", "192.0.2.1:123", "state", "system_peer"));
        assertEquals(1, PrometheusParser.sum(f, "ntp_source_state", "address", "192.0.2.1:123"));
        assertEquals(SourceState.values().length, f.get("ntp_source_state").samples().size() / 2);

        // Every counter of every worker lands in exactly one series: the sums over all server families say so.
        double all = 0;
        for (PrometheusParser.Family fam : f.values()) {
            if (fam.name().startsWith("ntp_server_") && !fam.name().equals("ntp_server_malformed_packets_total")
                    && !fam.name().equals("ntp_server_auth_failures_total")
                    && !fam.name().equals("ntp_server_response_latency_seconds")) {
                assertEquals("counter", fam.type(), fam.name());
                all += PrometheusParser.sum(f, fam.name());
            }
        }
        double expected = 0;
        for (Counter c : Counter.values()) {
            expected += w0.get(c) + w1.get(c);
        }
        assertEquals(expected, all);
        assertEquals(2001, PrometheusParser.value(f, "ntp_server_replied_packets_total", "transport", "udp", "worker", "1"));
        assertEquals(w1.get(Counter.DROPPED_VERSION), PrometheusParser.value(f, "ntp_server_dropped_packets_total",
                "transport", "udp", "worker", "1", "reason", "version"));
        assertEquals(1, PrometheusParser.value(f, "ntp_server_auth_failures_total", "transport", "udp", "worker", "1",
                "reason", "nts_cookie_unknown_key"));
        assertEquals(1, PrometheusParser.value(f, "ntp_server_malformed_packets_total", "transport", "udp", "worker", "1",
                "reason", "bad_version"));
        // The latency histogram: log2 buckets from 1.024 us, cumulative, the 2 s reply only in +Inf.
        String[] udp0 = {"transport", "udp", "worker", "0"};
        String h = "ntp_server_response_latency_seconds";
        assertEquals("histogram", f.get(h).type());
        assertEquals(3, PrometheusParser.value(f, h + "_bucket", with(udp0, "le", "1.024E-6")), "-5, 500 and 1024 ns");
        assertEquals(4, PrometheusParser.value(f, h + "_bucket", with(udp0, "le", "2.048E-6")));
        assertEquals(4, PrometheusParser.value(f, h + "_bucket", with(udp0, "le", "0.004194304")));
        assertEquals(5, PrometheusParser.value(f, h + "_bucket", with(udp0, "le", "0.008388608")));
        assertEquals(5, PrometheusParser.value(f, h + "_bucket", with(udp0, "le", "1.073741824")));
        assertEquals(6, PrometheusParser.value(f, h + "_bucket", with(udp0, "le", "+Inf")));
        assertEquals(6, PrometheusParser.value(f, h + "_count", udp0));
        assertEquals(2.005002549, PrometheusParser.value(f, h + "_sum", udp0), 1e-12);
        assertEquals(0, PrometheusParser.value(f, h + "_count", "transport", "udp", "worker", "1"));
        assertEquals(0, PrometheusParser.value(f, h + "_count", "transport", "xdp", "worker", "0"));
        assertEquals(3 * (ServerCounters.LATENCY_BUCKETS + 2), f.get(h).samples().size());
        assertTrue(PrometheusParser.sum(f, "jvm_gc_collection_seconds") >= 0);
        assertTrue(PrometheusParser.value(f, "jvm_allocated_bytes_total") > 0);
        assertTrue(text.contains("{name=\"a \\\"quoted\\\" back\\\\slash\\nnew line\","), text);
    }

    /** docs/grafana/jntpd.json only queries series /metrics has (a renamed metric breaks the example dashboard). */
    @Test
    void shouldHaveEveryMetricTheExampleDashboardQueries() throws java.io.IOException {
        String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("jntpd.projectDir", "."))
                .resolve("docs/grafana/jntpd.json"));
        String text = Exposition.write(snapshot(), List.of(new WorkerCounters("udp", 0, new ServerCounters())),
                new JvmMetrics());
        java.util.Set<String> names = new java.util.HashSet<>();
        for (PrometheusParser.Family fam : PrometheusParser.parse(text).values()) {
            fam.samples().forEach(x -> names.add(x.name()));
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(?:ntp|jvm)_[a-z0-9_]+").matcher(dashboard);
        int queried = 0;
        while (m.find()) {
            queried++;
            assertTrue(names.contains(m.group()), m.group() + " is not in /metrics");
        }
        assertTrue(queried >= 25, "the dashboard queries " + queried + " series");
    }

    @Test
    void shouldRefuseARepeatedFamilyAndACounterWithoutTotal() {
        PrometheusText t = new PrometheusText().family("x_total", PrometheusText.Type.COUNTER, "x");
        assertThrows(IllegalArgumentException.class, () -> t.family("x_total", PrometheusText.Type.COUNTER, "again"));
        assertThrows(IllegalArgumentException.class, () -> t.family("y", PrometheusText.Type.COUNTER, "y"));
        assertThrows(IllegalArgumentException.class, () -> t.family("1y", PrometheusText.Type.GAUGE, "y"));
        assertThrows(IllegalArgumentException.class, () -> t.sample(1.0, "__reserved", "v"));
    }

    @Test
    void shouldFormatValuesAsGoFloats() {
        assertEquals("NaN", PrometheusText.format(Double.NaN));
        assertEquals("+Inf", PrometheusText.format(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", PrometheusText.format(Double.NEGATIVE_INFINITY));
        assertEquals("3", PrometheusText.format(3.0));
        assertEquals("-1.5E-7", PrometheusText.format(-1.5e-7));
        assertEquals("0.25", PrometheusText.format(0.25));
    }

    /** The parser is strict: each of these breaks one rule of the format and must be refused. */
    @Test
    void shouldHaveAParserThatRefusesWhatPrometheusRefuses() {
        String ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n";
        PrometheusParser.parse(ok);
        for (String bad : List.of(
                "# HELP a A.\n# TYPE a gauge\na 1", // no final line feed
                "a 1\n", // a sample before its TYPE
                "# HELP a A.\n# TYPE a gauge\na 1\na 2\n", // a repeated series
                "# HELP a A.\n# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n", // a label twice
                "# HELP a A.\n# TYPE a gauge\na{1x=\"1\"} 1\n", // a bad label name
                "# HELP a A.\n# TYPE a gauge\na{x=\"\\t\"} 1\n", // an unknown escape
                "# HELP a A.\n# TYPE a gauge\na{x=1} 1\n", // an unquoted value
                "# HELP a A.\n# TYPE a gauge\na 1,5\n", // not a float
                "# HELP a A.\n# TYPE a gauge\na  1\n", // two spaces
                "# HELP a A.\n# TYPE a gauge\nb 1\n", // a sample of another family
                "# HELP a A.\n# TYPE a gauge\na 1\n# HELP b B.\n# TYPE b gauge\nb 1\n# HELP a A.\n", // a family again
                "# HELP a A.\n# TYPE a gauge\n# TYPE a gauge\n", // a second TYPE
                "# TYPE a gauge\na 1\n", // no HELP
                "# HELP a_total A.\n# TYPE a_total counter\na_total -1\n", // a negative counter
                "# HELP a A.\n# TYPE a wrong\n", // an unknown type
                "# a comment\n", // not HELP or TYPE
                "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n",
                "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 1\n", // no +Inf bucket
                "# HELP a A.\n# TYPE a gauge\n\na 1\n")) { // an empty line
            assertThrows(IllegalArgumentException.class, () -> PrometheusParser.parse(bad), bad);
        }
    }
}
