package org.jntpd.config;

import static org.jntpd.config.Table.Dialect.BOTH;
import static org.jntpd.config.Table.Dialect.CHRONY;
import static org.jntpd.config.Table.Dialect.JNTPD;
import static org.jntpd.config.Table.Dialect.NTPSEC;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jntpd.config.ConfigBuilder.RefclockBuilder;
import org.jntpd.config.ConfigBuilder.ServerBuilder;
import org.jntpd.config.ConfigParser.Line;
import org.jntpd.config.ConfigParser.LineError;

/**
 * The configuration language: every directive and option jntpd reads, its arguments with their limits, where each
 * value goes and whether jntpd honours it, in tables read from top to bottom. The ntp.conf dialect as NTPsec
 * documents it, plus the extensions chrony users know by name ({@code port}, {@code bindaddress}, {@code local},
 * {@code ratelimit}, {@code makestep}, {@code rtcfile} ...), plus jntpd's own ({@code cpu}, {@code workeridle} ...).
 */
final class Directives {
    private Directives() {}

    static final int MAX_INCLUDE_DEPTH = 5;
    private static final String TLS13_ONLY = "NTS-KE runs on the JDK's TLS 1.3 defaults (RFC 8915 requires TLS 1.3)";

    /**
     * Where the values of each table's words go: one switch per table (its method below), reached through this one
     * class rather than a lambda per table, each of which the JVM would spin a class for at the start.
     */
    @SuppressWarnings("unchecked")
    private enum Act implements Table.Actions<Object> {
        SERVER, REFCLOCK, REFCLOCK_DRIVER, RESTRICT_FLAG, TOS, TINKER, BROADCAST, LOCAL, RATELIMIT, LIMIT, MRU, NTS,
        STATISTICS, FILEGEN, SYSTEM_FLAG, DIRECTIVE;

