package org.jntpd.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration while it is read: what the table's entries write into, line after line (a later line overrides
 * an earlier one, as in ntpd), then {@link #build()} into the immutable {@link Config}. Every field starts at the value
 * a configuration without its directive gets.
 */
final class ConfigBuilder {
    final List<String> notices = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();

    final List<ServerSpec> servers = new ArrayList<>();
    final List<RefclockBuilder> refclocks = new ArrayList<>();
    final List<RestrictRule> restrictions = new ArrayList<>();
    final List<Config.InterfaceRule> interfaces = new ArrayList<>();
    final Map<String, Boolean> systemFlags = new LinkedHashMap<>();
    final Set<String> statistics = new LinkedHashSet<>();
    final List<Config.Filegen> filegens = new ArrayList<>();
    final Set<Integer> trustedKeys = new TreeSet<>();
    final List<String> bindAddresses = new ArrayList<>();
    final List<Integer> cpus = new ArrayList<>();
    final List<Config.BroadcastTarget> broadcastTargets = new ArrayList<>();
    final List<String> multicastGroups = new ArrayList<>();
    boolean broadcastClient;
    long broadcastDelayNs;
    boolean broadcastNoVolley;
    Location broadcastClientLocation;
    /** Where each {@code cpu} was named, for messages about it. */
    final Map<Integer, Location> cpuLocations = new LinkedHashMap<>();

    /** The line being read, for what is checked across lines at the end. */
    Location at;

    Config.Tos tos = Config.Tos.DEFAULT;
    Config.Tinker tinker = Config.Tinker.DEFAULT;
    Location tinkerLocation;
    Config.RateLimit rateLimit = Config.RateLimit.DEFAULT;
    Config.ClientLog clientLog = Config.ClientLog.DEFAULT;
    String driftFile;
    String leapFile;
    String logFile;
    String pidFile;
    String controlSocket = Config.DEFAULT_CONTROL_SOCKET;
    Config.Metrics metrics;
    String timeFile;
    String statsDir;
    Config.FileRef keysFile;
    boolean chronyKeyFile;
    boolean trustedKeysGiven;
    int controlKey;
    int port = ServerSpec.DEFAULT_PORT;
    int localStratum;
    boolean localOrphan;
    Config.Serving.Idle idle = Config.Serving.Idle.BLOCK;
    boolean clockControl = true;
    /** {@code nts enable}/{@code nts disable}, or null when neither was given. */
    Boolean ntsEnable;
    Location ntsEnableLocation;
    Config.FileRef ntsCert;
    Config.FileRef ntsKey;
    Config.FileRef ntsCookie;
    int ntsKePort = ServerSpec.DEFAULT_NTS_KE_PORT;
    String ntsMinTls;
    String ntsAead;
    final List<Config.FileRef> ntsTrustedCerts = new ArrayList<>();
    boolean ntsSystemCerts = true;
    Config.FileRef ntsDumpDir;
    long ntsRotateS = Config.Nts.DEFAULT_ROTATE_S;
    long ntsRefreshS = Config.Nts.DEFAULT_REFRESH_S;
    String ntsNtpServer;
    int ntsNoCertTimeCheck;
    int ntsBootstrapSources;
    String rtcFile;
    Location rtcFileLocation;
    boolean rtcSync;
    Location rtcSyncLocation;
    String rtcDevice;
    boolean rtcOnUtc;
    long rtcAutotrimNs;
    Location rtcAutotrimLocation;

    /**
     * What can only be checked once every line is read: settings that exclude each other (errors, added to
     * {@code errors}), and settings that are not honoured as written (notices).
     */
    void checkAcrossLines(List<String> errors) {
        if (rtcFile != null && rtcSync) {
            Location later = rtcFileLocation.line() > rtcSyncLocation.line() ? rtcFileLocation : rtcSyncLocation;
            errors.add(later + ": rtcfile (" + rtcFileLocation + ") cannot be used with rtcsync (" + rtcSyncLocation
                    + "): rtcsync leaves the RTC to the kernel's 11-minute mode, rtcfile tracks it (chrony refuses the "
                    + "pair too); keep one");
        }
        if (rtcAutotrimNs > 0 && rtcFile == null) {
            notices.add(rtcAutotrimLocation + ": 'rtcautotrim' is accepted but not honoured by jntpd: it needs an rtcfile "
                    + "(the RTC's offset is known only while it is tracked)");
        }
        checkLocks(errors);
        checkAuth(errors);
        if (tinker.stepBackNs() != tinker.stepFwdNs() && tinkerLocation != null) {
            notices.add(tinkerLocation + ": 'tinker stepback', 'tinker stepfwd' are accepted but not honoured as given: "
                    + "jntpd steps beyond the larger threshold (" + Math.max(tinker.stepBackNs(), tinker.stepFwdNs()) * 1e-9
                    + " s) both ways");
        }
    }

    /** Keys and NTS settings that only make sense together. */
    private void checkAuth(List<String> errors) {
        for (ServerSpec s : servers) {
            if (s.keyId() != 0 && keysFile == null) {
                errors.add(s.location() + ": " + s.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + s.host()
                        + " key " + s.keyId() + ": no key file (add 'keys FILE' or 'keyfile FILE')");
            } else if (s.keyId() != 0 && !trusted(s.keyId())) {
                errors.add(s.location() + ": " + s.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + s.host()
                        + " key " + s.keyId() + ": the key is not trusted (add it to a 'trustedkey' line)");
            }
        }
        if (keysFile != null && !trustedKeysGiven && !chronyKeyFile) {
            warnings.add(keysFile.location() + ": keys " + keysFile.path() + " without a 'trustedkey' line: no key is "
                    + "trusted (NTPsec's rule), so no request or reply is authenticated with them");
        }
        if (Boolean.TRUE.equals(ntsEnable) && (ntsCert == null || ntsKey == null)) {
            errors.add(ntsEnableLocation + ": 'nts enable' needs 'nts cert FILE' and 'nts key FILE' (or ntsservercert "
                    + "and ntsserverkey)");
        } else if (!Boolean.FALSE.equals(ntsEnable) && (ntsCert != null) != (ntsKey != null)) {
            Config.FileRef given = ntsCert != null ? ntsCert : ntsKey;
            errors.add(given.location() + ": the NTS server needs both a certificate and its private key ("
                    + (ntsCert == null ? "ntsservercert or 'nts cert'" : "ntsserverkey or 'nts key'") + " is missing)");
        }
    }

    private boolean trusted(int id) {
        return chronyKeyFile && !trustedKeysGiven || trustedKeys.contains(id);
    }

    /** A PPS clock's {@code lock} must name another device clock, by its refid as the daemon will give it. */
    private void checkLocks(List<String> errors) {
        List<String> refIds = new ArrayList<>();
        List<RefclockBuilder> devices = refclocks.stream().filter(r -> !r.driver.equals("local")).toList();
        for (int i = 0; i < devices.size(); i++) {
            RefclockBuilder r = devices.get(i);
            refIds.add(r.refId != null ? r.refId : RefclockSpec.defaultRefId(r.driver, i));
        }
        for (int i = 0; i < devices.size(); i++) {
            String lock = devices.get(i).lockRefId;
            if (lock == null) {
                continue;
            }
            List<String> others = new ArrayList<>(refIds);
            others.remove(i);
            if (!others.contains(lock)) {
                errors.add(devices.get(i).loc + ": refclock " + refIds.get(i) + ": 'lock " + lock + "' names no other "
                        + "configured reference clock (expected one of " + (others.isEmpty() ? "none configured"
                        : String.join(", ", others)) + ")");
            }
        }
    }

    /**
     * A {@code cpu} the process may not run on would leave its worker dead and its socket bound (a share of the
     * requests unanswered): such CPUs are left out, with a warning; when none is left, one worker serves unpinned.
     */
    void checkMachine(ConfigParser.Machine machine) {
        if (machine.usableCpus() == null || cpus.isEmpty()) {
            return;
        }
        String allowed = ranges(new TreeSet<>(machine.usableCpus()));
        for (Integer cpu : List.copyOf(cpus)) {
            if (!machine.usableCpus().contains(cpu)) {
                cpus.remove(cpu);
                warnings.add(cpuLocations.get(cpu) + ": cpu " + cpu + " is not one this process may run on (it may use "
                        + allowed + "): no worker is pinned there" + (cpus.isEmpty() ? "; one unpinned worker serves" : ""));
            }
        }
    }

    /** "0-3,6": the numbers as ranges. */
    private static String ranges(TreeSet<Integer> n) {
        StringBuilder b = new StringBuilder();
        Integer start = null;
        Integer prev = null;
        for (Integer i : n) {
            if (prev != null && i != prev + 1) {
                b.append(b.isEmpty() ? "" : ",").append(start.equals(prev) ? start : start + "-" + prev);
                start = i;
            }
            if (start == null) {
                start = i;
            }
            prev = i;
        }
        if (start != null) {
            b.append(b.isEmpty() ? "" : ",").append(start.equals(prev) ? start : start + "-" + prev);
        }
        return b.isEmpty() ? "none" : b.toString();
    }

    Config build() {
        if ((broadcastClient || !multicastGroups.isEmpty()) && !Boolean.FALSE.equals(systemFlags.get("auth"))
                && keysFile == null) {
            // ntpd's rule: with auth on (its default), a broadcast server must sign with a trusted key.
            warnings.add(broadcastClientLocation + ": broadcasts are taken only with a MAC by a trusted key (enable "
                    + "auth, ntpd's default) and no key file is configured: none will be taken; add 'disable auth' to "
                    + "take unauthenticated broadcasts, or 'keys FILE' and 'trustedkey N'");
        }
        List<RefclockSpec> clocks = new ArrayList<>();
        for (RefclockBuilder r : refclocks) {
            clocks.add(r.build(driftFile));
        }
        return new Config(
                List.copyOf(servers),
                List.copyOf(clocks),
                List.copyOf(restrictions),
                List.copyOf(interfaces),
                tos,
                tinker,
                new Config.Serving(port, List.copyOf(bindAddresses), localStratum, localOrphan, List.copyOf(cpus), idle,
                        rateLimit, clientLog),
                new Config.Files(driftFile, leapFile, logFile, pidFile, controlSocket, timeFile),
                new Config.Stats(statsDir, Collections.unmodifiableSet(new LinkedHashSet<>(statistics)),
                        List.copyOf(filegens)),
                new Config.Auth(keysFile, chronyKeyFile, Collections.unmodifiableSet(new TreeSet<>(trustedKeys)),
                        chronyKeyFile && !trustedKeysGiven, controlKey),
                new Config.Nts(!Boolean.FALSE.equals(ntsEnable) && ntsCert != null && ntsKey != null, ntsCert, ntsKey,
                        ntsCookie, ntsKePort, ntsMinTls, ntsAead, List.copyOf(ntsTrustedCerts), ntsSystemCerts,
                        ntsDumpDir, ntsRotateS, ntsRefreshS, ntsNtpServer, ntsNoCertTimeCheck, ntsBootstrapSources),
                new Config.Rtc(rtcFile, rtcSync, rtcDevice, rtcOnUtc, rtcAutotrimNs),
                metrics,
                Collections.unmodifiableMap(new LinkedHashMap<>(systemFlags)),
                new Config.Broadcast(List.copyOf(broadcastTargets), broadcastClient, List.copyOf(multicastGroups),
                        broadcastDelayNs, broadcastNoVolley, broadcastClientLocation),
                clockControl,
                List.copyOf(notices),
                List.copyOf(warnings));
    }

    /** One {@code server}/{@code pool}/{@code peer} line while its options are read. */
    static final class ServerBuilder {
        final ServerSpec.Kind kind;
        final ServerSpec.Family family;
        final String host;
        int port = ServerSpec.DEFAULT_PORT;
        int minPoll = ServerSpec.DEFAULT_MIN_POLL;
        int maxPoll = ServerSpec.DEFAULT_MAX_POLL;
        boolean minPollSet;
        boolean maxPollSet;
        boolean iburst;
        boolean burst;
        boolean prefer;
        boolean noselect;
        boolean trueChimer;
        boolean nts;
        boolean noval;
        boolean noCertTimeCheck;
        boolean xleave;
        boolean preempt;
        String ca;
        int version = 4;
        int key;
        int ntsPort = ServerSpec.DEFAULT_NTS_KE_PORT;
        boolean ntsPortSet;
        /** NTPsec's {@code server HOST:PORT nts}: the NTS-KE port written after the host, or 0. */
        int hostKePort;
        long maxDelayNs;
        long biasNs;
        int maxSources = ServerSpec.DEFAULT_POOL_MAX_SOURCES;
        /** The line's {@code aead}: it sets the daemon-wide NTS AEAD, as ntpd does. */
        String aead;

        ServerBuilder(ServerSpec.Kind kind, ServerSpec.Family family, String host) {
            this.kind = kind;
            this.family = family;
            this.host = host;
        }

        /** Checks the options against each other and fills in the poll interval not given. */
        ServerSpec build(Location loc) {
            if (minPollSet && maxPollSet && maxPoll < minPoll) {
                throw new ConfigParser.LineError("maxpoll " + maxPoll + " is below minpoll " + minPoll);
            }
            if (minPollSet && !maxPollSet && maxPoll < minPoll) {
                maxPoll = minPoll;
            }
            if (maxPollSet && !minPollSet && minPoll > maxPoll) {
                minPoll = maxPoll;
            }
            if (noval && !nts) {
                throw new ConfigParser.LineError("'noval' needs 'nts'");
            }
            if (noCertTimeCheck && !nts) {
                throw new ConfigParser.LineError("'nocerttimecheck' needs 'nts'");
            }
            if (!nts && (ca != null || ntsPortSet || hostKePort != 0)) {
                throw new ConfigParser.LineError((ca != null ? "'ca'" : ntsPortSet ? "'ntsport'" : "HOST:PORT (NTPsec's "
                        + "form for the NTS-KE port)") + " needs 'nts'");
            }
            if (hostKePort != 0) {
                if (ntsPortSet && ntsPort != hostKePort) {
                    throw new ConfigParser.LineError("the NTS-KE port is given twice: " + hostKePort + " after the host, "
                            + "ntsport " + ntsPort);
                }
                ntsPort = hostKePort;
            }
            if (nts && kind == ServerSpec.Kind.PEER) {
                throw new ConfigParser.LineError("'nts' applies to server and pool lines: NTS has no symmetric mode "
                        + "(use 'key N' with a peer)");
            }
            if (key != 0 && nts) {
                throw new ConfigParser.LineError("'key' and 'nts' are two kinds of authentication: choose one");
            }
            return new ServerSpec(kind, host, port, family, iburst, burst, minPoll, maxPoll, prefer, noselect,
                    trueChimer, version, key, nts, noval, noCertTimeCheck, ca, ntsPort, xleave, maxDelayNs, biasNs,
                    maxSources, preempt, loc);
        }
    }

    /** Mutable while parsing because ntpd's {@code fudge} lines amend a clock declared earlier. */
    static final class RefclockBuilder {
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
        boolean time2Auto;
        String offsetFile;

        RefclockBuilder(String driver, Location loc) {
            this.driver = driver;
            this.loc = loc;
        }

        void flag(int n, boolean on) {
            int bit = 1 << (n - 1);
            flagBits = on ? flagBits | bit : flagBits & ~bit;
        }

        /** @param driftFile the drift file, whose directory holds a learnt NMEA delay by default; null = none */
        RefclockSpec build(String driftFile) {
            String p = path == null && driver.equals("pps") ? "/dev/pps" + unit : path;
            String offsets = offsetFile;
            if (time2Auto && offsets == null && driftFile != null) {
                offsets = java.nio.file.Path.of(driftFile).resolveSibling("nmea" + unit + ".offset").toString();
            }
            return new RefclockSpec(driver, unit, refId, stratum, offsetNs, time2Ns, flagBits, mode, subtype, pollLog2,
                    filterSamples, precisionNs, delayNs, lockRefId, widthNs, prefer, noselect, trust, trueChimer, p,
                    ppsPath, baud, time2Auto, offsets, loc);
        }
    }
}
