package org.jntpd.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * jntpc's text for people: each control reply (docs/CONTROL.md) in chronyc's layout, aligned columns, units in the
 * headers or after the numbers. Made from the JSON reply alone, so what people see is what programs get.
 */
final class ControlText {
    private ControlText() {}

    /** The text of {@code reply} (a parsed JSON object) for {@code command}; {@code verbose}: sources -v's legend. */
    static String render(String command, Map<String, Object> reply, boolean verbose) {
        if (!Boolean.TRUE.equals(reply.get("ok"))) {
            return "error: " + reply.get("error") + "\n";
        }
        return switch (command) {
            case "tracking" -> tracking(reply);
            case "sources" -> (verbose ? SOURCES_LEGEND : "") + sources(reply);
            case "sourcestats" -> sourceStats(reply);
            case "selectdata" -> selectData(reply);
            case "ntpdata" -> ntpData(reply);
            case "activity" -> activity(reply);
            case "serverstats" -> serverStats(reply);
            case "clients" -> clients(reply);
            case "authdata" -> authData(reply);
            case "reload" -> reply.get("text") + "\n";
            case "warnings" -> warnings(reply);
            case "rtcdata" -> keyValues(reply);
            case "version" -> "protocol " + reply.get("protocol") + ", " + reply.get("daemon") + "\ncommands: "
                    + String.join(", ", strings(reply.get("commands"))) + "\n";
            case "help" -> help(reply);
            default -> keyValues(reply); // online, offline, burst, makestep and commands this jntpc does not know
        };
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Map<String, Object> reply, String key) {
        return (List<Map<String, Object>>) reply.get(key);
    }