        @Override
        public void apply(Object t, String name, Object v, Line l, String what) {
            switch (this) {
                case SERVER -> serverOption((ServerBuilder) t, name, v, l, what);
                case REFCLOCK -> refclockOption((RefclockBuilder) t, name, v, l, what);
                case REFCLOCK_DRIVER -> refclockDriver((RefclockBuilder) t, name, v, l, what);
                // a flag's name is its constant's, in lower case
                case RESTRICT_FLAG -> ((Set<RestrictFlag>) t).add(RestrictFlag.valueOf(name.toUpperCase(Locale.ROOT)));
                case TOS -> tosOption((TosBuilder) t, name, v, l, what);
                case TINKER -> tinkerOption((TinkerBuilder) t, name, v, l, what);
                case BROADCAST -> broadcastOption((BroadcastBuilder) t, name, v, l, what);
                case LOCAL -> localOption((LocalBuilder) t, name, v, l, what);
                case RATELIMIT -> rateLimitOption((Config.RateLimit[]) t, name, v, l, what);
                case LIMIT -> limitOption((Config.RateLimit[]) t, name, v, l, what);
                case MRU -> mruOption((MruBuilder) t, name, v, l, what);
                case NTS -> ntsOption((ConfigBuilder) t, name, v, l, what);
                case STATISTICS -> ((ConfigBuilder) t).statistics.add(name);
                case FILEGEN -> filegenOption((FilegenBuilder) t, name, v, l, what);
                case SYSTEM_FLAG -> ((Switch) t).b().systemFlags.put(name, ((Switch) t).on()); // on or off, by name
                case DIRECTIVE -> directive((ConfigBuilder) t, name, v, l, what);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ argument kinds

    static final Arg.Int POLL = Arg.integer("log2 seconds", -6, 17);
    static final Arg.Int KEY_ID = Arg.integer("a key id", 1, 65535);
    static final Arg.Int STRATUM = Arg.integer("a stratum", 0, 15);
    static final Arg.Seconds OFFSET = Arg.seconds(-1000, 1000);
    static final Arg.Int CPU = Arg.integer("a CPU number", 0, 1023);
    static final Arg.Choice<String> AEAD = Arg.choice("NAME", "AES_SIV_CMAC_256, AES_SIV_CMAC_384 or AES_SIV_CMAC_512",
            Map.of("aes_siv_cmac_256", "AES_SIV_CMAC_256", "aes_siv_cmac_384", "AES_SIV_CMAC_384",
                    "aes_siv_cmac_512", "AES_SIV_CMAC_512"));
    static final Arg.OneOf BAUD = new Arg.OneOf("one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, "
            + "460800, 921600", Set.of(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600));
    static final Arg.Choice<String> FILEGEN_TYPE = Arg.choice("TYPE", "none, pid, day, week, month, year or age",
            Map.of("none", "none", "pid", "pid", "day", "day", "week", "week", "month", "month", "year", "year",
                    "age", "age"));
    static final Arg.Choice<Config.Serving.Idle> IDLE = Arg.choice("busypoll|block", "busypoll or block", Map.of(
            "busypoll", Config.Serving.Idle.BUSY_POLL, "busy", Config.Serving.Idle.BUSY_POLL,
            "spin", Config.Serving.Idle.BUSY_POLL, "block", Config.Serving.Idle.BLOCK));

    // ------------------------------------------------------------------------------------------------ server, pool, peer

    static final Table<ServerBuilder> SERVER_OPTIONS = new Table.Builder<ServerBuilder>(Act.SERVER)
            .flag("iburst", BOTH)
            .flag("burst", BOTH)
            .flag("prefer", BOTH)
            .flag("noselect", BOTH)
            .flag("true", NTPSEC).notHonoured("")
            .one("minpoll", BOTH, POLL)
            .one("maxpoll", BOTH, POLL)
            .one("version", BOTH, Arg.integer("an NTP version", 1, 4))
            .one("key", BOTH, KEY_ID)
            .one("port", BOTH, Arg.integer("a UDP port", 1, 65535))
            .one("maxdelay", BOTH, Arg.seconds(0, 1000))
            .one("bias", NTPSEC, OFFSET)
            .flag("xleave", BOTH)
            .flag("nts", BOTH)
            .flag("noval", NTPSEC).notHonoured("jntpd always checks the NTS server's certificate: "
                    + "trust it with 'ca FILE' or ntstrustedcerts instead")
            .flag("nocerttimecheck", NTPSEC)
            .one("ca", NTPSEC, Arg.PATH)
            .one("ntsport", BOTH, Arg.integer("a TCP port", 1, 65535))
            .one("maxsources", CHRONY, Arg.integer("a number of sources", 1, 16))
            .flag("preempt", NTPSEC).notHonoured("")
            .one("aead", NTPSEC, AEAD)
            .grammar("mode", NTPSEC, null).unlisted()
            .build();

    private static void serverOption(ServerBuilder s, String name, Object v, Line l, String what) {
        switch (name) {
            case "iburst" -> s.iburst = true;
            case "burst" -> s.burst = true;
            case "prefer" -> s.prefer = true;
            case "noselect" -> s.noselect = true;
            case "true" -> s.trueChimer = true;
            case "minpoll" -> { s.minPoll = (int) v; s.minPollSet = true; }
            case "maxpoll" -> { s.maxPoll = (int) v; s.maxPollSet = true; }
            case "version" -> s.version = (int) v;
            case "key" -> s.key = (int) v;
            case "port" -> s.port = (int) v;
            case "maxdelay" -> s.maxDelayNs = (long) v;
            case "bias" -> s.biasNs = (long) v;
            case "xleave" -> s.xleave = true;
            case "nts" -> s.nts = true;
            case "noval" -> s.noval = true;
            case "nocerttimecheck" -> s.noCertTimeCheck = true;
            case "ca" -> s.ca = (String) v;
            case "ntsport" -> { s.ntsPort = (int) v; s.ntsPortSet = true; }
            case "maxsources" -> s.maxSources = (int) v;
            case "preempt" -> s.preempt = true;
            case "aead" -> s.aead = (String) v;
            case "mode" -> throw new LineError("'mode' applies to reference clocks only (refclock ... mode N)");
            default -> throw Table.noAction(name);
        }
    }

    /** {@code server|pool|peer [-4|-6] HOST [options]}; {@code server 127.127.T.U} is ntpd's way to name a refclock. */
    private static void server(ConfigBuilder b, Line l, String keyword) {
        ServerSpec.Kind kind = ServerSpec.Kind.valueOf(keyword.toUpperCase(Locale.ROOT));
        ServerSpec.Family family = family(l);
        String host = l.next("a host name or address after '" + keyword + "'");
        int[] legacy = legacyRefclock(host);
        if (legacy != null) {
            legacyRefclockServer(b, l, keyword, legacy);
            return;
        }
        int kePort = 0;
        String[] hostPort = hostPort(host);
        if (hostPort != null) { // NTPsec: server HOST:PORT nts names the NTS-KE port
            host = hostPort[0];
            kePort = Arg.integer("a TCP port", 1, 65535).parse(hostPort[1], keyword + " HOST:PORT");
        }
        ServerBuilder s = new ServerBuilder(kind, family, hostArg(host));
        s.hostKePort = kePort;
        SERVER_OPTIONS.readOptions(l, s, keyword);
        ServerSpec spec = s.build(l.loc);
        for (ServerSpec other : b.servers) {
            if (sameSource(spec, other)) {
                // A second association with the same address and port never gets a reply (the first takes them all).
                b.warnings.add(l.loc + ": " + keyword + " " + spec.host() + " duplicates the " + other.kind().name()
                        .toLowerCase(Locale.ROOT) + " line at " + other.location() + ": this line is ignored");
                return;
            }
        }
        if (s.aead != null) {
            b.ntsAead = s.aead;
        }
        b.servers.add(spec);
    }

    /**
     * {@code name:port}, {@code 1.2.3.4:port} or {@code [v6]:port} (an IPv6 literal alone has several colons) as
     * {host, port digits}, else null: {@code ([^:\[\]]+|\[[^\]]+\]):([0-9]+)}. The checks of host words are written
     * out rather than regular expressions ({@code String.matches} compiles its pattern on every call; under the
     * fuzzer's regex hooks they cost more than the rest of a parse; DirectivesTest keeps them equal).
     */
    static String[] hostPort(String s) {
        int colon = s.lastIndexOf(':');
        if (colon < 1 || colon == s.length() - 1 || !allIn(s.substring(colon + 1), "0123456789")) {
            return null;
        }
        String host = s.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.length() >= 3 && host.indexOf(']') == host.length() - 1;
        boolean plain = host.indexOf(':') < 0 && host.indexOf('[') < 0 && host.indexOf(']') < 0;
        return bracketed || plain ? new String[] {host, s.substring(colon + 1)} : null;
    }

    /** Whether {@code s} is not empty and every character is in {@code chars}. */
    static boolean allIn(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) < 0) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** {@code %[A-Za-z0-9_.-]+}: an IPv6 zone after the address. */
    static boolean isZone(String z) {
        return z.startsWith("%") && allIn(z.substring(1), WORD_CHARS + ".-");
    }

    /** {@code [A-Za-z0-9_.:@-]{1,15}}: an interface name (IFNAMSIZ is 16 with its NUL). */
    static boolean isInterfaceName(String t) {
        return t.length() <= 15 && allIn(t, WORD_CHARS + ".:@-");
    }

    private static final String WORD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

    /**
     * A DNS name as {@code [A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?}:
     * labels of letters, digits, '_' and '-' (not first or last), a final dot allowed.
     */
    static boolean hostName(String h) {
        int n = h.endsWith(".") ? h.length() - 1 : h.length();
        int labelStart = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || h.charAt(i) == '.') {
                if (i == labelStart || h.charAt(labelStart) == '-' || h.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
            } else if (h.charAt(i) != '-' && WORD_CHARS.indexOf(h.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether two lines name the same address and port: the same literal, or the same name of the same family. */
    private static boolean sameSource(ServerSpec a, ServerSpec b) {
        if (a.port() != b.port()) {
            return false;
        }
        String ka = hostKey(a.host());
        String kb = hostKey(b.host());
        return ka.equals(kb) && (ka.indexOf(':') >= 0 || allIn(ka, "0123456789.") || a.family() == b.family());
    }

    /** A host as compared: an address literal in its canonical form (zone kept), a name in lower case without its final dot. */
    private static String hostKey(String host) {
        int pct = host.indexOf('%');
        String literal = pct >= 0 ? host.substring(0, pct) : host;
        if (literal.indexOf(':') >= 0 || allIn(literal, "0123456789.")) {
            return InetAddress.ofLiteral(literal).getHostAddress() + (pct >= 0 ? host.substring(pct) : "");
        }
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static ServerSpec.Family family(Line l) {
        if (l.peekIs("-4") || l.peekIs("--ipv4")) {
            l.next("");
            return ServerSpec.Family.IPV4;
        }
        if (l.peekIs("-6") || l.peekIs("--ipv6")) {
            l.next("");
            return ServerSpec.Family.IPV6;
        }
        return ServerSpec.Family.ANY;
    }

    /** A host token: an IPv4/IPv6 literal (IPv6 optionally in brackets, with %zone), or a DNS name. */
    private static String hostArg(String host) {
        String h = host;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) {
                throw new LineError("expected ']' closing the IPv6 address in '" + ConfigParser.printable(host) + "'");
            }
            String zone = h.substring(close + 1);
            if (!zone.isEmpty() && !isZone(zone)) {
                throw new LineError("expected '%interface' after ']' in '" + ConfigParser.printable(host) + "'");
            }
            h = h.substring(1, close);
            checkLiteral(h, host);
            return h + zone;
        }
        if (h.indexOf(':') >= 0) {
            checkLiteral(h.contains("%") ? h.substring(0, h.indexOf('%')) : h, host);
            return h;
        }
        if (allIn(h, "0123456789.")) {
            checkLiteral(h, host);
            return h;
        }
        if (h.length() > 253 || !hostName(h)) {
            throw new LineError("expected a host name or address, got '" + ConfigParser.printable(host) + "'");
        }
        return h;
    }

    private static void checkLiteral(String literal, String original) {
        try {
            InetAddress.ofLiteral(literal);
        } catch (IllegalArgumentException e) {
            throw new LineError("expected an IP address, got '" + ConfigParser.printable(original) + "'");
        }
    }

    // ------------------------------------------------------------------------------------------------ reference clocks

    private static final Arg.Int UNIT = Arg.integer("a unit number", 0, 255);

    static final Table<RefclockBuilder> REFCLOCK_OPTIONS = new Table.Builder<RefclockBuilder>(Act.REFCLOCK)
            .one("unit", NTPSEC, UNIT)
            .one("refid", BOTH, Arg.REFID)
            .one("stratum", BOTH, STRATUM)
            .one("time1", NTPSEC, OFFSET).alias(CHRONY, "offset")
            // NMEA: "time2 auto" learns the sentence delay against the PPS (ppspath) and saves it (offsetfile).
            .one("time2", NTPSEC, Arg.WORD)
            .one("offsetfile", NTPSEC, Arg.PATH)
            .one("delay", CHRONY, Arg.seconds(0, 1))
            .one("precision", CHRONY, Arg.seconds(1e-9, 1))
            .one("minpoll", NTPSEC, POLL).alias(CHRONY, "poll")
            .one("maxpoll", NTPSEC, POLL).notHonoured("a reference clock polls at one rate (minpoll)")
            .one("filter", CHRONY, Arg.integer("a number of samples", 1, 128))
            .one("lock", CHRONY, Arg.REFID)
            .one("width", CHRONY, Arg.seconds(0, 0.5))
            .flag("prefer", BOTH)
            .flag("noselect", BOTH)
            .flag("trust", CHRONY).notHonoured("")
            .flag("true", NTPSEC).notHonoured("")
            .one("mode", NTPSEC, Arg.integer("an integer", 0, Integer.MAX_VALUE))
            .one("subtype", NTPSEC, Arg.integer("an integer", 0, Integer.MAX_VALUE)).notHonoured("")
            .one("path", NTPSEC, Arg.PATH)
            .one("ppspath", NTPSEC, Arg.PATH)
            .one("baud", NTPSEC, BAUD)
            .one("flag1", NTPSEC, Arg.integer("0 or 1", 0, 1)).notHonoured("")
            .one("flag2", NTPSEC, Arg.integer("0 or 1", 0, 1)) // PPS, NMEA: the clear edge
            .one("flag3", NTPSEC, Arg.integer("0 or 1", 0, 1)).notHonoured("")
            .one("flag4", NTPSEC, Arg.integer("0 or 1", 0, 1)).notHonoured("")
            .build();

    private static void refclockOption(RefclockBuilder r, String name, Object v, Line l, String what) {
        switch (name) {
            case "unit" -> r.unit = (int) v;
            case "refid" -> r.refId = (String) v;
            case "stratum" -> r.stratum = (int) v;
            case "time1" -> r.offsetNs = (long) v;
            case "time2" -> {
                r.time2Auto = ((String) v).equalsIgnoreCase("auto");
                r.time2Ns = r.time2Auto ? 0 : OFFSET.parse((String) v, "time2");
            }
            case "offsetfile" -> r.offsetFile = (String) v;
            case "delay" -> r.delayNs = (long) v;
            case "precision" -> r.precisionNs = (long) v;
            case "minpoll" -> r.pollLog2 = (int) v;
            case "maxpoll" -> { }
            case "filter" -> r.filterSamples = (int) v;
            case "lock" -> r.lockRefId = (String) v;
            case "width" -> r.widthNs = (long) v;
            case "prefer" -> r.prefer = true;
            case "noselect" -> r.noselect = true;
            case "trust" -> r.trust = true;
            case "true" -> r.trueChimer = true;
            case "mode" -> r.mode = (int) v;
            case "subtype" -> r.subtype = (int) v;
            case "path" -> r.path = (String) v;
            case "ppspath" -> r.ppsPath = (String) v;
            case "baud" -> r.baud = (int) v;
            case "flag1" -> r.flag(1, (int) v == 1);
            case "flag2" -> r.flag(2, (int) v == 1);
            case "flag3" -> r.flag(3, (int) v == 1);
            case "flag4" -> r.flag(4, (int) v == 1);
            default -> throw Table.noAction(name);
        }
    }

    /** The drivers, by the name {@code refclock} takes. */
    static final Table<RefclockBuilder> REFCLOCK_DRIVERS = new Table.Builder<RefclockBuilder>(Act.REFCLOCK_DRIVER)
            .flag("shm", BOTH)
            .flag("sock", CHRONY)
            .flag("pps", BOTH)
            .flag("nmea", NTPSEC)
            .flag("phc", CHRONY)
            .grammar("gpsd", NTPSEC, null)
            .flag("local", NTPSEC).notHonoured("use 'local stratum N' to serve the local clock")
            .build();

    /** The driver's name is the builder's already; gpsd only explains itself. */
    private static void refclockDriver(RefclockBuilder r, String name, Object v, Line l, String what) {
        switch (name) {
            case "shm", "sock", "pps", "nmea", "phc", "local" -> { }
            case "gpsd" -> throw new LineError("refclock gpsd (NTPsec's GPSD JSON driver) is not supported: use gpsd's "
                    + "shared memory ('refclock shm 0') or its chrony socket ('refclock sock /run/chrony.DEVICE.sock')");
            default -> throw Table.noAction(name);
        }
    }

    /** ntpd's refclock type numbers for legacy {@code server 127.127.T.U} lines. */
    private static final Map<Integer, String> LEGACY_REFCLOCK_TYPES =
            Map.of(1, "local", 20, "nmea", 22, "pps", 28, "shm", 46, "gpsd");

    /** NTPsec's {@code refclock DRIVER [unit N] options} and chrony's {@code refclock DRIVER PARAMETER options}. */
    private static void refclock(ConfigBuilder b, Line l, String keyword) {
        String name = l.next("a driver name after 'refclock' (" + REFCLOCK_DRIVERS.names() + ")");
        String driver = name.toLowerCase(Locale.ROOT);
        Table.Entry<RefclockBuilder> d = REFCLOCK_DRIVERS.find(driver);
        if (d == null) {
            throw new LineError("unknown reference clock driver '" + ConfigParser.printable(name) + "' (expected "
                    + REFCLOCK_DRIVERS.names() + ")");
        }
        RefclockBuilder r = new RefclockBuilder(d.name(), l.loc);
        REFCLOCK_DRIVERS.read(d, driver, "refclock " + driver, l, r);
        // chrony's form puts the driver parameter right after the name: "refclock SHM 0", "refclock PPS /dev/pps0".
        if (l.hasNext() && REFCLOCK_OPTIONS.find(l.peek()) == null) {
            String param = l.next("");
            if (allIn(param, "0123456789")) {
                // the range of NTPsec's "unit N": a longer number was an uncaught NumberFormatException (fuzzing)
                r.unit = UNIT.parse(param, "refclock " + name);
            } else if (param.startsWith("/")) {
                r.path = param;
            } else {
                throw new LineError("expected a unit number, a device path or an option after 'refclock " + name
                        + "', got '" + ConfigParser.printable(param) + "'");
            }
        }
        REFCLOCK_OPTIONS.readOptions(l, r, keyword);
        if (r.driver.equals("sock") && r.path == null) {
            throw new LineError("refclock sock needs the socket path (refclock sock /run/chrony.ttyS0.sock)");
        }
        if (r.driver.equals("sock")) {
            Arg.SOCKET_PATH.parse(r.path, "refclock sock");
        }
        b.refclocks.add(r);
    }

    private static int[] legacyRefclock(String host) {
        if (!host.startsWith("127.127.")) {
            return null;
        }
        String[] parts = host.split("\\.");
        if (parts.length != 4) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(parts[2]), Integer.parseInt(parts[3])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void legacyRefclockServer(ConfigBuilder b, Line l, String keyword, int[] typeUnit) {
        String driver = LEGACY_REFCLOCK_TYPES.get(typeUnit[0]);
        if (driver == null) {
            throw new LineError("reference clock type " + typeUnit[0] + " (127.127." + typeUnit[0] + "." + typeUnit[1]
                    + ") is not supported (expected 1 LOCAL, 20 NMEA, 22 PPS or 28 SHM)");
        }
        RefclockBuilder r = new RefclockBuilder(driver, l.loc);
        REFCLOCK_DRIVERS.read(REFCLOCK_DRIVERS.find(driver), driver, "refclock " + driver, l, r);
        r.unit = typeUnit[1];
        REFCLOCK_OPTIONS.readOptions(l, r, keyword);
        b.refclocks.add(r);
    }

    /** ntpd's {@code fudge 127.127.T.U options}: amends the clock of an earlier {@code server 127.127.T.U} line. */
    private static void fudge(ConfigBuilder b, Line l, String keyword) {
        String host = l.next("a reference clock address (127.127.T.U) after 'fudge'");
        int[] typeUnit = legacyRefclock(host);
        if (typeUnit == null) {
            throw new LineError("expected a reference clock address 127.127.T.U, got '" + ConfigParser.printable(host) + "'");
        }
        String driver = LEGACY_REFCLOCK_TYPES.get(typeUnit[0]);
        for (int i = b.refclocks.size() - 1; i >= 0; i--) {
            RefclockBuilder r = b.refclocks.get(i);
            if (r.driver.equals(driver) && r.unit == typeUnit[1]) {
                REFCLOCK_OPTIONS.readOptions(l, r, keyword);
                return;
            }
        }
        throw new LineError("fudge " + host + " comes before (or without) its 'server " + host + "' line");
    }

    // ------------------------------------------------------------------------------------------------ access

    /** The {@code restrict} flags (and {@code mask}, read by the grammar). */
    static final Table<Set<RestrictFlag>> RESTRICT_FLAGS;

    static {
        Table.Builder<Set<RestrictFlag>> t = new Table.Builder<>(Act.RESTRICT_FLAG);
        for (RestrictFlag f : RestrictFlag.values()) {
            t.flag(f.name().toLowerCase(Locale.ROOT), NTPSEC);
            if (f == RestrictFlag.FLAKE || f == RestrictFlag.MSSNTP) {
                t.notHonoured("");
            }
        }
        RESTRICT_FLAGS = t.build();
    }

    /** {@code restrict|unrestrict [-4|-6] default|ADDRESS[/PREFIX] [mask MASK] [flags]}. */
    private static void restrict(ConfigBuilder b, Line l, String keyword) {
        boolean remove = keyword.equals("unrestrict");
        String first = l.next("an address, 'default' or -4/-6");
        int onlyFamily = 0;
        if (first.equals("-4") || first.equals("-6")) {
            onlyFamily = first.equals("-4") ? 4 : 6;
            first = l.next("an address or 'default'");
        }
        if (first.equalsIgnoreCase("source")) {
            l.notHonoured("restrict source", "use explicit restrict lines");
            l.skipRest();
            return;
        }
        byte[] address = null;
        int prefix;
        if (first.equalsIgnoreCase("default")) {
            prefix = 0;
        } else {
            String addr = first;
            prefix = -1;
            int slash = first.indexOf('/');
            if (slash >= 0) {
                addr = first.substring(0, slash);
                prefix = parsePrefix(first.substring(slash + 1), first);
            }
            address = literalBytes(addr, "restrict");
            int bits = address.length * 8;
            if (prefix > bits) {
                throw new LineError("prefix length /" + prefix + " is longer than the address (" + bits + " bits)");
            }
            if (prefix < 0) {
                prefix = bits;
            }
        }
        Set<RestrictFlag> flags = EnumSet.noneOf(RestrictFlag.class);
        while (l.hasNext()) {
            String opt = l.next("a flag").toLowerCase(Locale.ROOT);
            if (opt.equals("mask")) {
                if (address == null) {
                    throw new LineError("'mask' cannot follow 'default'");
                }
                prefix = maskToPrefix(l.next("a mask after 'mask'"), address.length);
                continue;
            }
            Table.Entry<Set<RestrictFlag>> f = RESTRICT_FLAGS.find(opt);
            if (f == null) {
                throw new LineError("unknown restrict flag '" + ConfigParser.printable(opt) + "' (expected mask M, or a flag: "
                        + RESTRICT_FLAGS.names() + ")");
            }
            RESTRICT_FLAGS.read(f, opt, "restrict " + opt, l, flags);
        }
        if (address != null) {
            address = maskAddress(address, prefix);
            b.restrictions.add(new RestrictRule(address, address.length == 4 ? 4 : 6, prefix, Set.copyOf(flags), remove,
                    l.loc));
        } else {
            for (int fam : onlyFamily == 0 ? new int[] {4, 6} : new int[] {onlyFamily}) {
                b.restrictions.add(new RestrictRule(null, fam, 0, Set.copyOf(flags), remove, l.loc));
            }
        }
    }

    private static int parsePrefix(String s, String token) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 128) {
                return p;
            }
        } catch (NumberFormatException e) {
            // the message below says what was expected
        }
        throw new LineError("expected a prefix length after '/' in '" + ConfigParser.printable(token) + "'");
    }

    private static int maskToPrefix(String mask, int addressLength) {
        byte[] m = literalBytes(mask, "mask");
        if (m.length != addressLength) {
            throw new LineError("mask " + mask + " is not of the address's family");
        }
        int prefix = 0;
        boolean ended = false;
        for (byte x : m) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean set = (x >> bit & 1) != 0;
                if (set && ended) {
                    throw new LineError("mask " + mask + " is not contiguous (expected leading ones, then zeros)");
                }
                if (set) {
                    prefix++;
                } else {
                    ended = true;
                }
            }
        }
        return prefix;
    }

