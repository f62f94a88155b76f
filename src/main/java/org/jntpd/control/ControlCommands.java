package org.jntpd.control;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jntpd.base.UtcText;

/**
 * The control protocol's commands (docs/CONTROL.md): each turns a request's arguments into the fields of its reply,
 * from the daemon's published snapshots only (never the serving or synchronisation threads' live state). A table, so
 * that a command is one more entry ({@link #add}); the modifying ones are marked {@link Command#privileged} and the
 * server refuses them to anyone but the socket's owner, its group and root.
 *
 * <p>Ages ("last_rx_ago_s", "ref_age_s") are the snapshot's plus the time since it was published, read from the
 * monotonic clock when the request is answered: a source that stopped answering is seen growing older at once.
 */
public final class ControlCommands {
    /** The protocol's version: every reply carries it; a change that removes or renames a field increments it. */
    public static final int PROTOCOL_VERSION = 1;

    /** One command: what it is called, how it is used, what it answers, and who may use it. */
    public record Command(String name, String usage, String summary, boolean privileged, Handler handler) {}

    /** Turns the request's arguments into the reply's fields; {@link IllegalArgumentException} is an error reply. */
    @FunctionalInterface
    public interface Handler {
        Map<String, Object> run(List<String> args);
    }

    /**
     * What the modifying commands ask of the daemon: carried out on the synchronisation loop's thread at its next pass
     * (within 250 ms); the call only queues the change and says how many sources it concerns.
     */
    public interface Actions {
        /**
         * Queues {@code action} ("online", "offline", "burst") for the NTP sources whose name or address is
         * {@code selector} (null: all); returns how many that is.
         */
        int sources(String action, String selector);

        /** Queues a step of the clock by the current offset estimate at the next update (chronyc makestep). */
        void makestep();

        /**
         * Reads the configuration again and applies it whole, or refuses it (waits for the loop, a second at most);
         * null when this daemon does not reload (one-shot runs, tests).
         */
        default Reload reload() {
            return null;
        }
    }

    /** What a reload came to: applied or refused, and the text that says so (file:line for a refusal). */
    public record Reload(boolean applied, String text) {}