    private static double d(Object v) {
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    private static long l(Object v) {
        return ((Number) v).longValue();
    }

    private static String tracking(Map<String, Object> t) {
        StringBuilder b = new StringBuilder();
        Object peer = t.get("system_peer");
        b.append(String.format(Locale.ROOT, "Reference ID    : %s%s%n", t.get("ref_id_text"),
                peer == null ? "" : " (" + peer + ")"));
        b.append(String.format(Locale.ROOT, "Stratum         : %d%n", l(t.get("stratum"))));
        b.append(String.format(Locale.ROOT, "Ref time (UTC)  : %s%n", t.get("ref_time_utc") == null ? "-"
                : t.get("ref_time_utc")));
        // chronyc's wording: "slow" when the clock is behind (a correction still to add), "fast" when ahead
        double behind = d(t.get("system_time_offset_s"));
        b.append(String.format(Locale.ROOT, "System time     : %.9f seconds %s of NTP time%n", Math.abs(behind),
                behind > 0 ? "slow" : "fast"));
        b.append(String.format(Locale.ROOT, "Last offset     : %+.9f seconds%n", d(t.get("last_offset_s"))));
        b.append(String.format(Locale.ROOT, "Offset sigma    : %.9f seconds%n", d(t.get("offset_sigma_s"))));
        double f = d(t.get("frequency_ppm"));
        b.append(String.format(Locale.ROOT, "Frequency       : %.3f ppm %s%n", Math.abs(f), f >= 0 ? "fast" : "slow"));
        Object residual = t.get("residual_frequency_ppm");
        b.append(String.format(Locale.ROOT, "Residual freq   : %s ppm%n", residual == null ? "-"
                : String.format(Locale.ROOT, "%+.3f", d(residual))));
        b.append(String.format(Locale.ROOT, "Skew            : %.3f ppm%n", d(t.get("frequency_sigma_ppm"))));
        b.append(String.format(Locale.ROOT, "Root delay      : %.9f seconds%n", d(t.get("root_delay_s"))));
        b.append(String.format(Locale.ROOT, "Root dispersion : %.9f seconds%n", d(t.get("root_dispersion_s"))));
        Object interval = t.get("update_interval_s");
        b.append(String.format(Locale.ROOT, "Update interval : %s seconds%n", interval == null ? "-"
                : String.format(Locale.ROOT, "%.1f", d(interval))));
        b.append(String.format(Locale.ROOT, "Leap status     : %s%n", switch ((int) l(t.get("leap"))) {
            case 0 -> "Normal";
            case 1 -> "Insert second";
            case 2 -> "Delete second";
            default -> "Not synchronised";
        }));
        b.append(String.format(Locale.ROOT, "Status          : %s%n", t.get("status")));
        return b.toString();
    }

    static final String SOURCES_LEGEND = """
              .-- Source mode  '^' = server, '=' = peer, '#' = local clock.
             / .- Source state '*' = current best, '+' = combined, '-' = not combined,
            | /             'x' = may be in error, '~' = too variable, '?' = unusable.
            ||                                                   .- xxxx [ yyyy ] +/- zzzz
            ||      Reach: octal register of the last 8 polls   /   xxxx = estimated offset (s),
            ||      LastRx: seconds (m: minutes, h: hours) ago |    zzzz = its error (1 sigma, s)
            ||                                                  \\
            """;

    private static String sources(Map<String, Object> reply) {
        StringBuilder b = new StringBuilder();
        b.append("MS Name/IP address                     Stratum Poll Reach LastRx Last sample (offset +/- sigma)\n");
        b.append("====================================================================================================\n");
        for (Map<String, Object> s : rows(reply, "sources")) {
            String name = (String) s.get("name");
            Object ago = s.get("last_rx_ago_s");
            Object note = s.get("unusable_reason");
            b.append(String.format(Locale.ROOT, "%s%s %-38s %7d %4d %5o %6s %+.9f +/- %.9f%s%s%n", s.get("mode_char"),
                    s.get("state_char"), name.length() > 38 ? name.substring(0, 38) : name, l(s.get("stratum")),
                    l(s.get("poll_log2")), l(s.get("reach")), ago == null ? "-" : ago(d(ago)), d(s.get("offset_s")),
                    d(s.get("offset_sigma_s")), note == null ? "" : "  " + note,
                    Boolean.FALSE.equals(s.get("online")) ? "  (offline)" : ""));
        }
        return b.toString();
    }

    /** chronyc's LastRx: seconds below 1000, then minutes, then hours. */
    static String ago(double s) {
        if (s < 1000) {
            return String.format(Locale.ROOT, "%.0f", s);
        }
        if (s < 60_000) {
            return String.format(Locale.ROOT, "%.0fm", s / 60);
        }
        return String.format(Locale.ROOT, "%.0fh", s / 3600);
    }

    private static String name(Object n, int width) {
        String s = (String) n;
        return s.length() > width ? s.substring(0, width) : s;
    }

    private static String sourceStats(Map<String, Object> reply) {
        StringBuilder b = new StringBuilder();
        b.append("Name/IP Address            NP  NR  Span Samples Spikes  Freq (ppm) Skew (ppm)  Offset (s)   Std Dev (s)  Jitter (s)\n");
        b.append("=====================================================================================================================\n");
        for (Map<String, Object> s : rows(reply, "sources")) {
            b.append(String.format(Locale.ROOT, "%-26s %2d %3d %5s %7d %6d %+11.3f %10.3f %+12.9f %12.9f %11.9f%n",
                    name(s.get("name"), 26), l(s.get("np")), l(s.get("nr")), ago(d(s.get("span_s"))),
                    l(s.get("samples")), l(s.get("spikes")), d(s.get("frequency_ppm")),
                    d(s.get("frequency_sigma_ppm")), d(s.get("offset_s")), d(s.get("offset_sigma_s")),
                    d(s.get("jitter_s"))));
        }
        b.append("NP: residuals kept of the last 32 samples; NR: runs of one sign among them; Span: time they cover (s)\n");
        return b.toString();
    }

    private static String selectData(Map<String, Object> reply) {
        StringBuilder b = new StringBuilder();
        b.append("S Name/IP Address            Reach Options      Distance (s)  Interval low (s)  high (s)    Reason\n");
        b.append("======================================================================================================\n");
        for (Map<String, Object> s : rows(reply, "sources")) {
            String options = (Boolean.TRUE.equals(s.get("prefer")) ? "prefer " : "")
                    + (Boolean.TRUE.equals(s.get("noselect")) ? "noselect " : "")
                    + (Boolean.FALSE.equals(s.get("online")) ? "offline" : "");
            Object lo = s.get("interval_low_s");
            Object hi = s.get("interval_high_s");
            b.append(String.format(Locale.ROOT, "%s %-26s %5o %-12s %12.9f %17s %-11s %s%n", s.get("state_char"),
                    name(s.get("name"), 26), l(s.get("reach")), options.isEmpty() ? "-" : options.trim(),
                    d(s.get("distance_s")), lo == null ? "-" : String.format(Locale.ROOT, "%+.9f", d(lo)),
                    hi == null ? "-" : String.format(Locale.ROOT, "%+.9f", d(hi)),
                    s.get("unusable_reason") == null ? s.get("state") : s.get("unusable_reason")));
        }
        return b.toString();
    }

    private static String ntpData(Map<String, Object> reply) {
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> s : rows(reply, "sources")) {
            if (!b.isEmpty()) {
                b.append('\n');
            }
            b.append(String.format(Locale.ROOT, """
                    Remote address  : %s (%s) port %d
                    Local address   : %s port %d
                    Leap status     : %d
                    Version         : %d
                    Mode            : %d
                    Stratum         : %d
                    Poll interval   : %d (%s seconds), min %d, max %d
                    Root delay      : %.9f seconds
                    Root dispersion : %.9f seconds
                    Reference ID    : %s (%s)
                    Offset          : %+.9f seconds
                    Peer delay      : %.9f seconds
                    Jitter          : %.9f seconds
                    Interleaved     : %s
                    Authenticated   : %s (%s)
                    Last verdict    : %s (tests flash 0x%04x)
                    Total TX        : %d
                    Total RX        : %d
                    Valid samples   : %d
                    Last RX         : %s
                    """, s.get("name"), s.get("remote_address"), l(s.get("remote_port")), s.get("local_address"),
                    l(s.get("local_port")), l(s.get("leap")), l(s.get("version")), l(s.get("mode")),
                    l(s.get("stratum")), l(s.get("poll_log2")), fmtPoll((int) l(s.get("poll_log2"))),
                    l(s.get("min_poll_log2")), l(s.get("max_poll_log2")), d(s.get("root_delay_s")),
                    d(s.get("root_dispersion_s")), s.get("ref_id"), s.get("ref_id_text"), d(s.get("offset_s")),
                    d(s.get("delay_s")), d(s.get("jitter_s")), yesNo(s.get("interleaved")),
                    yesNo(s.get("authenticated")), s.get("authentication"), s.get("last_verdict"),
                    l(s.get("tests_flash")), l(s.get("tx_packets")), l(s.get("rx_packets")), l(s.get("valid_samples")),
                    s.get("last_rx_ago_s") == null ? "-" : String.format(Locale.ROOT, "%.1f seconds ago",
                            d(s.get("last_rx_ago_s")))));
        }
        return b.toString();
    }