    private static byte[] maskAddress(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = prefix; i < out.length * 8; i++) {
            out[i / 8] &= (byte) ~(0x80 >>> (i % 8));
        }
        return out;
    }

    private static byte[] literalBytes(String literal, String what) {
        try {
            return InetAddress.ofLiteral(literal).getAddress();
        } catch (IllegalArgumentException e) {
            throw new LineError(what + ": expected an IPv4 or IPv6 address literal, got '" + ConfigParser.printable(literal)
                    + "' (host names are not resolved in access rules)");
        }
    }

    /** {@code interface|nic [listen|ignore|drop] all|ipv4|ipv6|wildcard|NAME|ADDRESS[/PREFIX]}. */
    private static void interfaceRule(ConfigBuilder b, Line l, String keyword) {
        Config.InterfaceRule.Action action = Config.InterfaceRule.Action.LISTEN;
        String t = l.next("listen, ignore, drop, or what to match");
        switch (t.toLowerCase(Locale.ROOT)) {
            case "listen" -> t = null;
            case "ignore" -> { action = Config.InterfaceRule.Action.IGNORE; t = null; }
            case "drop" -> { action = Config.InterfaceRule.Action.DROP; t = null; }
            default -> { }
        }
        if (t == null) {
            t = l.next("all, ipv4, ipv6, wildcard, an interface name or an address[/prefix]");
        }
        Config.InterfaceRule.Match match;
        String value = null;
        int prefix = -1;
        switch (t.toLowerCase(Locale.ROOT)) {
            case "all" -> match = Config.InterfaceRule.Match.ALL;
            case "ipv4" -> match = Config.InterfaceRule.Match.IPV4;
            case "ipv6" -> match = Config.InterfaceRule.Match.IPV6;
            case "wildcard" -> match = Config.InterfaceRule.Match.WILDCARD;
            default -> {
                String addr = t;
                int slash = t.indexOf('/');
                if (slash >= 0) {
                    addr = t.substring(0, slash);
                    prefix = parsePrefix(t.substring(slash + 1), t);
                }
                boolean literal;
                try {
                    InetAddress.ofLiteral(addr);
                    literal = true;
                } catch (IllegalArgumentException e) {
                    literal = false;
                }
                if (literal) {
                    match = Config.InterfaceRule.Match.ADDRESS;
                    value = addr;
                } else if (slash < 0 && isInterfaceName(t)) {
                    match = Config.InterfaceRule.Match.NAME;
                    value = t;
                } else {
                    throw new LineError("expected all, ipv4, ipv6, wildcard, an interface name or an address[/prefix], got '"
                            + ConfigParser.printable(t) + "'");
                }
            }
        }
        b.interfaces.add(new Config.InterfaceRule(action, match, value, prefix, l.loc));
    }

    // ------------------------------------------------------------------------------------------------ selection, discipline

    /** {@code tos} while its options are read. */
    static final class TosBuilder {
        int minSane;
        int minClock;
        int maxClock;
        int orphan;
        long orphanWaitNs;
        long maxDistNs;
        long minDistNs;
        int ceiling;
        int floor;

        TosBuilder(Config.Tos t) {
            minSane = t.minSane();
            minClock = t.minClock();
            maxClock = t.maxClock();
            orphan = t.orphanStratum();
            orphanWaitNs = t.orphanWaitNs();
            maxDistNs = t.maxDistNs();
            minDistNs = t.minDistNs();
            ceiling = t.ceiling();
            floor = t.floor();
        }

        Config.Tos build() {
            if (floor > ceiling) {
                throw new LineError("tos floor " + floor + " is above ceiling " + ceiling);
            }
            return new Config.Tos(minSane, minClock, maxClock, orphan, orphanWaitNs, maxDistNs, minDistNs, ceiling, floor);
        }
    }

    static final Table<TosBuilder> TOS_OPTIONS = new Table.Builder<TosBuilder>(Act.TOS)
            .one("minsane", NTPSEC, Arg.integer("a number of sources", 1, 32))
            .one("minclock", NTPSEC, Arg.integer("a number of sources", 1, 32))
            .one("maxclock", NTPSEC, Arg.integer("a number of sources", 1, 64))
            .one("orphan", NTPSEC, Arg.integer("a stratum", 1, 16))
            .one("orphanwait", NTPSEC, Arg.seconds(0, 86_400))
            .one("maxdist", NTPSEC, Arg.seconds(0.001, 100))
            .one("mindist", NTPSEC, Arg.seconds(0, 1)).notHonoured("")
            .one("ceiling", NTPSEC, Arg.integer("a stratum", 1, 15)).notHonoured("")
            .one("floor", NTPSEC, Arg.integer("a stratum", 1, 15)).notHonoured("")
            .one("cohort", NTPSEC, Arg.WORD).notHonoured("")
            .one("beacon", NTPSEC, Arg.WORD).notHonoured("")
            .one("bcpollbstep", NTPSEC, Arg.WORD).notHonoured("")
            .build();

    private static void tosOption(TosBuilder t, String name, Object v, Line l, String what) {
        switch (name) {
            case "minsane" -> t.minSane = (int) v;
            case "minclock" -> t.minClock = (int) v;
            case "maxclock" -> t.maxClock = (int) v;
            case "orphan" -> t.orphan = (int) v;
            case "orphanwait" -> t.orphanWaitNs = (long) v;
            case "maxdist" -> t.maxDistNs = (long) v;
            case "mindist" -> t.minDistNs = (long) v;
            case "ceiling" -> t.ceiling = (int) v;
            case "floor" -> t.floor = (int) v;
            case "cohort", "beacon", "bcpollbstep" -> { }
            default -> throw Table.noAction(name);
        }
    }

    /** {@code tinker} while its options are read. */
    static final class TinkerBuilder {
        final Config.Tinker was;
        long stepBackNs;
        long stepFwdNs;
        long panicNs;
        long stepoutNs;
        double freqPpm;
        long huffpuffNs;

        TinkerBuilder(Config.Tinker t) {
            was = t;
            stepBackNs = t.stepBackNs();
            stepFwdNs = t.stepFwdNs();
            panicNs = t.panicNs();
            stepoutNs = t.stepoutNs();
            freqPpm = t.freqPpm();
            huffpuffNs = t.huffpuffNs();
        }

        Config.Tinker build() {
            return new Config.Tinker(stepBackNs, stepFwdNs, panicNs, stepoutNs, was.stepLimit(), freqPpm,
                    was.maxSlewPpm(), huffpuffNs);
        }
    }

    static final Table<TinkerBuilder> TINKER_OPTIONS = new Table.Builder<TinkerBuilder>(Act.TINKER)
            .one("step", NTPSEC, Arg.seconds(0, 1e6))
            .one("stepback", NTPSEC, Arg.seconds(0, 1e6))
            .one("stepfwd", NTPSEC, Arg.seconds(0, 1e6))
            .one("panic", NTPSEC, Arg.seconds(0, 1e9))
            .one("stepout", NTPSEC, Arg.seconds(0, 1e6))
            .one("freq", NTPSEC, Arg.real("a frequency in ppm", -500, 500))
            .one("huffpuff", NTPSEC, Arg.seconds(900, 1e6)).notHonoured("")
            .one("allan", NTPSEC, Arg.real("a number", -1e9, 1e9)).notHonoured("its discipline differs")
            .one("dispersion", NTPSEC, Arg.real("a number", -1e9, 1e9)).notHonoured("its discipline differs")
            .build();

    private static void tinkerOption(TinkerBuilder t, String name, Object v, Line l, String what) {
        switch (name) {
            case "step" -> { t.stepBackNs = (long) v; t.stepFwdNs = (long) v; }
            case "stepback" -> t.stepBackNs = (long) v;
            case "stepfwd" -> t.stepFwdNs = (long) v;
            case "panic" -> t.panicNs = (long) v;
            case "stepout" -> t.stepoutNs = (long) v;
            case "freq" -> t.freqPpm = (double) v;
            case "huffpuff" -> t.huffpuffNs = (long) v;
            case "allan", "dispersion" -> { }
            default -> throw Table.noAction(name);
        }
    }

    /** chrony's {@code makestep THRESHOLD LIMIT}: step when off by more than THRESHOLD, at most LIMIT times (-1: always). */
    private static void makestep(ConfigBuilder b, long thresholdNs, int limit) {
        Config.Tinker t = b.tinker;
        // chrony steps at once within its limit: no ntpd-style stepout wait.
        b.tinker = new Config.Tinker(thresholdNs, thresholdNs, t.panicNs(), 0, limit, t.freqPpm(), t.maxSlewPpm(),
                t.huffpuffNs());
    }

    private static void maxSlewRate(ConfigBuilder b, double ppm) {
        Config.Tinker t = b.tinker;
        b.tinker = new Config.Tinker(t.stepBackNs(), t.stepFwdNs(), t.panicNs(), t.stepoutNs(), t.stepLimit(),
                t.freqPpm(), ppm, t.huffpuffNs());
    }

    // ------------------------------------------------------------------------------------------------ serving

    /** chrony's {@code local [stratum N] [orphan] [distance D]} while its options are read. */
    // ------------------------------------------------------------------------------------------------ broadcast

    /** One {@code broadcast} line while its options are read. */
    static final class BroadcastBuilder {
        int key;
        int version = 4;
        int pollLog2 = Config.BroadcastTarget.DEFAULT_POLL;
        int ttl = Config.BroadcastTarget.DEFAULT_TTL;
    }

    static final Table<BroadcastBuilder> BROADCAST_OPTIONS = new Table.Builder<BroadcastBuilder>(Act.BROADCAST)
            .one("key", NTPSEC, KEY_ID)
            .one("version", NTPSEC, Arg.integer("an NTP version", 1, 4))
            // ntpd's broadcast interval is the line's minpoll; below 0 (1 s) would flood a LAN for nothing
            .one("minpoll", NTPSEC, Arg.integer("log2 seconds", 0, 17))
            .one("ttl", NTPSEC, Arg.integer("a time to live", 1, 255))
            .one("maxpoll", NTPSEC, POLL).notHonoured("a broadcast is sent every 2^minpoll s")
            .build();

    private static void broadcastOption(BroadcastBuilder t, String name, Object v, Line l, String what) {
        switch (name) {
            case "key" -> t.key = (int) v;
            case "version" -> t.version = (int) v;
            case "minpoll" -> t.pollLog2 = (int) v;
            case "ttl" -> t.ttl = (int) v;
            case "maxpoll" -> { }
            default -> throw Table.noAction(name);
        }
    }

    /**
     * {@code broadcast ADDRESS [key N] [version N] [minpoll N] [ttl N]}: an IPv4 broadcast address or multicast group,
     * or an IPv6 multicast group (ff00::/8; {@code ttl} is then the hop limit).
     */
    private static void broadcast(ConfigBuilder b, Line l, String keyword) {
        String address = broadcastAddress(l.next("a broadcast address or multicast group after 'broadcast'"), keyword,
                false);
        BroadcastBuilder t = new BroadcastBuilder();
        BROADCAST_OPTIONS.readOptions(l, t, keyword);
        for (Config.BroadcastTarget other : b.broadcastTargets) {
            if (other.address().equals(address)) {
                throw new LineError("broadcast " + address + " is already configured at " + other.location());
            }
        }
        b.broadcastTargets.add(new Config.BroadcastTarget(address, t.key, t.version, t.pollLog2, t.ttl, l.loc));
    }

    /**
     * {@code broadcastclient [novolley]}: listen on every IPv4 interface's broadcast address; {@code novolley} skips
     * the calibration exchange (for every broadcast and multicast server, as ntpd's flag is global).
     */
    private static void broadcastClient(ConfigBuilder b, Line l, String keyword) {
        while (l.hasNext()) {
            String w = l.next("").toLowerCase(Locale.ROOT);
            if (!w.equals("novolley")) {
                throw new LineError("unknown option '" + ConfigParser.printable(w) + "' for broadcastclient (expected novolley)");
            }
            b.broadcastNoVolley = true;
        }
        b.broadcastClient = true;
        if (b.broadcastClientLocation == null) {
            b.broadcastClientLocation = l.loc;
        }
    }

    /** {@code multicastclient [GROUP ...]}: join the IPv4 or IPv6 groups (224.0.1.1 when none is named). */
    private static void multicastClient(ConfigBuilder b, Line l, String keyword) {
        List<String> groups = new java.util.ArrayList<>();
        while (l.hasNext()) {
            groups.add(broadcastAddress(l.next(""), keyword, true));
        }
        if (groups.isEmpty()) {
            groups.add(Config.Broadcast.DEFAULT_GROUP);
        }
        for (String g : groups) {
            if (!b.multicastGroups.contains(g)) {
                b.multicastGroups.add(g);
            }
        }
        if (b.broadcastClientLocation == null) {
            b.broadcastClientLocation = l.loc;
        }
    }

    /**
     * A broadcast line's address or a multicast client's group in its canonical form (RFC 5952 for IPv6): an IPv4
     * literal (a multicast group when {@code groupOnly}), or an IPv6 multicast group (IPv6 has no broadcast). No zone:
     * the interfaces a group is sent on or joined on are the daemon's choice, as ntpd's.
     */
    private static String broadcastAddress(String t, String keyword, boolean groupOnly) {
        if (t.indexOf(':') >= 0) {
            if (!allIn(t, "0123456789abcdefABCDEF:.")) {
                throw new LineError(keyword + ": expected an IPv4 address or IPv6 multicast group literal, got '"
                        + ConfigParser.printable(t)
                        + "' (no brackets or zone: the group is joined on every interface)");
            }
            InetAddress a;
            try {
                a = InetAddress.ofLiteral(t);
            } catch (IllegalArgumentException e) {
                throw new LineError(keyword + ": '" + ConfigParser.printable(t) + "' is not an IPv6 address");
            }
            if (!(a instanceof java.net.Inet6Address) || !a.isMulticastAddress()) {
                throw new LineError(keyword + ": " + ConfigParser.printable(t)
                        + " is not an IPv6 multicast group (IPv6 has no broadcast; expected ff00::/8, such as ff05::101"
                        + " or ff02::101)");
            }
            return org.jntpd.base.AddressText.of(a);
        }
        if (!allIn(t, "0123456789.")) {
            throw new LineError(keyword + ": expected an IPv4 address or IPv6 multicast group literal, got '"
                    + ConfigParser.printable(t) + "'");
        }
        literalBytes(t, keyword); // digits and dots only: IPv4 when it parses at all
        String g = InetAddress.ofLiteral(t).getHostAddress();
        if (groupOnly && !InetAddress.ofLiteral(g).isMulticastAddress()) {
            throw new LineError(keyword + ": " + g + " is not a multicast group (expected 224.0.0.0 to 239.255.255.255,"
                    + " or ff00::/8)");
        }
        return g;
    }


    static final class LocalBuilder {
        int stratum = 10;
        boolean orphan;
    }

    static final Table<LocalBuilder> LOCAL_OPTIONS = new Table.Builder<LocalBuilder>(Act.LOCAL)
            .one("stratum", CHRONY, Arg.integer("a stratum", 1, 15))
            .flag("orphan", CHRONY).notHonoured("")
            .one("distance", CHRONY, new Arg.Word("a distance")).notHonoured("")
            .build();

    private static void localOption(LocalBuilder t, String name, Object v, Line l, String what) {
        switch (name) {
            case "stratum" -> t.stratum = (int) v;
            case "orphan" -> t.orphan = true;
            case "distance" -> { }
            default -> throw Table.noAction(name);
        }
    }

    static final Table<Config.RateLimit[]> RATELIMIT_OPTIONS = new Table.Builder<Config.RateLimit[]>(Act.RATELIMIT)
            .one("interval", CHRONY, Arg.integer("log2 seconds", -19, 12))
            .one("burst", CHRONY, Arg.integer("a number of packets", 1, 255))
            .one("leak", CHRONY, Arg.integer("log2 of the leak ratio (1 in 2^L limited requests answered)", 1, 4))
            .build();

    private static void rateLimitOption(Config.RateLimit[] r, String name, Object v, Line l, String what) {
        Config.RateLimit was = r[0];
        r[0] = switch (name) {
            case "interval" -> new Config.RateLimit((int) v, was.burst(), was.leak(), was.global());
            case "burst" -> new Config.RateLimit(was.intervalLog2(), (int) v, was.leak(), was.global());
            case "leak" -> new Config.RateLimit(was.intervalLog2(), was.burst(), (int) v, was.global());
            default -> throw Table.noAction(name);
        };
    }

    /**
     * NTPsec-style {@code limit average A burst B kod K}: mapped onto the same limiter (average in packets/s), whose
     * interval is 2^-19..2^12 s: A from 0.00025 (2^12 s, rounded) to 500000 (2^-19 s, rounded).
     */
    static final Table<Config.RateLimit[]> LIMIT_OPTIONS = new Table.Builder<Config.RateLimit[]>(Act.LIMIT)
            .one("average", NTPSEC, Arg.real("packets per second", 0.00025, 500_000))
            .one("burst", NTPSEC, Arg.real("a number of packets", 1, 255))
            .one("kod", NTPSEC, Arg.real("packets per second", 0, 1e6)).notHonoured("KoD replies share the reply limit")
            .build();

    private static void limitOption(Config.RateLimit[] r, String name, Object v, Line l, String what) {
        Config.RateLimit was = r[0];
        switch (name) {
            case "average" -> r[0] = new Config.RateLimit((int) Math.round(-Math.log((double) v) / Math.log(2)),
                    was.burst(), was.leak(), was.global());
            case "burst" -> r[0] = new Config.RateLimit(was.intervalLog2(), (int) Math.round((double) v), was.leak(),
                    was.global());
            case "kod" -> { }
            default -> throw Table.noAction(name);
        }
    }

    /**
     * chrony's {@code clientloglimit BYTES}: from 16 clients' worth (1408 bytes; chrony's smallest table is 8 records) to
     * 32 MiB (2^18 clients; chrony allows 2 GB, but these tables live in the heap bin/jntpd caps at 64 MiB).
     */
    static final Arg.Int CLIENT_LOG_LIMIT = Arg.integer("bytes", Config.ClientLog.ENTRY_BYTES
            << Config.ClientLog.MIN_ENTRIES_LOG2, Config.ClientLog.MAX_LIMIT_BYTES);

    /**
     * ntpd's {@code mru}: its list of recent clients is jntpd's rate limiters' table, so {@code maxmem KB} is
     * {@code clientloglimit KB*1024} and {@code maxdepth N} holds N clients (rounded down to a power of two); the last
     * of them (or of the {@code clientloglimit} lines) wins, as in ntpd. The rest shapes how ntpd's list grows and
     * recycles, which a table allocated whole at start does not do.
     */
    static final Table<MruBuilder> MRU_OPTIONS;

    /** An {@code mru} line being read: the client log so far, and the line, which a size option names. */
    static final class MruBuilder {
        Config.ClientLog log;
        final Location at;

        MruBuilder(Config.ClientLog log, Location at) {
            this.log = log;
            this.at = at;
        }
    }

    static {
        String fixed = "jntpd's client table is allocated whole at start (clientloglimit, maxmem or maxdepth size it) "
                + "and a newcomer takes the slot idle the longest";
        Arg.Int kb = Arg.integer("kilobytes", CLIENT_LOG_LIMIT.min() / 1024 + 1, CLIENT_LOG_LIMIT.max() / 1024);
        Arg.Int count = Arg.integer("a number of entries", 1, 1 << Config.ClientLog.MAX_ENTRIES_LOG2);
        MRU_OPTIONS = new Table.Builder<MruBuilder>(Act.MRU)
                .one("maxmem", NTPSEC, kb)
                .one("maxdepth", NTPSEC, count)
                .one("mindepth", NTPSEC, count).notHonoured(fixed)
                .one("maxage", NTPSEC, Arg.integer("seconds", 0, Integer.MAX_VALUE)).notHonoured(fixed)
                .one("minage", NTPSEC, Arg.integer("seconds", 0, Integer.MAX_VALUE)).notHonoured(fixed)
                .one("initalloc", NTPSEC, count).notHonoured(fixed)
                .one("initmem", NTPSEC, kb).notHonoured(fixed)
                .one("incalloc", NTPSEC, count).notHonoured(fixed)
                .one("incmem", NTPSEC, kb).notHonoured(fixed)
                .build();
    }

    private static void mruOption(MruBuilder m, String name, Object v, Line l, String what) {
        switch (name) {
            case "maxmem" -> m.log = Config.ClientLog.ofBytes((int) v * 1024L, m.at);
            case "maxdepth" -> m.log = Config.ClientLog.ofEntries((int) v, m.at);
            case "mindepth", "maxage", "minage", "initalloc", "initmem", "incalloc", "incmem" -> { }
            default -> throw Table.noAction(name);
        }
    }

    /** {@code cpu N[,N...] ...}: one pinned serving worker per CPU. */
    private static void cpu(ConfigBuilder b, Line l, String keyword) {
        if (!l.hasNext()) {
            throw new LineError("expected CPU numbers after 'cpu' (e.g. cpu 1 or cpu 0,1)");
        }
        while (l.hasNext()) {
            String list = l.next("");
            for (int from = 0, comma; from <= list.length(); from = comma + 1) { // split(","), no regex hook per line
                comma = list.indexOf(',', from);
                comma = comma < 0 ? list.length() : comma;
                String part = list.substring(from, comma);
                if (part.isEmpty()) {
                    continue;
                }
                int n = CPU.parse(part, keyword);
                if (b.cpus.contains(n)) {
                    throw new LineError("cpu " + n + " is listed twice");
                }
                b.cpus.add(n);
                b.cpuLocations.put(n, l.loc);
            }
        }
    }

    static final Table<ConfigBuilder> NTS_OPTIONS = new Table.Builder<ConfigBuilder>(Act.NTS)
            .flag("enable", NTPSEC)
            .flag("disable", NTPSEC)
            .one("cert", NTPSEC, Arg.PATH)
            .one("key", NTPSEC, Arg.PATH)
            .one("cookie", NTPSEC, Arg.PATH)
            .one("mintls", NTPSEC, new Arg.Word("a TLS version")).notHonoured(TLS13_ONLY)
            .one("aead", NTPSEC, AEAD)
            .one("maxtls", NTPSEC, Arg.WORD).notHonoured(TLS13_ONLY)
            .one("tlsciphersuites", NTPSEC, Arg.WORD).notHonoured(TLS13_ONLY)
            .one("tlsecdhcurves", NTPSEC, Arg.WORD).notHonoured(TLS13_ONLY)
            .one("ca", NTPSEC, Arg.PATH)
            .build();

    private static void ntsOption(ConfigBuilder b, String name, Object v, Line l, String what) {
        switch (name) {
            case "enable" -> { b.ntsEnable = true; b.ntsEnableLocation = b.at; }
            case "disable" -> b.ntsEnable = false;
            case "cert" -> b.ntsCert = new Config.FileRef((String) v, b.at);
            case "key" -> b.ntsKey = new Config.FileRef((String) v, b.at);
            case "cookie" -> b.ntsCookie = new Config.FileRef((String) v, b.at);
            case "mintls" -> b.ntsMinTls = (String) v;
            case "aead" -> b.ntsAead = (String) v;
            case "maxtls", "tlsciphersuites", "tlsecdhcurves" -> { }
            case "ca" -> b.ntsTrustedCerts.add(new Config.FileRef((String) v, b.at));
            default -> throw Table.noAction(name);
        }
    }

    // ------------------------------------------------------------------------------------------------ files, statistics, keys

    /** The statistics files jntpd writes (daemon.StatsFiles). */
    static final List<String> WRITTEN_STATISTICS = List.of("loopstats", "peerstats", "clockstats");
    static final Table<ConfigBuilder> STATISTICS;

    static {
        Table.Builder<ConfigBuilder> t = new Table.Builder<>(Act.STATISTICS);
        for (String name : List.of("loopstats", "peerstats", "clockstats", "rawstats", "sysstats", "protostats",
                "cryptostats", "timingstats", "ntsstats", "ntskestats", "usestats")) {
            t.flag(name, NTPSEC);
            if (!WRITTEN_STATISTICS.contains(name)) {
                t.notHonoured("only " + String.join(", ", WRITTEN_STATISTICS) + " are written");
            }
        }
        STATISTICS = t.build();
    }

    private static void statistics(ConfigBuilder b, Line l, String keyword) {
        if (!l.hasNext()) {
            throw new LineError("expected statistics names (" + STATISTICS.names() + ")");
        }
        while (l.hasNext()) {
            String name = l.next("").toLowerCase(Locale.ROOT);
            STATISTICS.read(statisticsName(name, keyword), name, keyword + " " + name, l, b);
        }
    }

    private static Table.Entry<ConfigBuilder> statisticsName(String name, String keyword) {
        Table.Entry<ConfigBuilder> e = STATISTICS.find(name);
        if (e == null) {
            throw new LineError("unknown " + keyword + " '" + ConfigParser.printable(name) + "' (expected "
                    + STATISTICS.names() + ")");
        }
        return e;
    }

    /** {@code filegen NAME} while its options are read. */
    static final class FilegenBuilder {
        String file;
        String type = "day";
        boolean link = true;
        boolean enable = true;
    }

    static final Table<FilegenBuilder> FILEGEN_OPTIONS = new Table.Builder<FilegenBuilder>(Act.FILEGEN)
            .one("file", NTPSEC, new Arg.Word("a file name"))
            .one("type", NTPSEC, FILEGEN_TYPE)
            .flag("link", NTPSEC)
            .flag("nolink", NTPSEC)
            .flag("enable", NTPSEC)
            .flag("disable", NTPSEC)
            .build();

    private static void filegenOption(FilegenBuilder f, String name, Object v, Line l, String what) {
        switch (name) {
            case "file" -> f.file = (String) v;
            case "type" -> f.type = (String) v;
            case "link" -> f.link = true;
            case "nolink" -> f.link = false;
            case "enable" -> f.enable = true;
            case "disable" -> f.enable = false;
            default -> throw Table.noAction(name);
        }
    }

    private static void filegen(ConfigBuilder b, Line l, String keyword) {
        String name = l.next("a statistics name after 'filegen'").toLowerCase(Locale.ROOT);
        Table.Entry<ConfigBuilder> stats = statisticsName(name, keyword);
        FilegenBuilder f = new FilegenBuilder();
        f.file = name;
        FILEGEN_OPTIONS.readOptions(l, f, keyword);
        if (f.type.equals("age")) {
            l.notHonoured("filegen type age", "its files start by the day");
        }
        b.filegens.add(new Config.Filegen(name, f.file, f.type, f.link, f.enable, l.loc));
        if (f.enable) {
            STATISTICS.read(stats, name, keyword + " " + name, l, b);
        } else {
            b.statistics.remove(name);
        }
    }

    /** {@code keys FILE} (NTPsec's format) or {@code keyfile FILE} (chrony's): one key file, the later line wins. */
    private static void keyFile(ConfigBuilder b, String path, boolean chrony) {
        b.keysFile = new Config.FileRef(path, b.at);
        b.chronyKeyFile = chrony;
    }

    /** chrony's {@code ntsrotate}: 0 = never; otherwise at least a minute (the key is published an interval ahead). */
    private static void ntsRotate(ConfigBuilder b, int seconds) {
        if (seconds != 0 && seconds < 60) {
            throw new LineError("ntsrotate: expected 0 (never) or at least 60 seconds, got '" + seconds + "'");
        }
        b.ntsRotateS = seconds;
    }

    /** {@code trustedkey N ... ( FIRST ... LAST ) ...}. */
    private static void trustedKey(ConfigBuilder b, Line l, String keyword) {
        b.trustedKeysGiven = true;
        if (!l.hasNext()) {
            throw new LineError("expected key ids after 'trustedkey'");
        }
        while (l.hasNext()) {
            String t = l.next("");
            if (t.equals("(")) {
                int first = KEY_ID.read(l, "trustedkey range");
                if (!l.next("'...' in the key range").equals("...")) {
                    throw new LineError("trustedkey: expected '( FIRST ... LAST )'");
                }
                int last = KEY_ID.read(l, "trustedkey range");
                if (!l.next("')' closing the key range").equals(")")) {
                    throw new LineError("trustedkey: expected ')' closing the key range");
                }
                if (last < first) {
                    throw new LineError("trustedkey: range (" + first + " ... " + last + ") is empty");
                }
                for (int k = first; k <= last; k++) {
                    b.trustedKeys.add(k);
                }
            } else {
                b.trustedKeys.add(KEY_ID.parse(t, keyword));
            }
        }
    }

    /** {@code enable|disable FLAG ...}, while read: the builder and whether the flags are switched on. */
    record Switch(ConfigBuilder b, boolean on) {}

    static final Table<Switch> SYSTEM_FLAGS;

    static {
        Table.Builder<Switch> t = new Table.Builder<>(Act.SYSTEM_FLAG);
        for (String f : List.of("auth", "calibrate", "kernel", "monitor", "ntp", "stats")) {
            t.flag(f, NTPSEC);
            switch (f) {
                case "calibrate", "kernel" -> t.notHonoured("it runs its own discipline with the kernel PLL off");
                // auth is honoured where ntpd mobilises associations it was not configured with: broadcast and
                // multicast servers (a server line authenticates with its key or nts; jntpd mobilises no passive peer)
                case "auth" -> { }
                case "monitor" -> t.notHonoured("the rate limiter keeps its own table");
                case "stats" -> t.notHonoured("statistics files follow the statistics and filegen lines");
                default -> { } // ntp: clock control on or off
            }
        }
        // jntpd's: a source found to smear a leap second is excluded from selection until the leap is over.
        t.flag("smearexclude", JNTPD);
        SYSTEM_FLAGS = t.build();
    }

    private static void systemFlag(ConfigBuilder b, Line l, String keyword) {
        if (!l.hasNext()) {
            throw new LineError("expected " + SYSTEM_FLAGS.names() + " after '" + keyword + "'");
        }
        Switch s = new Switch(b, keyword.equals("enable"));
        while (l.hasNext()) {
            String f = l.next("").toLowerCase(Locale.ROOT);
            Table.Entry<Switch> e = SYSTEM_FLAGS.find(f);
            if (e == null) {
                throw new LineError("unknown system flag '" + ConfigParser.printable(f) + "' (expected "
                        + SYSTEM_FLAGS.names() + ")");
            }
            SYSTEM_FLAGS.read(e, f, keyword + " " + f, l, s);
        }
    }

    private static void include(ConfigBuilder b, Line l, String keyword) {
        String name = Arg.PATH.read(l, keyword);
        if (l.depth + 1 > MAX_INCLUDE_DEPTH) {
            throw new LineError("includefile nested deeper than " + MAX_INCLUDE_DEPTH + " levels");
        }
        Path p = Path.of(name);
        if (!p.isAbsolute() && l.baseDir != null) {
            p = l.baseDir.resolve(p);
        }
        l.include(p);
    }

    // ------------------------------------------------------------------------------------------------ the directives

    /** Every directive, by name. */
    static final Table<ConfigBuilder> DIRECTIVES = new Table.Builder<ConfigBuilder>(Act.DIRECTIVE)
            // time sources
            .grammar("server", BOTH, SERVER_OPTIONS)
            .grammar("pool", BOTH, SERVER_OPTIONS)
            .grammar("peer", BOTH, SERVER_OPTIONS)
            .grammar("refclock", BOTH, REFCLOCK_OPTIONS)
            .grammar("fudge", NTPSEC, REFCLOCK_OPTIONS)
            .grammar("broadcast", NTPSEC, BROADCAST_OPTIONS)
            .grammar("broadcastclient", NTPSEC, null)
            .grammar("multicastclient", NTPSEC, null)
            .one("broadcastdelay", NTPSEC, Arg.seconds(0, 1))
            // access and listening
            .grammar("restrict", NTPSEC, RESTRICT_FLAGS)
            .grammar("unrestrict", NTPSEC, RESTRICT_FLAGS)
            .grammar("interface", NTPSEC, null).alias(NTPSEC, "nic")
                    .notHonoured("it listens on its bindaddress lines (default: every address)")
            .one("port", CHRONY, Arg.integer("a UDP port (0 = do not serve)", 0, 65535))
            .one("bindaddress", CHRONY, Arg.ADDRESS)
            .optionalOptions("local", CHRONY, LOCAL_OPTIONS)
            .optionalOptions("ratelimit", CHRONY, RATELIMIT_OPTIONS)
            .optionalOptions("limit", NTPSEC, LIMIT_OPTIONS)
            .one("clientloglimit", CHRONY, CLIENT_LOG_LIMIT)
            .options("mru", NTPSEC, MRU_OPTIONS)
            .grammar("cpu", JNTPD, null)
            .one("workeridle", JNTPD, IDLE)
            // selection and discipline
            .options("tos", NTPSEC, TOS_OPTIONS)
            .options("tinker", NTPSEC, TINKER_OPTIONS)
            .two("makestep", CHRONY, Arg.seconds(0, 1e6), Arg.integer("a number of updates (-1 = unlimited)", -1,
                    Integer.MAX_VALUE))
            .one("maxslewrate", CHRONY, Arg.above("a rate in ppm", 0, 1e6))
            .one("clockcontrol", JNTPD, Arg.yesNo())
            .grammar("enable", NTPSEC, SYSTEM_FLAGS)
            .grammar("disable", NTPSEC, SYSTEM_FLAGS)
            // files
            .one("driftfile", BOTH, Arg.PATH)
            .one("leapfile", NTPSEC, Arg.PATH)
            .one("logfile", BOTH, Arg.PATH)
            .one("pidfile", BOTH, Arg.PATH)
            .one("controlsocket", JNTPD, Arg.SOCKET_PATH)
            .one("metrics", JNTPD, Arg.ENDPOINT)
            .one("timefile", JNTPD, Arg.PATH)
            .one("statsdir", NTPSEC, Arg.PATH)
            .grammar("statistics", NTPSEC, STATISTICS)
            .grammar("filegen", NTPSEC, FILEGEN_OPTIONS)
            .grammar("includefile", NTPSEC, null)
            // authentication
            .one("keys", NTPSEC, Arg.PATH)
            .one("keyfile", CHRONY, Arg.PATH)
            .grammar("trustedkey", NTPSEC, null)
            .one("controlkey", NTPSEC, KEY_ID)
                    .notHonoured("its mode 6 responder answers read requests only, which need no key")
            .options("nts", NTPSEC, NTS_OPTIONS)
            .one("ntsserverkey", CHRONY, Arg.PATH)
            .one("ntsservercert", CHRONY, Arg.PATH)
            .one("ntsport", CHRONY, Arg.integer("a TCP port", 1, 65535))
            .one("ntstrustedcerts", CHRONY, Arg.PATH)
            .flag("nosystemcert", CHRONY)
            .one("ntsdumpdir", BOTH, Arg.PATH)
            .one("ntsrotate", CHRONY, Arg.integer("seconds (0 = never)", 0, Integer.MAX_VALUE))
            .one("ntsrefresh", CHRONY, Arg.integer("seconds", 60, Integer.MAX_VALUE))
            .one("ntsntpserver", CHRONY, new Arg.Word("a host name"))
            .one("ntsprocesses", CHRONY, Arg.integer("a number of processes", 0, 1000))
                    .notHonoured("one NTS-KE server serves every connection on its own threads")
            .one("nocerttimecheck", CHRONY, Arg.integer("a number of updates", 0, Integer.MAX_VALUE))
            .one("ntsbootstrapsources", JNTPD, Arg.integer("a number of NTS servers", 1, 16))
            // the real-time clock
            .one("rtcfile", CHRONY, Arg.PATH)
            .flag("rtcsync", CHRONY)
            .one("rtcdevice", CHRONY, Arg.PATH)
            .flag("rtconutc", CHRONY)
            .one("rtcautotrim", CHRONY, Arg.seconds(0, 1e6))
            // ntpd's, accepted so that its files run; nothing to act on
            .skip("logconfig", NTPSEC)
            .skip("nonvolatile", NTPSEC)
            .skip("rlimit", NTPSEC)
            .skip("setvar", NTPSEC)
            .skip("mdnstries", NTPSEC)
            .skip("leapsmearinterval", NTPSEC)
            .skip("phone", NTPSEC)
            .skip("reset", NTPSEC)
            .skip("calldelay", NTPSEC)
            .skip("requestkey", NTPSEC)
            .build();

    /** What each directive does with its arguments ({@code what}: the directive as written, an alias perhaps). */
    private static void directive(ConfigBuilder b, String name, Object v, Line l, String what) {
        switch (name) {
            // time sources
            case "server", "pool", "peer" -> server(b, l, what);
            case "refclock" -> refclock(b, l, what);
            case "fudge" -> fudge(b, l, what);
            case "broadcast" -> broadcast(b, l, what);
            case "broadcastclient" -> broadcastClient(b, l, what);
            case "multicastclient" -> multicastClient(b, l, what);
            case "broadcastdelay" -> b.broadcastDelayNs = (long) v;
            // access and listening
            case "restrict", "unrestrict" -> restrict(b, l, what);
            case "interface" -> interfaceRule(b, l, what);
            case "port" -> b.port = (int) v;
            case "bindaddress" -> b.bindAddresses.add((String) v);
            case "local" -> {
                LocalBuilder o = LOCAL_OPTIONS.readOptions(l, new LocalBuilder(), what);
                b.localStratum = o.stratum;
                b.localOrphan = o.orphan;
            }
            case "ratelimit" -> {
                Config.RateLimit r = RATELIMIT_OPTIONS.readOptions(l, new Config.RateLimit[] {Config.RateLimit.DEFAULT},
                        what)[0];
                b.rateLimit = new Config.RateLimit(r.intervalLog2(), r.burst(), r.leak(), true);
            }
            case "limit" -> b.rateLimit = LIMIT_OPTIONS.readOptions(l, new Config.RateLimit[] {b.rateLimit}, what)[0];
            case "clientloglimit" -> b.clientLog = Config.ClientLog.ofBytes((int) v, b.at);
            case "mru" -> b.clientLog = MRU_OPTIONS.readOptions(l, new MruBuilder(b.clientLog, b.at), what).log;
            case "cpu" -> cpu(b, l, what);
            case "workeridle" -> b.idle = (Config.Serving.Idle) v;
            // selection and discipline
            case "tos" -> b.tos = TOS_OPTIONS.readOptions(l, new TosBuilder(b.tos), what).build();
            case "tinker" -> {
                b.tinker = TINKER_OPTIONS.readOptions(l, new TinkerBuilder(b.tinker), what).build();
                b.tinkerLocation = b.at;
            }
            case "makestep" -> {
                Table.Pair p = (Table.Pair) v;
                makestep(b, (long) p.first(), (int) p.second());
            }
            case "maxslewrate" -> maxSlewRate(b, (double) v);
            case "clockcontrol" -> b.clockControl = (boolean) v;
            case "enable", "disable" -> systemFlag(b, l, what);
            // files
            case "driftfile" -> b.driftFile = (String) v;
            case "leapfile" -> b.leapFile = (String) v;
            case "logfile" -> b.logFile = (String) v;
            case "pidfile" -> b.pidFile = (String) v;
            case "controlsocket" -> b.controlSocket = v.equals("none") ? null : (String) v;
            case "metrics" -> b.metrics = (Config.Metrics) v;
            case "timefile" -> b.timeFile = v.equals("none") ? null : (String) v;
            case "statsdir" -> b.statsDir = (String) v;
            case "statistics" -> statistics(b, l, what);
            case "filegen" -> filegen(b, l, what);
            case "includefile" -> include(b, l, what);
            // authentication
            case "keys" -> keyFile(b, (String) v, false);
            case "keyfile" -> keyFile(b, (String) v, true);
            case "trustedkey" -> trustedKey(b, l, what);
            case "controlkey" -> b.controlKey = (int) v;
            case "nts" -> NTS_OPTIONS.readOptions(l, b, what); // straight into the builder
            case "ntsserverkey" -> b.ntsKey = new Config.FileRef((String) v, b.at);
            case "ntsservercert" -> b.ntsCert = new Config.FileRef((String) v, b.at);
            case "ntsport" -> b.ntsKePort = (int) v;
            case "ntstrustedcerts" -> b.ntsTrustedCerts.add(new Config.FileRef((String) v, b.at));
            case "nosystemcert" -> b.ntsSystemCerts = false;
            case "ntsdumpdir" -> b.ntsDumpDir = new Config.FileRef((String) v, b.at);
            case "ntsrotate" -> ntsRotate(b, (int) v);
            case "ntsrefresh" -> b.ntsRefreshS = (int) v;
            case "ntsntpserver" -> b.ntsNtpServer = (String) v;
            case "ntsprocesses" -> { }
            case "nocerttimecheck" -> b.ntsNoCertTimeCheck = (int) v;
            case "ntsbootstrapsources" -> b.ntsBootstrapSources = (int) v;
            // the real-time clock
            case "rtcfile" -> { b.rtcFile = (String) v; b.rtcFileLocation = b.at; }
            case "rtcsync" -> { b.rtcSync = true; b.rtcSyncLocation = b.at; }
            case "rtcdevice" -> b.rtcDevice = (String) v;
            case "rtconutc" -> b.rtcOnUtc = true;
            case "rtcautotrim" -> { b.rtcAutotrimNs = (long) v; b.rtcAutotrimLocation = b.at; }
            default -> throw Table.noAction(name);
        }
    }
}
