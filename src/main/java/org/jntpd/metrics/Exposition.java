package org.jntpd.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jntpd.metrics.PrometheusText.Type;
import org.jntpd.server.AuthFailure;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.sync.SourceState;
import org.jntpd.sync.SyncStatus;
import org.jntpd.wire.Malformation;

/**
 * The families {@code /metrics} shows, written from one snapshot of the synchronisation and one reading of the
 * counters. Names follow ntpd-rs's where it has the quantity ({@code ntp_system_stratum},
 * {@code ntp_system_root_delay_seconds}, {@code ntp_source_offset_seconds}, {@code ntp_server_received_packets_total}
 * ...), Prometheus's conventions otherwise: base units ({@code _seconds}; frequencies stay in ppm, as every NTP tool
 * shows them), {@code _total} on counters, states as 0/1 series with a {@code state} label.
 */
final class Exposition {
    private Exposition() {}

    /** One family of the server's counters: which {@link Counter}s it sums and the label that tells them apart. */
    private record CounterFamily(String name, String help, String label, Map<String, Counter> byLabelValue) {}

    private static final List<CounterFamily> SERVER_FAMILIES = serverFamilies();

    /** Every {@link Counter} in exactly one family (a new counter fails to compile here until it is given one). */
    private static List<CounterFamily> serverFamilies() {
        Map<String, CounterFamily> families = new LinkedHashMap<>();
        for (Counter c : Counter.values()) {
            String[] f = switch (c) {
                case RECEIVED -> new String[] {"ntp_server_received_packets_total", "Packets received", null, null};
                case REPLIED -> new String[] {"ntp_server_replied_packets_total", "Replies sent (KoD included)", null, null};
                case INTERLEAVED -> new String[] {"ntp_server_interleaved_packets_total",
                        "Replies in interleaved mode (carrying the previous reply's transmit timestamp)", null, null};
                case KOD_SENT -> new String[] {"ntp_server_kod_packets_total", "Kiss-o'-death replies sent", null, null};
                case RATE_LIMITED -> new String[] {"ntp_server_rate_limited_packets_total",
                        "Requests over the rate limit (dropped, or answered with RATE KoD)", null, null};
                case DENIED -> new String[] {"ntp_server_denied_packets_total", "Requests refused by the access rules",
                        null, null};
                case DROPPED_MALFORMED -> drop("malformed");
                case DROPPED_MODE -> drop("mode");
                case DROPPED_VERSION -> drop("version");
                case DROPPED_AUTH -> drop("auth");
                case DROPPED_TRUNCATED -> drop("truncated");
                case DROPPED_PORT_ZERO -> drop("port_zero");
                case MODE7_DROPPED -> drop("mode7");
                case MODE6_RECEIVED -> new String[] {"ntp_server_control_packets_total",
                        "Mode 6 (ntpq) requests received", null, null};
                case MODE6_DENIED -> new String[] {"ntp_server_control_denied_packets_total",
                        "Mode 6 (ntpq) requests refused", null, null};
                case SEND_ERRORS -> new String[] {"ntp_server_response_send_errors_total",
                        "Replies the kernel refused to send", null, null};
                case RECEIVE_ERRORS -> new String[] {"ntp_server_receive_errors_total", "Failed receive calls", null,
                        null};
                case TX_TIMESTAMPS -> new String[] {"ntp_server_tx_timestamps_total",
                        "Kernel transmit timestamps collected (for interleaved mode)", null, null};
                case BATCHES -> new String[] {"ntp_server_batches_total", "Receive batches handled", null, null};
                case NTS_REPLIED -> new String[] {"ntp_server_nts_replied_packets_total",
                        "Replies authenticated with NTS", null, null};
                case NTS_NAK -> new String[] {"ntp_server_nts_nak_packets_total",
                        "NTS NAKs sent (kiss-o'-death NTSN: the cookie or authenticator failed)", null, null};
                case MAC_REPLIED -> new String[] {"ntp_server_mac_replied_packets_total",
                        "Replies signed with the request's symmetric key", null, null};
            };
            CounterFamily fam = families.computeIfAbsent(f[0], n -> new CounterFamily(n, f[1], f[2],
                    new LinkedHashMap<>()));
            fam.byLabelValue().put(f[3], c);
        }
        return List.copyOf(families.values());
    }

    private static String[] drop(String reason) {
        return new String[] {"ntp_server_dropped_packets_total", "Requests dropped unanswered, by reason", "reason",
                reason};
    }