    private static String fmtPoll(int log2) {
        return log2 >= 0 ? Long.toString(1L << log2) : "1/" + (1L << -log2);
    }

    private static String yesNo(Object v) {
        return Boolean.TRUE.equals(v) ? "Yes" : "No";
    }

    private static String activity(Map<String, Object> a) {
        return String.format(Locale.ROOT, """
                %d sources online
                %d sources offline
                %d sources doing burst (return to online)
                %d sources doing burst (return to offline)
                %d sources with unknown address
                """, l(a.get("online")), l(a.get("offline")), l(a.get("burst_online")), l(a.get("burst_offline")),
                l(a.get("unresolved")));
    }

    private static String serverStats(Map<String, Object> reply) {
        if (!Boolean.TRUE.equals(reply.get("serving"))) {
            return "not serving NTP (port 0)\n";
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : reply.entrySet()) {
            if (e.getValue() instanceof Number n) {
                if (e.getKey().equals("version")) {
                    continue;
                }
                b.append(String.format(Locale.ROOT, "%-22s: %d%n", e.getKey().replace('_', ' '), n.longValue()));
            } else if (e.getKey().equals("raw_path") && e.getValue() instanceof Map<?, ?> raw) {
                for (Map.Entry<?, ?> r : raw.entrySet()) {
                    b.append(String.format(Locale.ROOT, "%-22s: %s%n", String.valueOf(r.getKey()).replace('_', ' '),
                            r.getValue()));
                }
            }
        }
        return b.toString();
    }

