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

    static final Table<ServerBuilder> SERVER_OPTIONS = new Table.Builder<ServerBuilder>()
            .flag("iburst", BOTH, s -> s.iburst = true)
            .flag("burst", BOTH, s -> s.burst = true)
            .flag("prefer", BOTH, s -> s.prefer = true)
            .flag("noselect", BOTH, s -> s.noselect = true)
            .flag("true", NTPSEC, s -> s.trueChimer = true).notHonoured("")
            .one("minpoll", BOTH, POLL, (s, v) -> { s.minPoll = v; s.minPollSet = true; })
            .one("maxpoll", BOTH, POLL, (s, v) -> { s.maxPoll = v; s.maxPollSet = true; })
            .one("version", BOTH, Arg.integer("an NTP version", 1, 4), (s, v) -> s.version = v)
            .one("key", BOTH, KEY_ID, (s, v) -> s.key = v)
            .one("port", BOTH, Arg.integer("a UDP port", 1, 65535), (s, v) -> s.port = v)
            .one("maxdelay", BOTH, Arg.seconds(0, 1000), (s, v) -> s.maxDelayNs = v)
            .one("bias", NTPSEC, OFFSET, (s, v) -> s.biasNs = v)
            .flag("xleave", BOTH, s -> s.xleave = true)
            .flag("nts", BOTH, s -> s.nts = true)
            .flag("noval", NTPSEC, s -> s.noval = true).notHonoured("jntpd always checks the NTS server's certificate: "
                    + "trust it with 'ca FILE' or ntstrustedcerts instead")
            .flag("nocerttimecheck", NTPSEC, s -> s.noCertTimeCheck = true)
            .one("ca", NTPSEC, Arg.PATH, (s, v) -> s.ca = v)
            .one("ntsport", BOTH, Arg.integer("a TCP port", 1, 65535), (s, v) -> { s.ntsPort = v; s.ntsPortSet = true; })
            .one("maxsources", CHRONY, Arg.integer("a number of sources", 1, 16), (s, v) -> s.maxSources = v)
            .flag("preempt", NTPSEC, s -> s.preempt = true).notHonoured("")
            .one("aead", NTPSEC, AEAD, (s, v) -> s.aead = v)
            .grammar("mode", NTPSEC, (s, l, w) -> {
                throw new LineError("'mode' applies to reference clocks only (refclock ... mode N)");
            }, null).unlisted()
            .build();

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

    static final Table<RefclockBuilder> REFCLOCK_OPTIONS = new Table.Builder<RefclockBuilder>()
            .one("unit", NTPSEC, UNIT, (r, v) -> r.unit = v)
            .one("refid", BOTH, Arg.REFID, (r, v) -> r.refId = v)
            .one("stratum", BOTH, STRATUM, (r, v) -> r.stratum = v)
            .one("time1", NTPSEC, OFFSET, (r, v) -> r.offsetNs = v).alias(CHRONY, "offset")
            // NMEA: "time2 auto" learns the sentence delay against the PPS (ppspath) and saves it (offsetfile).
            .one("time2", NTPSEC, Arg.WORD, (r, v) -> {
                r.time2Auto = v.equalsIgnoreCase("auto");
                r.time2Ns = r.time2Auto ? 0 : OFFSET.parse(v, "time2");
            })
            .one("offsetfile", NTPSEC, Arg.PATH, (r, v) -> r.offsetFile = v)
            .one("delay", CHRONY, Arg.seconds(0, 1), (r, v) -> r.delayNs = v)
            .one("precision", CHRONY, Arg.seconds(1e-9, 1), (r, v) -> r.precisionNs = v)
            .one("minpoll", NTPSEC, POLL, (r, v) -> r.pollLog2 = v).alias(CHRONY, "poll")
            .one("maxpoll", NTPSEC, POLL, (r, v) -> { }).notHonoured("a reference clock polls at one rate (minpoll)")
            .one("filter", CHRONY, Arg.integer("a number of samples", 1, 128), (r, v) -> r.filterSamples = v)
            .one("lock", CHRONY, Arg.REFID, (r, v) -> r.lockRefId = v)
            .one("width", CHRONY, Arg.seconds(0, 0.5), (r, v) -> r.widthNs = v)
            .flag("prefer", BOTH, r -> r.prefer = true)
            .flag("noselect", BOTH, r -> r.noselect = true)
            .flag("trust", CHRONY, r -> r.trust = true).notHonoured("")
            .flag("true", NTPSEC, r -> r.trueChimer = true).notHonoured("")
            .one("mode", NTPSEC, Arg.integer("an integer", 0, Integer.MAX_VALUE), (r, v) -> r.mode = v)
            .one("subtype", NTPSEC, Arg.integer("an integer", 0, Integer.MAX_VALUE), (r, v) -> r.subtype = v)
                    .notHonoured("")
            .one("path", NTPSEC, Arg.PATH, (r, v) -> r.path = v)
            .one("ppspath", NTPSEC, Arg.PATH, (r, v) -> r.ppsPath = v)
            .one("baud", NTPSEC, BAUD, (r, v) -> r.baud = v)
            .one("flag1", NTPSEC, Arg.integer("0 or 1", 0, 1), (r, v) -> r.flag(1, v == 1)).notHonoured("")
            .one("flag2", NTPSEC, Arg.integer("0 or 1", 0, 1), (r, v) -> r.flag(2, v == 1)) // PPS, NMEA: the clear edge
            .one("flag3", NTPSEC, Arg.integer("0 or 1", 0, 1), (r, v) -> r.flag(3, v == 1)).notHonoured("")
            .one("flag4", NTPSEC, Arg.integer("0 or 1", 0, 1), (r, v) -> r.flag(4, v == 1)).notHonoured("")
            .build();

    /** The drivers, by the name {@code refclock} takes. */
    static final Table<RefclockBuilder> REFCLOCK_DRIVERS = new Table.Builder<RefclockBuilder>()
            .flag("shm", BOTH, r -> { })
            .flag("sock", CHRONY, r -> { })
            .flag("pps", BOTH, r -> { })
            .flag("nmea", NTPSEC, r -> { })
            .flag("phc", CHRONY, r -> { })
            .grammar("gpsd", NTPSEC, (r, l, w) -> {
                throw new LineError("refclock gpsd (NTPsec's GPSD JSON driver) is not supported: use gpsd's shared "
                        + "memory ('refclock shm 0') or its chrony socket ('refclock sock /run/chrony.DEVICE.sock')");
            }, null)
            .flag("local", NTPSEC, r -> { }).notHonoured("use 'local stratum N' to serve the local clock")
            .build();

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
            if (!param.isEmpty() && param.chars().allMatch(c -> c >= '0' && c <= '9')) {
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
        Table.Builder<Set<RestrictFlag>> t = new Table.Builder<>();
        for (RestrictFlag f : RestrictFlag.values()) {
            t.flag(f.name().toLowerCase(Locale.ROOT), NTPSEC, s -> s.add(f));
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

    static final Table<TosBuilder> TOS_OPTIONS = new Table.Builder<TosBuilder>()
            .one("minsane", NTPSEC, Arg.integer("a number of sources", 1, 32), (t, v) -> t.minSane = v)
            .one("minclock", NTPSEC, Arg.integer("a number of sources", 1, 32), (t, v) -> t.minClock = v)
            .one("maxclock", NTPSEC, Arg.integer("a number of sources", 1, 64), (t, v) -> t.maxClock = v)
            .one("orphan", NTPSEC, Arg.integer("a stratum", 1, 16), (t, v) -> t.orphan = v)
            .one("orphanwait", NTPSEC, Arg.seconds(0, 86_400), (t, v) -> t.orphanWaitNs = v)
            .one("maxdist", NTPSEC, Arg.seconds(0.001, 100), (t, v) -> t.maxDistNs = v)
            .one("mindist", NTPSEC, Arg.seconds(0, 1), (t, v) -> t.minDistNs = v).notHonoured("")
            .one("ceiling", NTPSEC, Arg.integer("a stratum", 1, 15), (t, v) -> t.ceiling = v).notHonoured("")
            .one("floor", NTPSEC, Arg.integer("a stratum", 1, 15), (t, v) -> t.floor = v).notHonoured("")
            .one("cohort", NTPSEC, Arg.WORD, (t, v) -> { }).notHonoured("")
            .one("beacon", NTPSEC, Arg.WORD, (t, v) -> { }).notHonoured("")
            .one("bcpollbstep", NTPSEC, Arg.WORD, (t, v) -> { }).notHonoured("")
            .build();

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

    static final Table<TinkerBuilder> TINKER_OPTIONS = new Table.Builder<TinkerBuilder>()
            .one("step", NTPSEC, Arg.seconds(0, 1e6), (t, v) -> { t.stepBackNs = v; t.stepFwdNs = v; })
            .one("stepback", NTPSEC, Arg.seconds(0, 1e6), (t, v) -> t.stepBackNs = v)
            .one("stepfwd", NTPSEC, Arg.seconds(0, 1e6), (t, v) -> t.stepFwdNs = v)
            .one("panic", NTPSEC, Arg.seconds(0, 1e9), (t, v) -> t.panicNs = v)
            .one("stepout", NTPSEC, Arg.seconds(0, 1e6), (t, v) -> t.stepoutNs = v)
            .one("freq", NTPSEC, Arg.real("a frequency in ppm", -500, 500), (t, v) -> t.freqPpm = v)
            .one("huffpuff", NTPSEC, Arg.seconds(900, 1e6), (t, v) -> t.huffpuffNs = v).notHonoured("")
            .one("allan", NTPSEC, Arg.real("a number", -1e9, 1e9), (t, v) -> { }).notHonoured("its discipline differs")
            .one("dispersion", NTPSEC, Arg.real("a number", -1e9, 1e9), (t, v) -> { }).notHonoured("its discipline differs")
            .build();

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

    static final Table<BroadcastBuilder> BROADCAST_OPTIONS = new Table.Builder<BroadcastBuilder>()
            .one("key", NTPSEC, KEY_ID, (t, v) -> t.key = v)
            .one("version", NTPSEC, Arg.integer("an NTP version", 1, 4), (t, v) -> t.version = v)
            // ntpd's broadcast interval is the line's minpoll; below 0 (1 s) would flood a LAN for nothing
            .one("minpoll", NTPSEC, Arg.integer("log2 seconds", 0, 17), (t, v) -> t.pollLog2 = v)
            .one("ttl", NTPSEC, Arg.integer("a time to live", 1, 255), (t, v) -> t.ttl = v)
            .one("maxpoll", NTPSEC, POLL, (t, v) -> { }).notHonoured("a broadcast is sent every 2^minpoll s")
            .build();

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

    static final Table<LocalBuilder> LOCAL_OPTIONS = new Table.Builder<LocalBuilder>()
            .one("stratum", CHRONY, Arg.integer("a stratum", 1, 15), (t, v) -> t.stratum = v)
            .flag("orphan", CHRONY, t -> t.orphan = true).notHonoured("")
            .one("distance", CHRONY, new Arg.Word("a distance"), (t, v) -> { }).notHonoured("")
            .build();

    static final Table<Config.RateLimit[]> RATELIMIT_OPTIONS = new Table.Builder<Config.RateLimit[]>()
            .one("interval", CHRONY, Arg.integer("log2 seconds", -19, 12),
                    (r, v) -> r[0] = new Config.RateLimit(v, r[0].burst(), r[0].leak(), r[0].global()))
            .one("burst", CHRONY, Arg.integer("a number of packets", 1, 255),
                    (r, v) -> r[0] = new Config.RateLimit(r[0].intervalLog2(), v, r[0].leak(), r[0].global()))
            .one("leak", CHRONY, Arg.integer("log2 of the leak ratio (1 in 2^L limited requests answered)", 1, 4),
                    (r, v) -> r[0] = new Config.RateLimit(r[0].intervalLog2(), r[0].burst(), v, r[0].global()))
            .build();

    /**
     * NTPsec-style {@code limit average A burst B kod K}: mapped onto the same limiter (average in packets/s), whose
     * interval is 2^-19..2^12 s: A from 0.00025 (2^12 s, rounded) to 500000 (2^-19 s, rounded).
     */
    static final Table<Config.RateLimit[]> LIMIT_OPTIONS = new Table.Builder<Config.RateLimit[]>()
            .one("average", NTPSEC, Arg.real("packets per second", 0.00025, 500_000), (r, v) -> r[0] = new Config.RateLimit(
                    (int) Math.round(-Math.log(v) / Math.log(2)), r[0].burst(), r[0].leak(), r[0].global()))
            .one("burst", NTPSEC, Arg.real("a number of packets", 1, 255), (r, v) -> r[0] = new Config.RateLimit(
                    r[0].intervalLog2(), (int) Math.round(v), r[0].leak(), r[0].global()))
            .one("kod", NTPSEC, Arg.real("packets per second", 0, 1e6), (r, v) -> { })
                    .notHonoured("KoD replies share the reply limit")
            .build();

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
        MRU_OPTIONS = new Table.Builder<MruBuilder>()
                .one("maxmem", NTPSEC, kb, (m, v) -> m.log = Config.ClientLog.ofBytes(v * 1024L, m.at))
                .one("maxdepth", NTPSEC, count, (m, v) -> m.log = Config.ClientLog.ofEntries(v, m.at))
                .one("mindepth", NTPSEC, count, (c, v) -> { }).notHonoured(fixed)
                .one("maxage", NTPSEC, Arg.integer("seconds", 0, Integer.MAX_VALUE), (c, v) -> { }).notHonoured(fixed)
                .one("minage", NTPSEC, Arg.integer("seconds", 0, Integer.MAX_VALUE), (c, v) -> { }).notHonoured(fixed)
                .one("initalloc", NTPSEC, count, (c, v) -> { }).notHonoured(fixed)
                .one("initmem", NTPSEC, kb, (c, v) -> { }).notHonoured(fixed)
                .one("incalloc", NTPSEC, count, (c, v) -> { }).notHonoured(fixed)
                .one("incmem", NTPSEC, kb, (c, v) -> { }).notHonoured(fixed)
                .build();
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

    static final Table<ConfigBuilder> NTS_OPTIONS = new Table.Builder<ConfigBuilder>()
            .flag("enable", NTPSEC, b -> { b.ntsEnable = true; b.ntsEnableLocation = b.at; })
            .flag("disable", NTPSEC, b -> b.ntsEnable = false)
            .one("cert", NTPSEC, Arg.PATH, (b, v) -> b.ntsCert = new Config.FileRef(v, b.at))
            .one("key", NTPSEC, Arg.PATH, (b, v) -> b.ntsKey = new Config.FileRef(v, b.at))
            .one("cookie", NTPSEC, Arg.PATH, (b, v) -> b.ntsCookie = new Config.FileRef(v, b.at))
            .one("mintls", NTPSEC, new Arg.Word("a TLS version"), (b, v) -> b.ntsMinTls = v).notHonoured(TLS13_ONLY)
            .one("aead", NTPSEC, AEAD, (b, v) -> b.ntsAead = v)
            .one("maxtls", NTPSEC, Arg.WORD, (b, v) -> { }).notHonoured(TLS13_ONLY)
            .one("tlsciphersuites", NTPSEC, Arg.WORD, (b, v) -> { }).notHonoured(TLS13_ONLY)
            .one("tlsecdhcurves", NTPSEC, Arg.WORD, (b, v) -> { }).notHonoured(TLS13_ONLY)
            .one("ca", NTPSEC, Arg.PATH, (b, v) -> b.ntsTrustedCerts.add(new Config.FileRef(v, b.at)))
            .build();

    // ------------------------------------------------------------------------------------------------ files, statistics, keys

    /** The statistics files jntpd writes (daemon.StatsFiles). */
    static final List<String> WRITTEN_STATISTICS = List.of("loopstats", "peerstats", "clockstats");
    static final Table<ConfigBuilder> STATISTICS;

    static {
        Table.Builder<ConfigBuilder> t = new Table.Builder<>();
        for (String name : List.of("loopstats", "peerstats", "clockstats", "rawstats", "sysstats", "protostats",
                "cryptostats", "timingstats", "ntsstats", "ntskestats", "usestats")) {
            t.flag(name, NTPSEC, b -> b.statistics.add(name));
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

    static final Table<FilegenBuilder> FILEGEN_OPTIONS = new Table.Builder<FilegenBuilder>()
            .one("file", NTPSEC, new Arg.Word("a file name"), (f, v) -> f.file = v)
            .one("type", NTPSEC, FILEGEN_TYPE, (f, v) -> f.type = v)
            .flag("link", NTPSEC, f -> f.link = true)
            .flag("nolink", NTPSEC, f -> f.link = false)
            .flag("enable", NTPSEC, f -> f.enable = true)
            .flag("disable", NTPSEC, f -> f.enable = false)
            .build();

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
        Table.Builder<Switch> t = new Table.Builder<>();
        for (String f : List.of("auth", "calibrate", "kernel", "monitor", "ntp", "stats")) {
            t.flag(f, NTPSEC, s -> s.b().systemFlags.put(f, s.on()));
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
        t.flag("smearexclude", JNTPD, s -> s.b().systemFlags.put("smearexclude", s.on()));
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
    static final Table<ConfigBuilder> DIRECTIVES = new Table.Builder<ConfigBuilder>()
            // time sources
            .grammar("server", BOTH, Directives::server, SERVER_OPTIONS)
            .grammar("pool", BOTH, Directives::server, SERVER_OPTIONS)
            .grammar("peer", BOTH, Directives::server, SERVER_OPTIONS)
            .grammar("refclock", BOTH, Directives::refclock, REFCLOCK_OPTIONS)
            .grammar("fudge", NTPSEC, Directives::fudge, REFCLOCK_OPTIONS)
            .grammar("broadcast", NTPSEC, Directives::broadcast, BROADCAST_OPTIONS)
            .grammar("broadcastclient", NTPSEC, Directives::broadcastClient, null)
            .grammar("multicastclient", NTPSEC, Directives::multicastClient, null)
            .one("broadcastdelay", NTPSEC, Arg.seconds(0, 1), (b, v) -> b.broadcastDelayNs = v)
            // access and listening
            .grammar("restrict", NTPSEC, Directives::restrict, RESTRICT_FLAGS)
            .grammar("unrestrict", NTPSEC, Directives::restrict, RESTRICT_FLAGS)
            .grammar("interface", NTPSEC, Directives::interfaceRule, null).alias(NTPSEC, "nic")
                    .notHonoured("it listens on its bindaddress lines (default: every address)")
            .one("port", CHRONY, Arg.integer("a UDP port (0 = do not serve)", 0, 65535), (b, v) -> b.port = v)
            .one("bindaddress", CHRONY, Arg.ADDRESS, (b, v) -> b.bindAddresses.add(v))
            .optionalOptions("local", CHRONY, b -> new LocalBuilder(), LOCAL_OPTIONS,
                    (b, o) -> { b.localStratum = o.stratum; b.localOrphan = o.orphan; })
            .optionalOptions("ratelimit", CHRONY, b -> new Config.RateLimit[] {Config.RateLimit.DEFAULT},
                    RATELIMIT_OPTIONS, (b, r) -> b.rateLimit = new Config.RateLimit(r[0].intervalLog2(), r[0].burst(),
                            r[0].leak(), true))
            .optionalOptions("limit", NTPSEC, b -> new Config.RateLimit[] {b.rateLimit}, LIMIT_OPTIONS,
                    (b, r) -> b.rateLimit = r[0])
            .one("clientloglimit", CHRONY, CLIENT_LOG_LIMIT,
                    (b, v) -> b.clientLog = Config.ClientLog.ofBytes(v, b.at))
            .options("mru", NTPSEC, b -> new MruBuilder(b.clientLog, b.at), MRU_OPTIONS, (b, m) -> b.clientLog = m.log)
            .grammar("cpu", JNTPD, Directives::cpu, null)
            .one("workeridle", JNTPD, IDLE, (b, v) -> b.idle = v)
            // selection and discipline
            .options("tos", NTPSEC, b -> new TosBuilder(b.tos), TOS_OPTIONS, (b, t) -> b.tos = t.build())
            .options("tinker", NTPSEC, b -> new TinkerBuilder(b.tinker), TINKER_OPTIONS,
                    (b, t) -> { b.tinker = t.build(); b.tinkerLocation = b.at; })
            .two("makestep", CHRONY, Arg.seconds(0, 1e6), Arg.integer("a number of updates (-1 = unlimited)", -1,
                    Integer.MAX_VALUE), Directives::makestep)
            .one("maxslewrate", CHRONY, Arg.above("a rate in ppm", 0, 1e6), Directives::maxSlewRate)
            .one("clockcontrol", JNTPD, Arg.yesNo(), (b, v) -> b.clockControl = v)
            .grammar("enable", NTPSEC, Directives::systemFlag, SYSTEM_FLAGS)
            .grammar("disable", NTPSEC, Directives::systemFlag, SYSTEM_FLAGS)
            // files
            .one("driftfile", BOTH, Arg.PATH, (b, v) -> b.driftFile = v)
            .one("leapfile", NTPSEC, Arg.PATH, (b, v) -> b.leapFile = v)
            .one("logfile", BOTH, Arg.PATH, (b, v) -> b.logFile = v)
            .one("pidfile", BOTH, Arg.PATH, (b, v) -> b.pidFile = v)
            .one("controlsocket", JNTPD, Arg.SOCKET_PATH, (b, v) -> b.controlSocket = v.equals("none") ? null : v)
            .one("metrics", JNTPD, Arg.ENDPOINT, (b, v) -> b.metrics = v)
            .one("timefile", JNTPD, Arg.PATH, (b, v) -> b.timeFile = v.equals("none") ? null : v)
            .one("statsdir", NTPSEC, Arg.PATH, (b, v) -> b.statsDir = v)
            .grammar("statistics", NTPSEC, Directives::statistics, STATISTICS)
            .grammar("filegen", NTPSEC, Directives::filegen, FILEGEN_OPTIONS)
            .grammar("includefile", NTPSEC, Directives::include, null)
            // authentication
            .one("keys", NTPSEC, Arg.PATH, (b, v) -> keyFile(b, v, false))
            .one("keyfile", CHRONY, Arg.PATH, (b, v) -> keyFile(b, v, true))
            .grammar("trustedkey", NTPSEC, Directives::trustedKey, null)
            .one("controlkey", NTPSEC, KEY_ID, (b, v) -> b.controlKey = v)
                    .notHonoured("its mode 6 responder answers read requests only, which need no key")
            .options("nts", NTPSEC, b -> b, NTS_OPTIONS, (b, o) -> { })
            .one("ntsserverkey", CHRONY, Arg.PATH, (b, v) -> b.ntsKey = new Config.FileRef(v, b.at))
            .one("ntsservercert", CHRONY, Arg.PATH, (b, v) -> b.ntsCert = new Config.FileRef(v, b.at))
            .one("ntsport", CHRONY, Arg.integer("a TCP port", 1, 65535), (b, v) -> b.ntsKePort = v)
            .one("ntstrustedcerts", CHRONY, Arg.PATH, (b, v) -> b.ntsTrustedCerts.add(new Config.FileRef(v, b.at)))
            .flag("nosystemcert", CHRONY, b -> b.ntsSystemCerts = false)
            .one("ntsdumpdir", BOTH, Arg.PATH, (b, v) -> b.ntsDumpDir = new Config.FileRef(v, b.at))
            .one("ntsrotate", CHRONY, Arg.integer("seconds (0 = never)", 0, Integer.MAX_VALUE), Directives::ntsRotate)
            .one("ntsrefresh", CHRONY, Arg.integer("seconds", 60, Integer.MAX_VALUE), (b, v) -> b.ntsRefreshS = v)
            .one("ntsntpserver", CHRONY, new Arg.Word("a host name"), (b, v) -> b.ntsNtpServer = v)
            .one("ntsprocesses", CHRONY, Arg.integer("a number of processes", 0, 1000), (b, v) -> { })
                    .notHonoured("one NTS-KE server serves every connection on its own threads")
            .one("nocerttimecheck", CHRONY, Arg.integer("a number of updates", 0, Integer.MAX_VALUE),
                    (b, v) -> b.ntsNoCertTimeCheck = v)
            .one("ntsbootstrapsources", JNTPD, Arg.integer("a number of NTS servers", 1, 16),
                    (b, v) -> b.ntsBootstrapSources = v)
            // the real-time clock
            .one("rtcfile", CHRONY, Arg.PATH, (b, v) -> { b.rtcFile = v; b.rtcFileLocation = b.at; })
            .flag("rtcsync", CHRONY, b -> { b.rtcSync = true; b.rtcSyncLocation = b.at; })
            .one("rtcdevice", CHRONY, Arg.PATH, (b, v) -> b.rtcDevice = v)
            .flag("rtconutc", CHRONY, b -> b.rtcOnUtc = true)
            .one("rtcautotrim", CHRONY, Arg.seconds(0, 1e6), (b, v) -> { b.rtcAutotrimNs = v; b.rtcAutotrimLocation = b.at; })
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
}