    /** The whole exposition. */
    static String write(SyncMetrics sync, List<WorkerCounters> workers, JvmMetrics jvm) {
        return write(sync, workers, jvm, 0);
    }

    /** The whole exposition, with the endpoint's own count of scrapes that failed before this one. */
    static String write(SyncMetrics sync, List<WorkerCounters> workers, JvmMetrics jvm, long scrapeErrors) {
        PrometheusText t = new PrometheusText();
        system(t, sync.tracking());
        sources(t, sync.sources());
        server(t, workers);
        jvm.write(t);
        t.family("jntpd_metrics_scrape_errors_total", Type.COUNTER,
                "Scrapes of this endpoint that failed (answered 500 and logged) since the start").sample(scrapeErrors);
        return t.toString();
    }

    private static void system(PrometheusText t, SyncMetrics.Tracking s) {
        t.family("ntp_system_offset_seconds", Type.GAUGE,
                "Combined offset of the sources at the last update, source minus local clock (positive: the clock is behind)")
                .sample(s.offsetS());
        t.family("ntp_system_offset_uncertainty_seconds", Type.GAUGE, "Standard deviation of the combined offset")
                .sample(s.offsetSigmaS());
        t.family("ntp_system_frequency_ppm", Type.GAUGE,
                "Frequency correction of the clock in ppm (positive: the clock is made faster)").sample(s.frequencyPpm());
        t.family("ntp_system_skew_ppm", Type.GAUGE, "Standard deviation of the system peer's frequency estimate in ppm")
                .sample(s.skewPpm());
        t.family("ntp_system_root_delay_seconds", Type.GAUGE, "Round-trip delay to the primary reference")
                .sample(s.rootDelayS());
        t.family("ntp_system_root_dispersion_seconds", Type.GAUGE, "Dispersion to the primary reference")
                .sample(s.rootDispersionS());
        t.family("ntp_system_stratum", Type.GAUGE, "Stratum of this host (16: unsynchronised)").sample(s.stratum());
        t.family("ntp_system_leap_indicator", Type.GAUGE,
                "Leap indicator: 0 none, 1 insert a second, 2 delete a second, 3 unsynchronised").sample(s.leap());
        t.family("ntp_system_synchronised", Type.GAUGE, "1 when the last update synchronised the clock")
                .sample(s.synced() ? 1 : 0);
        t.family("ntp_system_status", Type.GAUGE, "Why the last update did or did not synchronise (1 for the current)");
        for (SyncStatus st : SyncStatus.values()) {
            t.sample(st == s.status() ? 1 : 0, "status", lower(st.name()));
        }
        t.family("ntp_system_reference_timestamp_seconds", Type.GAUGE, "Unix time of the last clock update (0: none)")
                .sample(s.referenceTimeS());
    }

    private static void sources(PrometheusText t, List<SyncMetrics.Source> sources) {
        source(t, sources, "ntp_source_offset_seconds", Type.GAUGE,
                "Estimated offset, source minus local clock", SyncMetrics.Source::offsetS);
        source(t, sources, "ntp_source_uncertainty_seconds", Type.GAUGE,
                "Standard deviation of the offset estimate", SyncMetrics.Source::uncertaintyS);
        source(t, sources, "ntp_source_delay_seconds", Type.GAUGE,
                "Smallest round-trip delay of the recent samples", SyncMetrics.Source::delayS);
        source(t, sources, "ntp_source_jitter_seconds", Type.GAUGE, "RMS of the recent prediction errors",
                SyncMetrics.Source::jitterS);
        source(t, sources, "ntp_source_root_delay_seconds", Type.GAUGE, "Root delay the source reports",
                SyncMetrics.Source::rootDelayS);
        source(t, sources, "ntp_source_root_dispersion_seconds", Type.GAUGE, "Root dispersion the source reports",
                SyncMetrics.Source::rootDispersionS);
        source(t, sources, "ntp_source_stratum", Type.GAUGE, "Stratum the source reports", SyncMetrics.Source::stratum);
        source(t, sources, "ntp_source_poll_interval_seconds", Type.GAUGE, "Time between polls of the source",
                s -> Math.scalb(1.0, s.pollLog2()));
        source(t, sources, "ntp_source_reach", Type.GAUGE,
                "Reachability register: one bit per poll, the newest in bit 0 (255: the last 8 answered)",
                SyncMetrics.Source::reach);
        source(t, sources, "ntp_source_unanswered_polls", Type.GAUGE,
                "Polls since the last answered one, at most 8", s -> Math.min(8, Integer.numberOfTrailingZeros(s.reach())));
        source(t, sources, "ntp_source_last_sample_timestamp_seconds", Type.GAUGE,
                "Unix time of the last sample (0: none yet); time() minus it is its age", SyncMetrics.Source::lastSampleS);
        t.family("ntp_source_samples_total", Type.COUNTER, "Samples taken from the source");
        for (SyncMetrics.Source s : sources) {
            t.sample(s.samples(), labels(s));
        }
        t.family("ntp_source_state", Type.GAUGE,
                "Where the source stands after the last selection (1 for its state): system_peer *, combined +, "
                        + "not_combined and candidate -, outlier ~, falseticker x, unselectable ?");
        for (SyncMetrics.Source s : sources) {
            for (SourceState st : SourceState.values()) {
                String[] l = labels(s);
                String[] withState = java.util.Arrays.copyOf(l, l.length + 2);
                withState[l.length] = "state";
                withState[l.length + 1] = lower(st.name());
                t.sample(st == s.state() ? 1 : 0, withState);
            }
        }
    }