    /**
     * chronyc's clients: the NTP columns (jntpd keeps no per-client command or NTS-KE counts), KoD added, the most
     * active first.
     */
    private static String clients(Map<String, Object> reply) {
        if (!Boolean.TRUE.equals(reply.get("client_table"))) {
            return "no client table: the server keeps one only while it rate-limits (ratelimit, or restrict ... limited"
                    + " or kod)\n";
        }
        StringBuilder b = new StringBuilder();
        b.append("Hostname                                   NTP   Drop    KoD  Int   Last\n");
        b.append("=========================================================================\n");
        for (Map<String, Object> c : rows(reply, "clients")) {
            Object interval = c.get("ntp_interval_log2");
            b.append(String.format(Locale.ROOT, "%-39s %6d %6d %6d %4s %6s%n", name(c.get("address"), 39),
                    l(c.get("ntp_packets")), l(c.get("ntp_limited")), l(c.get("ntp_kod_sent")),
                    interval == null ? "-" : Long.toString(l(interval)), ago(d(c.get("last_ago_s")))));
        }
        if (Boolean.TRUE.equals(reply.get("truncated"))) {
            b.append(String.format(Locale.ROOT, "... %d clients in all; the %d most active are listed%n",
                    l(reply.get("clients_total")), rows(reply, "clients").size()));
        }
        b.append("NTP: requests; Drop: of those limited (dropped or KoD); KoD: kiss-o'-death sent;\n"
                + "Int: log2 of the mean interval between requests (s); Last: since the last request (s, m, h)\n");
        return b.toString();
    }

    /**
     * chronyc's authdata table from the sources' fields, then the report's text (the NTS-KE server, the NTP server's
     * counters, and each source's counters in words).
     */
    private static String authData(Map<String, Object> reply) {
        StringBuilder b = new StringBuilder();
        List<Map<String, Object>> sources = rows(reply, "sources");
        if (sources != null && !sources.isEmpty()) {
            b.append("Name/IP address             Mode KeyID Type KLen Last Atmp  NAK Cook CLen\n");
            b.append("=========================================================================\n");
            for (Map<String, Object> s : sources) {
                String mode = switch (String.valueOf(s.get("authentication"))) {
                    case "nts" -> "NTS";
                    case "symmetric key" -> "SK";
                    default -> "-";
                };
                Object last = s.get("last_ke_ago_s");
                b.append(String.format(Locale.ROOT, "%-27s %4s %5d %4d %4d %4s %4d %4d %4d %4d%n", name(s.get("name"), 27),
                        mode, orZero(s.get("key_id")), orZero(s.get("type_id")), orZero(s.get("key_length_bits")),
                        last == null ? "-" : ago(d(last)), orZero(s.get("ke_attempts")),
                        Boolean.TRUE.equals(s.get("nak")) ? 1 : 0, orZero(s.get("cookies")),
                        orZero(s.get("cookie_length_bytes"))));
            }
            b.append('\n');
        }
        Object text = reply.get("text");
        return b.append(text == null ? "" : text).toString();
    }

    private static long orZero(Object v) {
        return v == null ? 0 : l(v);
    }

    /** One line each, or a line saying there are none. */
    private static String warnings(Map<String, Object> reply) {
        List<String> w = strings(reply.get("warnings"));
        if (w.isEmpty()) {
            return "no warnings\n";
        }
        StringBuilder b = new StringBuilder();
        w.forEach(x -> b.append("warning: ").append(x).append('\n'));
        return b.toString();
    }

    private static String help(Map<String, Object> reply) {
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> c : rows(reply, "commands")) {
            b.append(String.format(Locale.ROOT, "  %-26s %s%s%n", c.get("usage"), c.get("summary"),
                    Boolean.TRUE.equals(c.get("privileged")) ? " (owner group only)" : ""));
        }
        return b.toString();
    }

    /** Every field but the envelope, one per line. */
    private static String keyValues(Map<String, Object> reply) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : reply.entrySet()) {
            if (!List.of("version", "command", "ok").contains(e.getKey())) {
                b.append(String.format(Locale.ROOT, "%-16s: %s%n", e.getKey().replace('_', ' '), e.getValue()));
            }
        }
        return b.toString();
    }
}