    /**
     * The daemon's side: what the commands read and, for the modifying ones, whom they ask.
     *
     * @param clients the NTP server's clients, read from the serving workers' tables when called (on the control
     *                thread); null when the server keeps no client table (not serving, or no rate limiting)
     */
    public record Sources(Supplier<DaemonStatus> status, Supplier<Map<String, Object>> serverCounters,
            Supplier<Map<String, Object>> authData, Supplier<Map<String, Object>> rtcData, Actions actions,
            String daemonVersion, Supplier<List<ServedClient>> clients) {

        /** Without a client table, and authdata as its text alone (no source, no server). */
        public Sources(Supplier<DaemonStatus> status, Supplier<Map<String, Object>> serverCounters,
                Supplier<String> authText, Supplier<Map<String, Object>> rtcData, Actions actions, String daemonVersion) {
            this(status, serverCounters, () -> authTextOnly(authText.get()), rtcData, actions, daemonVersion,
                    () -> null);
        }

        private static Map<String, Object> authTextOnly(String text) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sources", List.of());
            m.put("nts_ke_server", null);
            m.put("ntp_server", null);
            m.put("text", text);
            return m;
        }
    }

    /** The most clients one {@code clients} reply lists (those with the most requests; {@code clients_total} says all). */
    public static final int MAX_CLIENTS = 1024;

    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final Sources from;

    public ControlCommands(Sources from) {
        this.from = from;
        add(new Command("version", "version", "the protocol's version, the daemon's, and the commands", false,
                args -> version()));
        add(new Command("help", "help [COMMAND]", "each command's usage and what it answers", false, this::help));
        add(new Command("tracking", "tracking", "the system's synchronisation state (chronyc tracking)", false,
                args -> noArgs(args, this::tracking)));
        add(new Command("sources", "sources", "the time sources and their last measurements (chronyc sources)", false,
                args -> noArgs(args, () -> list("sources", this::source))));
        add(new Command("sourcestats", "sourcestats", "each source's filter estimates: offset, frequency and their "
                + "errors (chronyc sourcestats)", false, args -> noArgs(args, () -> list("sources", this::sourceStats))));
        add(new Command("selectdata", "selectdata", "how selection sees each source: state, reason, interval, options "
                + "(chronyc selectdata)", false, args -> noArgs(args, () -> list("sources", this::selectData))));
        add(new Command("ntpdata", "ntpdata [ADDRESS|NAME]", "each NTP association's last packet and counters "
                + "(chronyc ntpdata)", false, this::ntpData));
        add(new Command("activity", "activity", "how many sources are online, offline, unresolved (chronyc activity)",
                false, args -> noArgs(args, this::activity)));
        add(new Command("serverstats", "serverstats", "the NTP server's counters (chronyc serverstats)", false,
                args -> noArgs(args, this::serverStats)));
        add(new Command("clients", "clients [-p PACKETS]", "the NTP server's clients: requests, limited, KoD sent, "
                + "interval, last seen (chronyc clients; with -p only those with at least PACKETS requests)", false,
                this::clients));
        add(new Command("authdata", "authdata", "authentication: each source's keys or NTS state (chronyc authdata), "
                + "the NTS-KE server, the NTP server's counters", false,
                args -> noArgs(args, () -> new LinkedHashMap<>(from.authData().get()))));
        add(new Command("warnings", "warnings", "what needs the operator: a source smearing a leap second or on another "
                + "timescale, a leap second file or certificate near expiry, another program steering the clock", false,
                args -> noArgs(args, () -> map("warnings", from.status().get().warnings()))));
        add(new Command("rtcdata", "rtcdata", "the real-time clock's tracking (chronyc rtcdata)", false,
                args -> noArgs(args, this::rtcData)));
        add(new Command("online", "online [ADDRESS|NAME]", "polls the sources again (all, or one)", true,
                args -> sourceAction("online", args)));
        add(new Command("offline", "offline [ADDRESS|NAME]", "stops polling the sources (all, or one)", true,
                args -> sourceAction("offline", args)));
        add(new Command("burst", "burst [ADDRESS|NAME]", "sends a burst of requests to the sources now (all, or one)",
                true, args -> sourceAction("burst", args)));
        add(new Command("reload", "reload", "reads the configuration again and applies it whole, or refuses it and "
                + "says why", true, args -> noArgs(args, this::reload)));
        add(new Command("makestep", "makestep", "steps the clock by the current offset at the next update", true,
                args -> noArgs(args, () -> {
                    from.actions().makestep();
                    return map("queued", true);
                })));
    }

    /** The commands and their descriptions, without a daemon behind them (jntpc's help). */
    public static List<Command> table() {
        return new ControlCommands(null).all();
    }

    /** Adds (or replaces) a command. */
    public void add(Command c) {
        commands.put(c.name(), c);
    }

    /** The command called {@code name}, or null. */
    public Command get(String name) {
        return commands.get(name);
    }

    /** Every command, in the order of the table. */
    public List<Command> all() {
        return List.copyOf(commands.values());
    }

    private Map<String, Object> version() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", PROTOCOL_VERSION);
        m.put("daemon", from.daemonVersion());
        m.put("commands", new ArrayList<>(commands.keySet()));
        return m;
    }

    private Map<String, Object> help(List<String> args) {
        List<Object> out = new ArrayList<>();
        for (Command c : commands.values()) {
            if (args.isEmpty() || args.contains(c.name())) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", c.name());
                m.put("usage", c.usage());
                m.put("summary", c.summary());
                m.put("privileged", c.privileged());
                out.add(m);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no command " + String.join(" ", args));
        }
        return map("commands", out);
    }

    private static Map<String, Object> noArgs(List<String> args, Supplier<Map<String, Object>> then) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("takes no arguments (got '" + String.join(" ", args) + "')");
        }
        return then.get();
    }

    private static Map<String, Object> map(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(key, value);
        return m;
    }

    /** The monotonic time since the snapshot was published, ns (0 for one never published). */
    private static long sinceNs(DaemonStatus s) {
        return s.publishedMonoNs() == 0 ? 0 : Math.max(0, System.nanoTime() - s.publishedMonoNs());
    }

    private static Object ageS(long ageNs, long sinceNs) {
        return ageNs < 0 ? null : (ageNs + sinceNs) * 1e-9;
    }

    private static Object snapshotAge(DaemonStatus s, long sinceNs) {
        return s.publishedMonoNs() == 0 ? null : sinceNs * 1e-9;
    }

    private Map<String, Object> tracking() {
        DaemonStatus s = from.status().get();
        long since = sinceNs(s);
        DaemonStatus.Tracking t = s.tracking();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("synchronised", t.synced());
        m.put("status", t.message());
        m.put("ref_id", t.refIdHex());
        m.put("ref_id_text", t.refId());
        m.put("system_peer", t.systemPeer());
        m.put("stratum", t.stratum());
        m.put("ref_time_utc", t.referenceTimeNs() == 0 ? null : UtcText.ofNanos(t.referenceTimeNs()));
        m.put("ref_age_s", ageS(t.referenceAgeNs(), since));
        m.put("last_offset_s", t.lastOffsetS());
        m.put("offset_sigma_s", t.offsetSigmaS());
        m.put("frequency_ppm", t.frequencyPpm());
        m.put("frequency_sigma_ppm", t.frequencySigmaPpm());
        m.put("system_time_offset_s", t.slewRemainingS(since));
        m.put("residual_frequency_ppm", Double.isNaN(t.residualFreqPpm()) ? null : t.residualFreqPpm());
        m.put("update_interval_s", t.updateIntervalNs() < 0 ? null : t.updateIntervalNs() * 1e-9);
        m.put("root_delay_s", t.rootDelayNs() * 1e-9);
        // as published, the moment mode 6 (ntpq) shows too: both tools agree on one snapshot
        m.put("root_dispersion_s", t.rootDispersionNs() * 1e-9);
        m.put("leap", t.leap());
        m.put("leap_status", switch (t.leap()) {
            case 0 -> "normal";
            case 1 -> "insert second";
            case 2 -> "delete second";
            default -> "not synchronised";
        });
        m.put("precision_log2", t.precisionLog2());
        m.put("snapshot_age_s", snapshotAge(s, since));
        return m;
    }

    @FunctionalInterface
    private interface Row {
        Map<String, Object> of(DaemonStatus.SourceLine l, long sinceNs);
    }

    private Map<String, Object> list(String key, Row row) {
        DaemonStatus s = from.status().get();
        long since = sinceNs(s);
        List<Object> out = new ArrayList<>();
        for (DaemonStatus.SourceLine l : s.sources()) {
            out.add(row.of(l, since));
        }
        Map<String, Object> m = map(key, out);
        m.put("snapshot_age_s", snapshotAge(s, since));
        return m;
    }

    private static String mode(char kind) {
        return switch (kind) {
            case '^' -> "server";
            case '=' -> "peer";
            default -> "refclock";
        };
    }

    private Map<String, Object> source(DaemonStatus.SourceLine l, long since) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", l.name());
        m.put("mode", mode(l.kind()));
        m.put("mode_char", String.valueOf(l.kind()));
        m.put("state", l.stateName());
        m.put("state_char", String.valueOf(l.state()));
        m.put("stratum", l.stratum());
        m.put("poll_log2", l.pollLog2());
        m.put("reach", l.reach());
        m.put("last_rx_ago_s", ageS(l.lastSampleAgoNs(), since));
        m.put("offset_s", l.offsetS());
        m.put("offset_sigma_s", l.sigmaS());
        m.put("jitter_s", l.jitterS());
        m.put("samples", l.samples());
        m.put("online", l.online());
        m.put("unusable_reason", l.note());
        return m;
    }

    private Map<String, Object> sourceStats(DaemonStatus.SourceLine l, long since) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", l.name());
        m.put("samples", l.samples());
        m.put("spikes", l.spikes());
        m.put("np", l.residualSamples());
        m.put("nr", l.residualRuns());
        m.put("span_s", l.residualSpanNs() * 1e-9);
        m.put("offset_s", l.offsetS());
        m.put("offset_sigma_s", l.sigmaS());
        m.put("frequency_ppm", l.frequencyPpm());
        m.put("frequency_sigma_ppm", l.frequencySigmaPpm());
        m.put("wander_ppm_per_sqrt_s", l.wanderPpmPerSqrtS());
        m.put("asymmetry", l.asymmetry());
        m.put("jitter_s", l.jitterS());
        m.put("last_rx_ago_s", ageS(l.lastSampleAgoNs(), since));
        return m;
    }

    private Map<String, Object> selectData(DaemonStatus.SourceLine l, long since) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", l.name());
        m.put("state", l.stateName());
        m.put("state_char", String.valueOf(l.state()));
        m.put("unusable_reason", l.note());
        m.put("reach", l.reach());
        m.put("prefer", l.prefer());
        m.put("noselect", l.noselect());
        m.put("online", l.online());
        m.put("distance_s", l.distanceNs() * 1e-9);
        m.put("interval_low_s", l.samples() == 0 ? null : l.offsetS() - l.distanceNs() * 1e-9);
        m.put("interval_high_s", l.samples() == 0 ? null : l.offsetS() + l.distanceNs() * 1e-9);
        m.put("last_rx_ago_s", ageS(l.lastSampleAgoNs(), since));
        return m;
    }

    private Map<String, Object> ntpData(List<String> args) {
        if (args.size() > 1) {
            throw new IllegalArgumentException("takes at most one address or name");
        }
        DaemonStatus s = from.status().get();
        long since = sinceNs(s);
        List<Object> out = new ArrayList<>();
        for (DaemonStatus.SourceLine l : s.sources()) {
            DaemonStatus.NtpData n = l.ntp();
            if (n == null || !args.isEmpty() && !matches(l, args.getFirst())) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name());
            m.put("remote_address", n.remoteAddress());
            m.put("remote_port", n.remotePort());
            m.put("local_address", n.localAddress());
            m.put("local_port", n.localPort());
            m.put("leap", n.leap());
            m.put("version", n.version());
            m.put("mode", n.mode());
            m.put("stratum", n.stratum());
            m.put("poll_log2", n.pollLog2());
            m.put("min_poll_log2", n.minPollLog2());
            m.put("max_poll_log2", n.maxPollLog2());
            m.put("ref_id", n.refIdHex());
            m.put("ref_id_text", n.refId());
            m.put("root_delay_s", n.rootDelayNs() * 1e-9);
            m.put("root_dispersion_s", n.rootDispersionNs() * 1e-9);
            m.put("offset_s", n.lastOffsetNs() * 1e-9);
            m.put("delay_s", n.lastDelayNs() * 1e-9);
            m.put("jitter_s", l.jitterS());
            m.put("interleaved", n.interleaved());
            m.put("authenticated", n.authenticated());
            m.put("authentication", n.authentication());
            m.put("tx_packets", n.txPackets());
            m.put("rx_packets", n.rxPackets());
            m.put("valid_samples", l.samples());
            m.put("last_verdict", n.lastVerdict());
            m.put("tests_flash", n.flash());
            m.put("last_rx_ago_s", ageS(l.lastSampleAgoNs(), since));
            out.add(m);
        }
        if (out.isEmpty() && !args.isEmpty()) {
            throw new IllegalArgumentException("no NTP source " + args.getFirst());
        }
        Map<String, Object> m = map("sources", out);
        m.put("snapshot_age_s", snapshotAge(s, since));
        return m;
    }

    /** A source line names {@code selector}: its name, or its address (the name may be "host (address)"). */
    public static boolean matches(DaemonStatus.SourceLine l, String selector) {
        return l.name().equals(selector) || l.name().startsWith(selector + " (")
                || l.ntp() != null && selector.equals(l.ntp().remoteAddress());
    }

    private Map<String, Object> activity() {
        DaemonStatus s = from.status().get();
        DaemonStatus.Activity a = s.activity();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("online", a.online());
        m.put("offline", a.offline());
        m.put("burst_online", a.burstOnline());
        m.put("burst_offline", 0);
        m.put("unresolved", a.unresolved());
        return m;
    }

    private Map<String, Object> serverStats() {
        return present("serving", from.serverCounters().get());
    }

    private Map<String, Object> clients(List<String> args) {
        long minPackets = 0;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "-p" -> {
                    if (i + 1 == args.size()) {
                        throw new IllegalArgumentException("-p takes a number of packets");
                    }
                    try {
                        minPackets = Long.parseLong(args.get(++i));
                    } catch (NumberFormatException e) {
                        minPackets = -1;
                    }
                    if (minPackets < 0) {
                        throw new IllegalArgumentException("-p takes a number of packets (got '" + args.get(i) + "')");
                    }
                }
                case "-k" -> throw new IllegalArgumentException("-k: jntpd keeps no NTS-KE counts per client (authdata "
                        + "has the NTS-KE server's totals)");
                case "-r" -> throw new IllegalArgumentException("-r: the counts are not reset (only the serving workers "
                        + "write their tables)");
                default -> throw new IllegalArgumentException("unknown argument '" + args.get(i) + "' (clients [-p "
                        + "PACKETS])");
            }
        }
        List<ServedClient> table = from.clients().get();
        List<ServedClient> chosen = new ArrayList<>();
        if (table != null) {
            for (ServedClient c : table) {
                if (c.ntpPackets() >= minPackets) {
                    chosen.add(c);
                }
            }
        }
        chosen.sort(java.util.Comparator.comparingLong(ServedClient::ntpPackets).reversed()
                .thenComparingLong(ServedClient::lastAgoNs));
        List<Object> rows = new ArrayList<>();
        for (ServedClient c : chosen.subList(0, Math.min(chosen.size(), MAX_CLIENTS))) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("address", c.address());
            r.put("port", c.port());
            r.put("mode", c.mode());
            r.put("version", c.version());
            r.put("ntp_packets", c.ntpPackets());
            r.put("ntp_limited", c.ntpLimited());
            r.put("ntp_kod_sent", c.ntpKodSent());
            r.put("ntp_interval_log2", c.meanIntervalNs() < 0 ? null : c.intervalLog2());
            r.put("ntp_mean_interval_s", c.meanIntervalNs() < 0 ? null : c.meanIntervalNs() * 1e-9);
            r.put("first_ago_s", c.firstAgoNs() * 1e-9);
            r.put("last_ago_s", c.lastAgoNs() * 1e-9);
            rows.add(r);
        }
        Map<String, Object> m = map("client_table", table != null);
        m.put("clients_total", chosen.size());
        m.put("truncated", chosen.size() > MAX_CLIENTS);
        m.put("clients", rows);
        return m;
    }

    private Map<String, Object> rtcData() {
        return present("tracking_rtc", from.rtcData().get());
    }

    /** {@code flag}: whether there are {@code fields}, then the fields (null: none). */
    private static Map<String, Object> present(String flag, Map<String, Object> fields) {
        Map<String, Object> m = map(flag, fields != null);
        if (fields != null) {
            m.putAll(fields);
        }
        return m;
    }

    private Map<String, Object> sourceAction(String action, List<String> args) {
        if (args.size() > 1) {
            throw new IllegalArgumentException("takes at most one address or name");
        }
        String selector = args.isEmpty() ? null : args.getFirst();
        if (selector != null) {
            boolean known = false;
            for (DaemonStatus.SourceLine l : from.status().get().sources()) {
                known |= l.ntp() != null && matches(l, selector);
            }
            if (!known) {
                throw new IllegalArgumentException("no NTP source " + selector);
            }
        }
        int n = from.actions().sources(action, selector);
        Map<String, Object> m = map("sources", n);
        m.put("queued", true);
        return m;
    }

    private Map<String, Object> reload() {
        Reload r = from.actions().reload();
        if (r == null) {
            throw new IllegalArgumentException("reload is not offered by this daemon");
        }
        String text = r.text().strip();
        if (!r.applied()) { // the refusal's reason is the error (without the text form's "error: ")
            throw new IllegalArgumentException(text.startsWith("error: ") ? text.substring(7) : text);
        }
        Map<String, Object> m = map("applied", true);
        m.put("text", text);
        return m;
    }
}
