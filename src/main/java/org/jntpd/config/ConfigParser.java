package org.jntpd.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses the ntp.conf dialect as NTPsec documents it, plus the extensions chrony users know by name ({@code port},
 * {@code bindaddress}, {@code local}, {@code ratelimit}, {@code makestep}, {@code rtcfile} ...). Pure: no DNS, no
 * I/O beyond reading the files named ({@code includefile}).
 *
 * <p>Every error names file:line and what was expected; all errors of a file are reported together. Lines that are
 * understood but not honoured (legacy knobs such as {@code logconfig}) are accepted and listed in
 * {@link Config#notices()}.
 */
public final class ConfigParser {
    private static final int MAX_INCLUDE_DEPTH = 5;
    private static final long NS_PER_S = 1_000_000_000L;
    private static final Set<String> STATISTICS = Set.of("loopstats", "peerstats", "clockstats", "rawstats",
            "sysstats", "protostats", "cryptostats", "timingstats", "ntsstats", "ntskestats", "usestats");
    private static final Set<String> SYSTEM_FLAGS = Set.of("auth", "calibrate", "kernel", "monitor", "ntp", "stats");
    private static final Set<String> REFCLOCK_DRIVERS = Set.of("shm", "sock", "pps", "nmea", "phc", "gpsd", "local");
    /** ntpd's refclock type numbers for legacy {@code server 127.127.T.U} lines. */
    private static final Map<Integer, String> LEGACY_REFCLOCK_TYPES =
            Map.of(1, "local", 20, "nmea", 22, "pps", 28, "shm", 46, "gpsd");

    private final List<String> errors = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();

    private final List<ServerSpec> servers = new ArrayList<>();
    private final List<RefclockBuilder> refclocks = new ArrayList<>();
    private final List<RestrictRule> restrictions = new ArrayList<>();
    private final List<Config.InterfaceRule> interfaces = new ArrayList<>();
    private final Map<String, Boolean> systemFlags = new LinkedHashMap<>();
    private final Set<String> statistics = new LinkedHashSet<>();
    private final List<Config.Filegen> filegens = new ArrayList<>();
    private final Set<Integer> trustedKeys = new TreeSet<>();
    private final List<String> bindAddresses = new ArrayList<>();
    private final List<Integer> cpus = new ArrayList<>();

    private Config.Tos tos = Config.Tos.DEFAULT;
    private Config.Tinker tinker = Config.Tinker.DEFAULT;
    private Config.RateLimit rateLimit = Config.RateLimit.DEFAULT;
    private String driftFile;
    private String leapFile;
    private String logFile;
    private String pidFile;
    private String controlSocket = Config.DEFAULT_CONTROL_SOCKET;
    private String statsDir;
    private String keysFile;
    private int controlKey;
    private int port = ServerSpec.DEFAULT_PORT;
    private int localStratum;
    private boolean localOrphan;
    private Config.Serving.Idle idle = Config.Serving.Idle.BLOCK;
    private boolean clockControl = true;
    private boolean ntsEnable;
    private String ntsCert;
    private String ntsKey;
    private String ntsCookie;
    private int ntsKePort = ServerSpec.DEFAULT_NTS_KE_PORT;
    private String ntsMinTls;
    private String ntsAead;
    private String rtcFile;
    private boolean rtcSync;
    private String rtcDevice;
    private boolean rtcOnUtc;
    private long rtcAutotrimNs;

    private ConfigParser() {}

    /** Parses a configuration file (and the files it includes). */
    public static Config parse(Path file) throws ConfigException {
        ConfigParser p = new ConfigParser();
        p.parseFile(file, 0, null);
        return p.finish();
    }

    /** Parses configuration text; {@code name} is used in messages, includes resolve against {@code baseDir}. */
    public static Config parse(String name, String text, Path baseDir) throws ConfigException {
        ConfigParser p = new ConfigParser();
        p.parseText(name, text, baseDir, 0);
        return p.finish();
    }

    private void parseFile(Path file, int depth, Location from) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String where = from == null ? "" : from + ": ";
            errors.add(where + "cannot read configuration file " + file + ": " + e.getMessage());
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        parseText(file.toString(), text, dir, depth);
    }

    private void parseText(String name, String text, Path baseDir, int depth) {
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            List<String> tokens;
            Location loc = new Location(name, i + 1);
            try {
                tokens = tokenize(lines[i], loc);
            } catch (LineError e) {
                errors.add(loc + ": " + e.getMessage());
                continue;
            }
            if (tokens.isEmpty()) {
                continue;
            }
            Line line = new Line(tokens, loc);
            try {
                directive(line, baseDir, depth);
            } catch (LineError e) {
                errors.add(loc + ": " + e.getMessage());
            }
        }
    }

    private Config finish() throws ConfigException {
        for (RefclockBuilder r : refclocks) {
            if (r.driver.equals("pps") && r.path == null) {
                r.path = "/dev/pps" + r.unit;
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        List<RefclockSpec> clocks = new ArrayList<>();
        for (RefclockBuilder r : refclocks) {
            clocks.add(r.build());
        }
        return new Config(
                List.copyOf(servers),
                List.copyOf(clocks),
                List.copyOf(restrictions),
                List.copyOf(interfaces),
                tos,
                tinker,
                new Config.Serving(port, List.copyOf(bindAddresses), localStratum, localOrphan, List.copyOf(cpus), idle,
                        rateLimit),
                new Config.Files(driftFile, leapFile, logFile, pidFile, controlSocket),
                new Config.Stats(statsDir, Collections.unmodifiableSet(new LinkedHashSet<>(statistics)),
                        List.copyOf(filegens)),
                new Config.Auth(keysFile, Collections.unmodifiableSet(new TreeSet<>(trustedKeys)), controlKey),
                new Config.Nts(ntsEnable, ntsCert, ntsKey, ntsCookie, ntsKePort, ntsMinTls, ntsAead),
                new Config.Rtc(rtcFile, rtcSync, rtcDevice, rtcOnUtc, rtcAutotrimNs),
                Collections.unmodifiableMap(new LinkedHashMap<>(systemFlags)),
                clockControl,
                List.copyOf(notices));
    }

    // ------------------------------------------------------------------------------------------------ directives

    private void directive(Line l, Path baseDir, int depth) {
        String keyword = l.next("a directive").toLowerCase(Locale.ROOT);
        switch (keyword) {
            case "server", "pool", "peer" -> server(l, keyword);
            case "refclock" -> refclock(l);
            case "fudge" -> fudge(l);
            case "restrict" -> restrict(l, false);
            case "unrestrict" -> restrict(l, true);
            case "interface", "nic" -> {
                interfaceRule(l);
                notices.add(l.loc + ": '" + keyword + "' is accepted but not honoured: jntpd listens on its bindaddress "
                        + "lines (default: every address)");
            }
            case "tos" -> tos(l);
            case "tinker" -> tinker(l);
            case "makestep" -> makestep(l);
            case "maxslewrate" -> tinker = withMaxSlew(l.doubleArg("maxslewrate", "a rate in ppm", 0, 1e6));
            case "driftfile" -> driftFile = l.pathArg("driftfile");
            case "leapfile" -> leapFile = l.pathArg("leapfile");
            case "logfile" -> logFile = l.pathArg("logfile");
            case "pidfile" -> pidFile = l.pathArg("pidfile");
            case "controlsocket" -> {
                String v = l.pathArg("controlsocket");
                controlSocket = v.equals("none") ? null : v;
            }
            case "statsdir" -> statsDir = l.pathArg("statsdir");
            case "statistics" -> statistics(l);
            case "filegen" -> filegen(l);
            case "keys" -> {
                keysFile = l.pathArg("keys");
                notices.add(l.loc + ": 'keys' is accepted but not honoured yet (symmetric-key authentication is to come)");
            }
            case "trustedkey" -> trustedKey(l);
            case "controlkey" -> controlKey = l.intArg("controlkey", "a key id", 1, 65535);
            case "enable", "disable" -> systemFlag(l, keyword.equals("enable"));
            case "includefile" -> include(l, baseDir, depth);
            case "port" -> port = l.intArg("port", "a UDP port (0 = do not serve)", 0, 65535);
            case "bindaddress" -> bindAddresses.add(addressLiteral(l, "bindaddress").getHostAddress());
            case "local" -> local(l);
            case "ratelimit" -> ratelimit(l);
            case "limit" -> ntpsecLimit(l);
            case "cpu" -> cpu(l);
            case "workeridle" -> idle = workerIdle(l);
            case "clockcontrol" -> clockControl = l.yesNo("clockcontrol");
            case "nts" -> {
                nts(l);
                notices.add(l.loc + ": 'nts' is accepted but not honoured yet (jntpd has no NTS-KE server yet)");
            }
            case "ntsserverkey" -> ntsKey = l.pathArg("ntsserverkey");
            case "ntsservercert" -> ntsCert = l.pathArg("ntsservercert");
            case "ntsport" -> ntsKePort = l.intArg("ntsport", "a TCP port", 1, 65535);
            case "rtcfile" -> rtcFile = l.pathArg("rtcfile");
            case "rtcsync" -> rtcSync = l.noMoreArgs(true);
            case "rtcdevice" -> rtcDevice = l.pathArg("rtcdevice");
            case "rtconutc" -> rtcOnUtc = l.noMoreArgs(true);
            case "rtcautotrim" -> rtcAutotrimNs = l.secondsArg("rtcautotrim", 0, 1e6);
            case "logconfig", "mru", "nonvolatile", "rlimit", "setvar", "mdnstries", "leapsmearinterval", "phone",
                    "reset", "calldelay", "requestkey", "ntsdumpdir" -> {
                notices.add(l.loc + ": '" + keyword + "' is accepted but not honoured by jntpd");
                l.skipRest();
            }
            default -> throw new LineError("unknown directive '" + keyword + "' (expected server, pool, peer, refclock, "
                    + "restrict, driftfile, leapfile, tos, tinker, statistics, filegen, keys, port, bindaddress, local, "
                    + "ratelimit, cpu, ... as in ntp.conf(5))");
        }
        l.expectEnd();
    }

    private void server(Line l, String keyword) {
        ServerSpec.Kind kind = ServerSpec.Kind.valueOf(keyword.toUpperCase(Locale.ROOT));
        ServerSpec.Family family = family(l);
        String host = l.next("a host name or address after '" + keyword + "'");
        int[] legacy = legacyRefclock(host);
        if (legacy != null) {
            legacyRefclockServer(l, legacy);
            return;
        }
        host = hostArg(host);
        int portN = ServerSpec.DEFAULT_PORT;
        int minPoll = ServerSpec.DEFAULT_MIN_POLL;
        int maxPoll = ServerSpec.DEFAULT_MAX_POLL;
        boolean minPollSet = false;
        boolean maxPollSet = false;
        boolean iburst = false;
        boolean burst = false;
        boolean prefer = false;
        boolean noselect = false;
        boolean trueChimer = false;
        boolean nts = false;
        boolean noval = false;
        boolean xleave = false;
        boolean preempt = false;
        String ca = null;
        int version = 4;
        int key = 0;
        int ntsPort = ServerSpec.DEFAULT_NTS_KE_PORT;
        long maxDelayNs = 0;
        long biasNs = 0;
        int maxSources = ServerSpec.DEFAULT_POOL_MAX_SOURCES;
        while (l.hasNext()) {
            String opt = l.next("an option").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "iburst" -> iburst = true;
                case "burst" -> burst = true;
                case "prefer" -> prefer = true;
                case "noselect" -> noselect = true;
                case "true" -> trueChimer = true;
                case "nts" -> nts = true;
                case "noval" -> noval = true;
                case "xleave" -> xleave = true;
                case "preempt" -> preempt = true;
                case "minpoll" -> { minPoll = l.intArg("minpoll", "log2 seconds", -6, 17); minPollSet = true; }
                case "maxpoll" -> { maxPoll = l.intArg("maxpoll", "log2 seconds", -6, 17); maxPollSet = true; }
                case "version" -> version = l.intArg("version", "an NTP version", 1, 4);
                case "key" -> key = l.intArg("key", "a key id", 1, 65535);
                case "port" -> portN = l.intArg("port", "a UDP port", 1, 65535);
                case "ntsport" -> ntsPort = l.intArg("ntsport", "a TCP port", 1, 65535);
                case "maxdelay" -> maxDelayNs = l.secondsArg("maxdelay", 0, 1000);
                case "bias" -> biasNs = l.signedSecondsArg("bias", 1000);
                case "maxsources" -> maxSources = l.intArg("maxsources", "a number of sources", 1, 16);
                case "ca" -> ca = l.pathArg("ca");
                case "aead" -> ntsAeadOption(l);
                case "mode" -> throw new LineError("'mode' applies to reference clocks only (refclock ... mode N)");
                default -> throw new LineError("unknown option '" + opt + "' for " + keyword + " (expected iburst, burst, "
                        + "prefer, noselect, true, minpoll N, maxpoll N, version N, key N, port N, maxdelay S, bias S, "
                        + "xleave, nts, noval, ca PATH, ntsport N, maxsources N, preempt)");
            }
        }
        if (minPollSet && maxPollSet && maxPoll < minPoll) {
            throw new LineError("maxpoll " + maxPoll + " is below minpoll " + minPoll);
        }
        if (minPollSet && !maxPollSet && maxPoll < minPoll) {
            maxPoll = minPoll;
        }
        if (maxPollSet && !minPollSet && minPoll > maxPoll) {
            minPoll = maxPoll;
        }
        if (noval && !nts) {
            throw new LineError("'noval' needs 'nts'");
        }
        if (key != 0 && nts) {
            throw new LineError("'key' and 'nts' are two kinds of authentication: choose one");
        }
        // Parsed for compatibility, not yet acted on: said, so an operator knows (authentication comes with NTS/keys).
        List<String> unhonoured = new ArrayList<>();
        if (key != 0) {
            unhonoured.add("key " + key);
        }
        if (nts) {
            unhonoured.add("nts");
        }
        if (trueChimer) {
            unhonoured.add("true");
        }
        if (preempt) {
            unhonoured.add("preempt");
        }
        if (!unhonoured.isEmpty()) {
            notices.add(l.loc + ": " + keyword + " option" + (unhonoured.size() > 1 ? "s " : " ") + String.join(", ", unhonoured)
                    + " accepted but not honoured by jntpd yet");
        }
        servers.add(new ServerSpec(kind, host, portN, family, iburst, burst, minPoll, maxPoll, prefer, noselect,
                trueChimer, version, key, nts, noval, ca, ntsPort, xleave, maxDelayNs, biasNs, maxSources, preempt, l.loc));
    }

    private void ntsAeadOption(Line l) {
        String aead = l.next("an AEAD name after 'aead'").toUpperCase(Locale.ROOT);
        if (!aead.matches("AES_SIV_CMAC_(256|384|512)")) {
            throw new LineError("aead: expected AES_SIV_CMAC_256, AES_SIV_CMAC_384 or AES_SIV_CMAC_512, got '" + aead + "'");
        }
        ntsAead = aead;
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
                throw new LineError("expected ']' closing the IPv6 address in '" + host + "'");
            }
            String zone = h.substring(close + 1);
            if (!zone.isEmpty() && !zone.matches("%[A-Za-z0-9_.-]+")) {
                throw new LineError("expected '%interface' after ']' in '" + host + "'");
            }
            h = h.substring(1, close);
            checkLiteral(h, host);
            return h + zone;
        }
        if (h.indexOf(':') >= 0) {
            String literal = h.contains("%") ? h.substring(0, h.indexOf('%')) : h;
            checkLiteral(literal, host);
            return h;
        }
        if (h.matches("[0-9.]+")) {
            checkLiteral(h, host);
            return h;
        }
        if (h.length() > 253 || !h.matches("[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?")) {
            throw new LineError("expected a host name or address, got '" + host + "'");
        }
        return h;
    }

    private static void checkLiteral(String literal, String original) {
        try {
            InetAddress.ofLiteral(literal);
        } catch (IllegalArgumentException e) {
            throw new LineError("expected an IP address, got '" + original + "'");
        }
    }

    // ------------------------------------------------------------------------------------------------ refclocks

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

    private void legacyRefclockServer(Line l, int[] typeUnit) {
        String driver = LEGACY_REFCLOCK_TYPES.get(typeUnit[0]);
        if (driver == null) {
            throw new LineError("reference clock type " + typeUnit[0] + " (127.127." + typeUnit[0] + "." + typeUnit[1]
                    + ") is not supported (expected 1 LOCAL, 20 NMEA, 22 PPS, 28 SHM or 46 GPSD)");
        }
        RefclockBuilder r = new RefclockBuilder(driver, l.loc);
        r.unit = typeUnit[1];
        refclockOptions(l, r);
        refclocks.add(r);
    }

    private void refclock(Line l) {
        String name = l.next("a driver name after 'refclock' (shm, sock, pps, nmea, phc, gpsd, local)");
        String driver = name.toLowerCase(Locale.ROOT);
        if (!REFCLOCK_DRIVERS.contains(driver)) {
            throw new LineError("unknown reference clock driver '" + name + "' (expected shm, sock, pps, nmea, phc, gpsd or local)");
        }
        RefclockBuilder r = new RefclockBuilder(driver, l.loc);
        // chrony's form puts the driver parameter right after the name: "refclock SHM 0", "refclock PPS /dev/pps0".
        if (l.hasNext() && !RefclockBuilder.OPTIONS.contains(l.peek().toLowerCase(Locale.ROOT))) {
            String param = l.next("");
            if (param.matches("\\d+")) {
                r.unit = Integer.parseInt(param);
            } else if (param.startsWith("/")) {
                r.path = param;
            } else {
                throw new LineError("expected a unit number, a device path or an option after 'refclock " + name
                        + "', got '" + param + "'");
            }
        }
        refclockOptions(l, r);
        if (r.driver.equals("sock") && r.path == null) {
            throw new LineError("refclock sock needs the socket path (refclock sock /run/chrony.ttyS0.sock)");
        }
        refclocks.add(r);
    }

    private void fudge(Line l) {
        String host = l.next("a reference clock address (127.127.T.U) after 'fudge'");
        int[] typeUnit = legacyRefclock(host);
        if (typeUnit == null) {
            throw new LineError("expected a reference clock address 127.127.T.U, got '" + host + "'");
        }
        String driver = LEGACY_REFCLOCK_TYPES.get(typeUnit[0]);
        for (int i = refclocks.size() - 1; i >= 0; i--) {
            RefclockBuilder r = refclocks.get(i);
            if (r.driver.equals(driver) && r.unit == typeUnit[1]) {
                refclockOptions(l, r);
                return;
            }
        }
        throw new LineError("fudge " + host + " comes before (or without) its 'server " + host + "' line");
    }

    private static void refclockOptions(Line l, RefclockBuilder r) {
        while (l.hasNext()) {
            String opt = l.next("an option").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "unit" -> r.unit = l.intArg("unit", "a unit number", 0, 255);
                case "prefer" -> r.prefer = true;
                case "noselect" -> r.noselect = true;
                case "true" -> r.trueChimer = true;
                case "trust" -> r.trust = true;
                case "subtype" -> r.subtype = l.intArg("subtype", "an integer", 0, Integer.MAX_VALUE);
                case "mode" -> r.mode = l.intArg("mode", "an integer", 0, Integer.MAX_VALUE);
                case "minpoll", "poll" -> r.pollLog2 = l.intArg(opt, "log2 seconds", -6, 17);
                case "maxpoll" -> l.intArg("maxpoll", "log2 seconds", -6, 17); // refclocks poll at one rate
                case "time1", "offset" -> r.offsetNs = l.signedSecondsArg(opt, 1000);
                case "time2" -> r.time2Ns = l.signedSecondsArg("time2", 1000);
                case "delay" -> r.delayNs = l.secondsArg("delay", 0, 1);
                case "precision" -> r.precisionNs = l.secondsArg("precision", 1e-9, 1);
                case "stratum" -> r.stratum = l.intArg("stratum", "a stratum", 0, 15);
                case "refid" -> r.refId = refIdArg(l, "refid");
                case "lock" -> r.lockRefId = refIdArg(l, "lock");
                case "path" -> r.path = l.pathArg("path");
                case "ppspath" -> r.ppsPath = l.pathArg("ppspath");
                case "baud" -> r.baud = baud(l);
                case "filter" -> r.filterSamples = l.intArg("filter", "a number of samples", 1, 128);
                case "width" -> r.widthNs = l.secondsArg("width", 0, 0.5);
                case "flag1", "flag2", "flag3", "flag4" -> {
                    int bit = 1 << (opt.charAt(4) - '1');
                    int v = l.intArg(opt, "0 or 1", 0, 1);
                    r.flagBits = v == 1 ? r.flagBits | bit : r.flagBits & ~bit;
                }
                default -> throw new LineError("unknown reference clock option '" + opt + "' (expected unit, refid, "
                        + "stratum, time1, time2, offset, delay, precision, poll, minpoll, filter, lock, width, prefer, "
                        + "noselect, trust, true, mode, subtype, path, ppspath, baud, flag1..flag4)");
            }
        }
    }

    private static String refIdArg(Line l, String what) {
        String v = l.next("a reference id of 1-4 characters after '" + what + "'");
        if (v.isEmpty() || v.length() > 4 || !v.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new LineError(what + ": expected 1-4 printable ASCII characters, got '" + v + "'");
        }
        return v;
    }

    private static int baud(Line l) {
        int b = l.intArg("baud", "a serial speed", 1, 4_000_000);
        if (!Set.of(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600).contains(b)) {
            throw new LineError("baud: expected one of 1200 ... 921600, got " + b);
        }
        return b;
    }

    // ------------------------------------------------------------------------------------------------ access

    private void restrict(Line l, boolean remove) {
        String first = l.next("an address, 'default' or -4/-6");
        int onlyFamily = 0;
        if (first.equals("-4") || first.equals("-6")) {
            onlyFamily = first.equals("-4") ? 4 : 6;
            first = l.next("an address or 'default'");
        }
        if (first.equalsIgnoreCase("source")) {
            notices.add(l.loc + ": 'restrict source' is accepted but not honoured (use explicit restrict lines)");
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
            RestrictFlag f;
            try {
                f = RestrictFlag.valueOf(opt.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new LineError("unknown restrict flag '" + opt + "' (expected ignore, noquery, nomodify, noserve, "
                        + "limited, kod, nopeer, nomrulist, notrust, version, ntpport, notrap, lowpriority, mask M)");
            }
            if (f == RestrictFlag.FLAKE || f == RestrictFlag.MSSNTP) {
                notices.add(l.loc + ": restrict flag '" + opt + "' is accepted but not honoured by jntpd");
            }
            flags.add(f);
        }
        if (address != null) {
            address = maskAddress(address, prefix);
            restrictions.add(new RestrictRule(address, address.length == 4 ? 4 : 6, prefix, Set.copyOf(flags), remove, l.loc));
        } else {
            for (int fam : onlyFamily == 0 ? new int[] {4, 6} : new int[] {onlyFamily}) {
                restrictions.add(new RestrictRule(null, fam, 0, Set.copyOf(flags), remove, l.loc));
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
            // fall through to the error
        }
        throw new LineError("expected a prefix length after '/' in '" + token + "'");
    }

    private static int maskToPrefix(String mask, int addressLength) {
        byte[] m = literalBytes(mask, "mask");
        if (m.length != addressLength) {
            throw new LineError("mask " + mask + " is not of the address's family");
        }
        int prefix = 0;
        boolean ended = false;
        for (byte b : m) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean set = (b >> bit & 1) != 0;
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
        for (int i = 0; i < out.length * 8; i++) {
            if (i >= prefix) {
                out[i / 8] &= (byte) ~(0x80 >>> (i % 8));
            }
        }
        return out;
    }

    private static byte[] literalBytes(String literal, String what) {
        try {
            return InetAddress.ofLiteral(literal).getAddress();
        } catch (IllegalArgumentException e) {
            throw new LineError(what + ": expected an IPv4 or IPv6 address literal, got '" + literal
                    + "' (host names are not resolved in access rules)");
        }
    }

    private static InetAddress addressLiteral(Line l, String what) {
        String a = l.next("an address after '" + what + "'");
        try {
            return InetAddress.ofLiteral(a.startsWith("[") && a.endsWith("]") ? a.substring(1, a.length() - 1) : a);
        } catch (IllegalArgumentException e) {
            throw new LineError(what + ": expected an IPv4 or IPv6 address literal, got '" + a + "'");
        }
    }

    private void interfaceRule(Line l) {
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
                } else if (slash < 0 && t.matches("[A-Za-z0-9_.:@-]{1,15}")) {
                    match = Config.InterfaceRule.Match.NAME;
                    value = t;
                } else {
                    throw new LineError("expected all, ipv4, ipv6, wildcard, an interface name or an address[/prefix], got '" + t + "'");
                }
            }
        }
        interfaces.add(new Config.InterfaceRule(action, match, value, prefix, l.loc));
    }

    // ------------------------------------------------------------------------------------------------ tuning

    private void tos(Line l) {
        Config.Tos t = tos;
        int minSane = t.minSane();
        int minClock = t.minClock();
        int maxClock = t.maxClock();
        int orphan = t.orphanStratum();
        long orphanWait = t.orphanWaitNs();
        long maxDist = t.maxDistNs();
        long minDist = t.minDistNs();
        int ceiling = t.ceiling();
        int floor = t.floor();
        if (!l.hasNext()) {
            throw new LineError("expected at least one of minsane, minclock, maxclock, orphan, orphanwait, maxdist, mindist, ceiling, floor");
        }
        while (l.hasNext()) {
            String opt = l.next("").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "minsane" -> minSane = l.intArg("minsane", "a number of sources", 1, 32);
                case "minclock" -> minClock = l.intArg("minclock", "a number of sources", 1, 32);
                case "maxclock" -> maxClock = l.intArg("maxclock", "a number of sources", 1, 64);
                case "orphan" -> orphan = l.intArg("orphan", "a stratum", 1, 16);
                case "orphanwait" -> orphanWait = l.secondsArg("orphanwait", 0, 86_400);
                case "maxdist" -> maxDist = l.secondsArg("maxdist", 0.001, 100);
                case "mindist" -> minDist = l.secondsArg("mindist", 0, 1);
                case "ceiling" -> ceiling = l.intArg("ceiling", "a stratum", 1, 15);
                case "floor" -> floor = l.intArg("floor", "a stratum", 1, 15);
                case "cohort", "beacon", "bcpollbstep" -> {
                    l.next("a value after '" + opt + "'");
                    notices.add(l.loc + ": tos " + opt + " is accepted but not honoured by jntpd");
                }
                default -> throw new LineError("unknown tos option '" + opt + "' (expected minsane, minclock, maxclock, "
                        + "orphan, orphanwait, maxdist, mindist, ceiling, floor)");
            }
        }
        if (floor > ceiling) {
            throw new LineError("tos floor " + floor + " is above ceiling " + ceiling);
        }
        tos = new Config.Tos(minSane, minClock, maxClock, orphan, orphanWait, maxDist, minDist, ceiling, floor);
    }

    private void tinker(Line l) {
        Config.Tinker t = tinker;
        long back = t.stepBackNs();
        long fwd = t.stepFwdNs();
        long panic = t.panicNs();
        long stepout = t.stepoutNs();
        double freq = t.freqPpm();
        long huffpuff = t.huffpuffNs();
        if (!l.hasNext()) {
            throw new LineError("expected at least one of step, stepback, stepfwd, panic, stepout, freq");
        }
        while (l.hasNext()) {
            String opt = l.next("").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "step" -> { back = l.secondsArg("step", 0, 1e6); fwd = back; }
                case "stepback" -> back = l.secondsArg("stepback", 0, 1e6);
                case "stepfwd" -> fwd = l.secondsArg("stepfwd", 0, 1e6);
                case "panic" -> panic = l.secondsArg("panic", 0, 1e9);
                case "stepout" -> stepout = l.secondsArg("stepout", 0, 1e6);
                case "freq" -> freq = l.doubleArg("freq", "a frequency in ppm", -500, 500);
                case "huffpuff" -> huffpuff = l.secondsArg("huffpuff", 900, 1e6);
                case "allan", "dispersion" -> {
                    l.doubleArg(opt, "a number", -1e9, 1e9);
                    notices.add(l.loc + ": tinker " + opt + " is accepted but not honoured by jntpd (its discipline differs)");
                }
                default -> throw new LineError("unknown tinker option '" + opt + "' (expected step, stepback, stepfwd, "
                        + "panic, stepout, freq, huffpuff)");
            }
        }
        tinker = new Config.Tinker(back, fwd, panic, stepout, t.stepLimit(), freq, t.maxSlewPpm(), huffpuff);
    }

    /** chrony's {@code makestep THRESHOLD LIMIT}: step when off by more than THRESHOLD, at most LIMIT times (-1: always). */
    private void makestep(Line l) {
        long threshold = l.secondsArg("makestep", 0, 1e6);
        int limit = l.intArg("makestep", "a number of updates (-1 = unlimited)", -1, Integer.MAX_VALUE);
        Config.Tinker t = tinker;
        // chrony steps at once within its limit: no ntpd-style stepout wait.
        tinker = new Config.Tinker(threshold, threshold, t.panicNs(), 0, limit, t.freqPpm(), t.maxSlewPpm(), t.huffpuffNs());
    }

    private Config.Tinker withMaxSlew(double ppm) {
        Config.Tinker t = tinker;
        return new Config.Tinker(t.stepBackNs(), t.stepFwdNs(), t.panicNs(), t.stepoutNs(), t.stepLimit(), t.freqPpm(),
                ppm, t.huffpuffNs());
    }

    private void local(Line l) {
        int stratum = 10;
        boolean orphan = false;
        while (l.hasNext()) {
            String opt = l.next("").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "stratum" -> stratum = l.intArg("stratum", "a stratum", 1, 15);
                case "orphan" -> orphan = true;
                case "distance" -> notices.add(l.loc + ": local distance " + l.next("a distance") + " is not honoured");
                default -> throw new LineError("unknown option '" + opt + "' for local (expected stratum N, orphan)");
            }
        }
        localStratum = stratum;
        localOrphan = orphan;
    }

    private void ratelimit(Line l) {
        int interval = Config.RateLimit.DEFAULT.intervalLog2();
        int burst = Config.RateLimit.DEFAULT.burst();
        int leak = Config.RateLimit.DEFAULT.leak();
        while (l.hasNext()) {
            String opt = l.next("").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "interval" -> interval = l.intArg("interval", "log2 seconds", -19, 12);
                case "burst" -> burst = l.intArg("burst", "a number of packets", 1, 255);
                case "leak" -> leak = l.intArg("leak", "log2 of the leak ratio (1 in 2^L limited requests answered)", 1, 4);
                default -> throw new LineError("unknown option '" + opt + "' for ratelimit (expected interval I, burst B, leak L)");
            }
        }
        rateLimit = new Config.RateLimit(interval, burst, leak, true);
    }

    /** NTPsec's {@code limit average A burst B kod K}: mapped onto the same limiter (average in packets/s). */
    private void ntpsecLimit(Line l) {
        int interval = rateLimit.intervalLog2();
        int burst = rateLimit.burst();
        while (l.hasNext()) {
            String opt = l.next("").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "average" -> {
                    double pps = l.doubleArg("average", "packets per second", 1e-4, 1e6);
                    interval = (int) Math.round(-Math.log(pps) / Math.log(2));
                }
                case "burst" -> burst = (int) Math.round(l.doubleArg("burst", "a number of packets", 1, 255));
                case "kod" -> {
                    l.doubleArg("kod", "packets per second", 0, 1e6);
                    notices.add(l.loc + ": limit kod is not honoured (KoD replies share the reply limit)");
                }
                default -> throw new LineError("unknown option '" + opt + "' for limit (expected average A, burst B, kod K)");
            }
        }
        rateLimit = new Config.RateLimit(interval, burst, rateLimit.leak(), rateLimit.global());
    }

    private void cpu(Line l) {
        if (!l.hasNext()) {
            throw new LineError("expected CPU numbers after 'cpu' (e.g. cpu 1 or cpu 0,1)");
        }
        while (l.hasNext()) {
            for (String part : l.next("").split(",")) {
                if (part.isEmpty()) {
                    continue;
                }
                try {
                    int n = Integer.parseInt(part);
                    if (n < 0 || n > 1023) {
                        throw new NumberFormatException();
                    }
                    if (cpus.contains(n)) {
                        throw new LineError("cpu " + n + " is listed twice");
                    }
                    cpus.add(n);
                } catch (NumberFormatException e) {
                    throw new LineError("cpu: expected CPU numbers 0-1023 separated by commas, got '" + part + "'");
                }
            }
        }
    }

    private static Config.Serving.Idle workerIdle(Line l) {
        String v = l.next("busypoll or block after 'workeridle'").toLowerCase(Locale.ROOT);
        return switch (v) {
            case "busypoll", "busy", "spin" -> Config.Serving.Idle.BUSY_POLL;
            case "block" -> Config.Serving.Idle.BLOCK;
            default -> throw new LineError("workeridle: expected busypoll or block, got '" + v + "'");
        };
    }

    private void nts(Line l) {
        if (!l.hasNext()) {
            throw new LineError("expected enable, disable, cert FILE, key FILE, cookie FILE, mintls V, maxtls V, aead A or ca L after 'nts'");
        }
        while (l.hasNext()) {
            String opt = l.next("").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "enable" -> ntsEnable = true;
                case "disable" -> ntsEnable = false;
                case "cert" -> ntsCert = l.pathArg("nts cert");
                case "key" -> ntsKey = l.pathArg("nts key");
                case "cookie" -> ntsCookie = l.pathArg("nts cookie");
                case "mintls" -> ntsMinTls = l.next("a TLS version after 'mintls'");
                case "aead" -> ntsAeadOption(l);
                case "maxtls", "tlsciphersuites", "tlsecdhcurves", "ca" -> {
                    l.next("a value after '" + opt + "'");
                    notices.add(l.loc + ": nts " + opt + " is accepted but not honoured (the JDK's TLS 1.3 defaults apply)");
                }
                default -> throw new LineError("unknown nts option '" + opt + "' (expected enable, disable, cert, key, "
                        + "cookie, mintls, maxtls, aead, ca)");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ files

    private void statistics(Line l) {
        if (!l.hasNext()) {
            throw new LineError("expected statistics names (loopstats, peerstats, clockstats, rawstats, sysstats, ...)");
        }
        while (l.hasNext()) {
            String name = l.next("").toLowerCase(Locale.ROOT);
            if (!STATISTICS.contains(name)) {
                throw new LineError("unknown statistics '" + name + "' (expected loopstats, peerstats, clockstats, "
                        + "rawstats, sysstats, protostats, cryptostats, timingstats, ntsstats, ntskestats, usestats)");
            }
            statistics.add(name);
        }
    }

    private void filegen(Line l) {
        String name = l.next("a statistics name after 'filegen'").toLowerCase(Locale.ROOT);
        if (!STATISTICS.contains(name)) {
            throw new LineError("unknown filegen '" + name + "' (expected loopstats, peerstats, clockstats, rawstats, sysstats, ...)");
        }
        String file = name;
        String type = "day";
        boolean link = true;
        boolean enable = true;
        while (l.hasNext()) {
            String opt = l.next("").toLowerCase(Locale.ROOT);
            switch (opt) {
                case "file" -> file = l.next("a file name after 'file'");
                case "type" -> {
                    type = l.next("a type after 'type'").toLowerCase(Locale.ROOT);
                    if (!Set.of("none", "pid", "day", "week", "month", "year", "age").contains(type)) {
                        throw new LineError("filegen type: expected none, pid, day, week, month, year or age, got '" + type + "'");
                    }
                }
                case "link" -> link = true;
                case "nolink" -> link = false;
                case "enable" -> enable = true;
                case "disable" -> enable = false;
                default -> throw new LineError("unknown filegen option '" + opt + "' (expected file F, type T, link, nolink, enable, disable)");
            }
        }
        filegens.add(new Config.Filegen(name, file, type, link, enable, l.loc));
        if (enable) {
            statistics.add(name);
        } else {
            statistics.remove(name);
        }
    }

    private void trustedKey(Line l) {
        if (!l.hasNext()) {
            throw new LineError("expected key ids after 'trustedkey'");
        }
        while (l.hasNext()) {
            String t = l.next("");
            if (t.equals("(")) {
                int first = l.intArg("trustedkey range", "a key id", 1, 65535);
                if (!l.next("'...' in the key range").equals("...")) {
                    throw new LineError("trustedkey: expected '( FIRST ... LAST )'");
                }
                int last = l.intArg("trustedkey range", "a key id", 1, 65535);
                if (!l.next("')' closing the key range").equals(")")) {
                    throw new LineError("trustedkey: expected ')' closing the key range");
                }
                if (last < first) {
                    throw new LineError("trustedkey: range (" + first + " ... " + last + ") is empty");
                }
                for (int k = first; k <= last; k++) {
                    trustedKeys.add(k);
                }
            } else {
                trustedKeys.add(Line.parseInt(t, "trustedkey", "a key id", 1, 65535));
            }
        }
    }

    private void systemFlag(Line l, boolean on) {
        if (!l.hasNext()) {
            throw new LineError("expected auth, calibrate, kernel, monitor, ntp or stats");
        }
        while (l.hasNext()) {
            String f = l.next("").toLowerCase(Locale.ROOT);
            if (!SYSTEM_FLAGS.contains(f)) {
                throw new LineError("unknown system flag '" + f + "' (expected auth, calibrate, kernel, monitor, ntp, stats)");
            }
            if (f.equals("calibrate") || f.equals("kernel")) {
                notices.add(l.loc + ": " + (on ? "enable " : "disable ") + f + " is accepted but not honoured "
                        + "(jntpd runs its own discipline with the kernel PLL off)");
            }
            systemFlags.put(f, on);
        }
    }

    private void include(Line l, Path baseDir, int depth) {
        String name = l.pathArg("includefile");
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
            throw new LineError("includefile nested deeper than " + MAX_INCLUDE_DEPTH + " levels");
        }
        Path p = Path.of(name);
        if (!p.isAbsolute() && baseDir != null) {
            p = baseDir.resolve(p);
        }
        parseFile(p, depth + 1, l.loc);
    }

    // ------------------------------------------------------------------------------------------------ tokens

    static List<String> tokenize(String line, Location loc) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == '#') {
                break;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '"') {
                int end = line.indexOf('"', i + 1);
                if (end < 0) {
                    throw new LineError("unterminated quoted string");
                }
                out.add(line.substring(i + 1, end));
                i = end + 1;
                continue;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(line.charAt(i)) && line.charAt(i) != '#') {
                i++;
            }
            out.add(line.substring(start, i));
        }
        return out;
    }

    /** Thrown inside one line's handling; becomes "file:line: message" and parsing goes on with the next line. */
    static final class LineError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LineError(String message) {
            super(message, null, false, false);
        }
    }

    /** The tokens of one line with a cursor. */
    static final class Line {
        private final List<String> tokens;
        final Location loc;
        private int pos;

        Line(List<String> tokens, Location loc) {
            this.tokens = tokens;
            this.loc = loc;
        }

        boolean hasNext() {
            return pos < tokens.size();
        }

        String peek() {
            return tokens.get(pos);
        }

        boolean peekIs(String s) {
            return hasNext() && tokens.get(pos).equals(s);
        }

        String next(String expected) {
            if (!hasNext()) {
                throw new LineError("expected " + expected + " at the end of the line");
            }
            return tokens.get(pos++);
        }

        void skipRest() {
            pos = tokens.size();
        }

        void expectEnd() {
            if (hasNext()) {
                throw new LineError("unexpected '" + tokens.get(pos) + "' (expected the end of the line)");
            }
        }

        boolean noMoreArgs(boolean value) {
            expectEnd();
            return value;
        }

        int intArg(String what, String expected, int min, int max) {
            return parseInt(next(expected + " after '" + what + "'"), what, expected, min, max);
        }

        static int parseInt(String t, String what, String expected, int min, int max) {
            try {
                int v = Integer.parseInt(t);
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
            throw new LineError(what + ": expected " + expected + " from " + min + " to " + max + ", got '" + t + "'");
        }

        double doubleArg(String what, String expected, double min, double max) {
            String t = next(expected + " after '" + what + "'");
            try {
                double v = Double.parseDouble(t);
                if (Double.isFinite(v) && v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
            throw new LineError(what + ": expected " + expected + " from " + min + " to " + max + ", got '" + t + "'");
        }

        /** A non-negative duration in seconds (decimal), as nanoseconds. */
        long secondsArg(String what, double minS, double maxS) {
            return Math.round(doubleArg(what, "seconds", minS, maxS) * NS_PER_S);
        }

        /** A signed duration in seconds, |value| <= maxAbsS, as nanoseconds. */
        long signedSecondsArg(String what, double maxAbsS) {
            return Math.round(doubleArg(what, "seconds", -maxAbsS, maxAbsS) * NS_PER_S);
        }

        String pathArg(String what) {
            String p = next("a path after '" + what + "'");
            if (p.indexOf('\0') >= 0) {
                throw new LineError(what + ": the path contains a NUL character");
            }
            return p;
        }

        boolean yesNo(String what) {
            String v = next("yes or no after '" + what + "'").toLowerCase(Locale.ROOT);
            return switch (v) {
                case "yes", "on", "true", "1" -> true;
                case "no", "off", "false", "0" -> false;
                default -> throw new LineError(what + ": expected yes or no, got '" + v + "'");
            };
        }
    }

    /** Mutable while parsing because ntpd's {@code fudge} lines amend a clock declared earlier. */
    private static final class RefclockBuilder {
        static final Set<String> OPTIONS = Set.of("unit", "prefer", "noselect", "true", "trust", "subtype", "mode",
                "minpoll", "maxpoll", "poll", "time1", "time2", "offset", "delay", "precision", "stratum", "refid", "lock",
                "path", "ppspath", "baud", "filter", "width", "flag1", "flag2", "flag3", "flag4");

        final String driver;
        final Location loc;
        int unit;
        String refId;
        int stratum = -1;
        long offsetNs;
        long time2Ns;
        int flagBits;
        int mode;
        int subtype;
        int pollLog2 = 4;
        int filterSamples;
        long precisionNs;
        long delayNs;
        String lockRefId;
        long widthNs;
        boolean prefer;
        boolean noselect;
        boolean trust;
        boolean trueChimer;
        String path;
        String ppsPath;
        int baud;

        RefclockBuilder(String driver, Location loc) {
            this.driver = driver;
            this.loc = loc;
        }

        RefclockSpec build() {
            return new RefclockSpec(driver, unit, refId, stratum, offsetNs, time2Ns, flagBits, mode, subtype, pollLog2,
                    filterSamples, precisionNs, delayNs, lockRefId, widthNs, prefer, noselect, trust, trueChimer, path,
                    ppsPath, baud, loc);
        }
    }
}