    private static void source(PrometheusText t, List<SyncMetrics.Source> sources, String name, Type type, String help,
            java.util.function.ToDoubleFunction<SyncMetrics.Source> value) {
        t.family(name, type, help);
        for (SyncMetrics.Source s : sources) {
            t.sample(value.applyAsDouble(s), labels(s));
        }
    }

    private static String[] labels(SyncMetrics.Source s) {
        return new String[] {"name", s.name(), "address", s.address(), "kind", s.kind()};
    }

    private static void server(PrometheusText t, List<WorkerCounters> workers) {
        for (CounterFamily f : SERVER_FAMILIES) {
            t.family(f.name(), Type.COUNTER, f.help());
            for (Map.Entry<String, Counter> e : f.byLabelValue().entrySet()) {
                for (WorkerCounters w : workers) {
                    long v = w.counters().get(e.getValue());
                    if (f.label() == null) {
                        t.sample(v, "transport", w.transport(), "worker", Integer.toString(w.worker()));
                    } else {
                        t.sample(v, "transport", w.transport(), "worker", Integer.toString(w.worker()), f.label(),
                                e.getKey());
                    }
                }
            }
        }
        latency(t, workers);
        t.family("ntp_server_auth_failures_total", Type.COUNTER,
                "Authenticated requests not answered with an authenticated reply, by reason (NTS or symmetric key)");
        for (AuthFailure a : AuthFailure.values()) {
            for (WorkerCounters w : workers) {
                t.sample(w.counters().authFailureCount(a), "transport", w.transport(), "worker",
                        Integer.toString(w.worker()), "reason", lower(a.name()));
            }
        }
        t.family("ntp_server_malformed_packets_total", Type.COUNTER,
                "Packets refused by the validator, by the first rule they broke (part of dropped reason=malformed)");
        for (Malformation m : Malformation.values()) {
            if (m.wellFormed()) {
                continue;
            }
            for (WorkerCounters w : workers) {
                t.sample(w.counters().malformedCount(m), "transport", w.transport(), "worker",
                        Integer.toString(w.worker()), "reason", lower(m.name()));
            }
        }
    }

    /** The workers' receive-to-transmit latency, as a Prometheus histogram (cumulative). */
    private static void latency(PrometheusText t, List<WorkerCounters> workers) {
        t.family("ntp_server_response_latency_seconds", Type.HISTOGRAM,
                "Time from the kernel's receive timestamp of a request to the worker's clock reading for its transmit "
                        + "timestamp");
        for (WorkerCounters w : workers) {
            String worker = Integer.toString(w.worker());
            long cumulative = 0;
            for (int b = 0; b < ServerCounters.LATENCY_BUCKETS; b++) {
                cumulative += w.counters().latencyBucket(b);
                String le = b == ServerCounters.LATENCY_BUCKETS - 1 ? "+Inf"
                        : PrometheusText.format((1L << (ServerCounters.LATENCY_MIN_LOG2 + b)) / 1e9);
                t.sample("_bucket", cumulative, "transport", w.transport(), "worker", worker, "le", le);
            }
            t.sample("_sum", w.counters().latencySumNs() / 1e9, "transport", w.transport(), "worker", worker);
            t.sample("_count", cumulative, "transport", w.transport(), "worker", worker);
        }
    }

    private static String lower(String enumName) {
        return enumName.toLowerCase(Locale.ROOT);
    }
}
