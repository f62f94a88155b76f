package org.jntpd.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed configuration: immutable, everything in units named by the field. Built by {@link ConfigParser}; the
 * defaults of every field are those a configuration without that directive gets.
 *
 * @param notices  lines that were understood but are not honoured, each "file:line: why" (for the log and --check-config)
 * @param warnings lines that are honoured, but not as written (a duplicated server, a CPU the process may not use),
 *                 each "file:line: what was done instead"
 */
public record Config(
        List<ServerSpec> servers,
        List<RefclockSpec> refclocks,
        List<RestrictRule> restrictions,
        List<InterfaceRule> interfaces,
        Tos tos,
        Tinker tinker,
        Serving serving,
        Files files,
        Stats stats,
        Auth auth,
        Nts nts,
        Rtc rtc,
        Metrics metrics,
        Map<String, Boolean> systemFlags,
        Broadcast broadcast,
        boolean clockControl,
        List<String> notices,
        List<String> warnings) {

    /** Whether a {@code peer} line asks for a symmetric association (its socket shares the server's port). */
    public boolean hasSymmetricPeers() {
        for (ServerSpec s : servers) {
            if (s.kind() == ServerSpec.Kind.PEER) {
                return true;
            }
        }
        return false;
    }

    /**
     * Broadcast and multicast (RFC 5905 mode 5): what this host sends ({@code broadcast} lines) and whether it listens
     * ({@code broadcastclient}: the IPv4 broadcast addresses of its interfaces; {@code multicastclient}: the groups).
     *
     * @param targets      the {@code broadcast ADDRESS [key N] [version N] [minpoll N] [ttl N]} lines
     * @param client       {@code broadcastclient} was given
     * @param groups       the groups of {@code multicastclient} lines (224.0.1.1 when a line names none)
     * @param delayNs      {@code broadcastdelay S}: the round-trip delay the broadcast path is taken to have, which then
     *                     replaces the calibration exchange; 0 = calibrate (ntpd 4.2.8's rule)
     * @param noVolley     {@code broadcastclient novolley}: no calibration exchange (a server that cannot be asked, a
     *                     one-way link); the path's delay is {@code broadcastdelay}, or ntpd's default of 4 ms
     * @param clientLocation where the first client line is, for messages; null when there is none
     */
    public record Broadcast(List<BroadcastTarget> targets, boolean client, List<String> groups, long delayNs,
            boolean noVolley, Location clientLocation) {
        public static final Broadcast NONE = new Broadcast(List.of(), false, List.of(), 0, false, null);
        /** ntpd's multicast group (NTP.MCAST.NET), what {@code multicastclient} alone joins. */
        public static final String DEFAULT_GROUP = "224.0.1.1";

        /** Whether any client line asks to listen for broadcasts or multicasts. */
        public boolean listens() {
            return client || !groups.isEmpty();
        }
    }

    /**
     * One {@code broadcast} line: where to send mode 5 packets and how.
     *
     * @param address   a subnet broadcast address or a multicast group (IPv4 literal), or an IPv6 multicast group
     * @param keyId     sign every packet with this symmetric key; 0 = none
     * @param version   the NTP version of the packets
     * @param pollLog2  one packet every 2^pollLog2 s ({@code minpoll}; ntpd's default 6 = 64 s)
     * @param ttl       IP time to live (IPv6: hop limit) of multicast packets (ntpd's default 1: this link only)
     */
    public record BroadcastTarget(String address, int keyId, int version, int pollLog2, int ttl, Location location) {
        public static final int DEFAULT_POLL = 6;
        public static final int DEFAULT_TTL = 1;

        public boolean multicast() {
            return java.net.InetAddress.ofLiteral(address).isMulticastAddress();
        }
    }

    /** Selection and clustering ({@code tos}). Distances in ns. */
    public record Tos(int minSane, int minClock, int maxClock, int orphanStratum, long orphanWaitNs,
            long maxDistNs, long minDistNs, int ceiling, int floor) {
        public static final Tos DEFAULT = new Tos(1, 3, 10, 0, 300_000_000_000L, 1_500_000_000L, 1_000_000L, 15, 1);
    }

    /**
     * Discipline thresholds ({@code tinker}, plus chrony's {@code makestep}). A step threshold of 0 means never step.
     *
     * @param stepLimit   how many steps may be made (chrony's makestep limit); -1 = unlimited, as ntpd
     * @param freqPpm     initial frequency overriding the drift file; NaN = not set
     */
    public record Tinker(long stepBackNs, long stepFwdNs, long panicNs, long stepoutNs, int stepLimit,
            double freqPpm, double maxSlewPpm, long huffpuffNs) {
        public static final Tinker DEFAULT = new Tinker(128_000_000L, 128_000_000L, 1000_000_000_000L,
                300_000_000_000L, -1, Double.NaN, 83_333.0, 0);
    }

    /**
     * The serving side: where to listen and how the pinned workers run.
     *
     * @param port          UDP port to serve on; 0 = do not serve (client only)
     * @param bindAddresses address literals to bind; empty = the wildcard of both families
     * @param localStratum  serve the local clock as synchronised at this stratum when nothing better; 0 = off
     * @param cpus          one pinned worker per CPU listed; empty = one unpinned worker
     * @param idle          what a worker does when it has no packets
     * @param clientLog     how many clients the rate limiters and the interleaved table remember
     */
    public record Serving(int port, List<String> bindAddresses, int localStratum, boolean localOrphan,
            List<Integer> cpus, Idle idle, RateLimit rateLimit, ClientLog clientLog) {
        public enum Idle { BUSY_POLL, BLOCK }

        /** With the default {@link ClientLog}. */
        public Serving(int port, List<String> bindAddresses, int localStratum, boolean localOrphan, List<Integer> cpus,
                Idle idle, RateLimit rateLimit) {
            this(port, bindAddresses, localStratum, localOrphan, cpus, idle, rateLimit, ClientLog.DEFAULT);
        }
    }

    /**
     * chrony's {@code clientloglimit BYTES} (ntpd's {@code mru maxmem KB} or {@code maxdepth N}): the memory the server
     * may spend on remembering clients. It holds 2^{@code entriesLog2} clients in the rate limiters' tables (the client
     * list, {@value #RATE_ENTRY_BYTES} bytes each, divided among the workers) and as many replies in the interleaved
     * table ({@value #INTERLEAVED_ENTRY_BYTES} bytes each): the largest power of two whose
     * {@value #ENTRY_BYTES} bytes a client fit in the limit, as chrony counts. All allocated at start; fixed after.
     *
     * @param limitBytes what the line gave, in bytes (for messages)
     * @param location   the line, or {@link Location#BUILT_IN} for the default
     */
    public record ClientLog(long limitBytes, int entriesLog2, Location location) {
        public static final int RATE_ENTRY_BYTES = 64;
        public static final int INTERLEAVED_ENTRY_BYTES = 24;
        public static final int ENTRY_BYTES = RATE_ENTRY_BYTES + INTERLEAVED_ENTRY_BYTES;
        /** The fewest entries: 16 (the tables' smallest size). */
        public static final int MIN_ENTRIES_LOG2 = 4;
        /**
         * The most a line may ask for: 32 MiB, 2^18 clients (chrony's is 2 GB): the tables live in the Java heap, which
         * bin/jntpd caps at 64 MiB, and whatever --check-config accepts must start.
         */
        public static final int MAX_LIMIT_BYTES = 32 << 20;
        /** What {@link #MAX_LIMIT_BYTES} holds: 2^18 clients (22 MiB of tables). */
        public static final int MAX_ENTRIES_LOG2 = 18;
        /** chrony's default, 524288 bytes: 4096 clients and 4096 interleaved replies (352 KiB). */
        public static final long DEFAULT_LIMIT_BYTES = 524_288;
        public static final ClientLog DEFAULT = ofBytes(DEFAULT_LIMIT_BYTES, Location.BUILT_IN);

        /** The entries {@code limitBytes} holds (at least 16, at most 2^18). */
        public static ClientLog ofBytes(long limitBytes, Location location) {
            long entries = Math.max(1, limitBytes / ENTRY_BYTES);
            int log2 = 63 - Long.numberOfLeadingZeros(entries);
            return new ClientLog(limitBytes, Math.clamp(log2, MIN_ENTRIES_LOG2, MAX_ENTRIES_LOG2), location);
        }

        /** ntpd's {@code mru maxdepth N}: N entries, rounded down to a power of two (at least 16, at most 2^18). */
        public static ClientLog ofEntries(long entries, Location location) {
            int log2 = 63 - Long.numberOfLeadingZeros(Math.max(1, entries));
            log2 = Math.clamp(log2, MIN_ENTRIES_LOG2, MAX_ENTRIES_LOG2);
            return new ClientLog((long) ENTRY_BYTES << log2, log2, location);
        }

        /** Clients each of {@code workers} rate limiters holds: its share of the entries, a power of two (>= 16). */
        public int rateEntriesLog2PerWorker(int workers) {
            int shareLog2 = 32 - Integer.numberOfLeadingZeros(Math.max(1, workers) - 1); // ceil(log2(workers))
            return Math.max(MIN_ENTRIES_LOG2, entriesLog2 - shareLog2);
        }
    }

    /**
     * chrony's {@code ratelimit}: at most one reply per 2^intervalLog2 s on average per client address, bursts of
     * {@code burst}, and one in 2^leak limited requests answered anyway.
     *
     * @param global true when a {@code ratelimit} line applies it to every client (otherwise {@code restrict ... limited})
     */
    public record RateLimit(int intervalLog2, int burst, int leak, boolean global) {
        public static final RateLimit DEFAULT = new RateLimit(3, 8, 2, false);
    }

    /**
     * Paths of state and log files; null when not configured. {@code controlSocket}: where jntpc talks to the daemon
     * ({@link #DEFAULT_CONTROL_SOCKET} unless {@code controlsocket PATH|none} says otherwise; null = none).
     * {@code timeFile}: the time file for applications ({@code timefile PATH}; off unless configured).
     */
    public record Files(String driftFile, String leapFile, String logFile, String pidFile, String controlSocket,
            String timeFile) {}

    public static final String DEFAULT_CONTROL_SOCKET = "/run/jntpd/jntpd.sock";
    /** Where jntpc looks for the time file unless told ({@code timefile /run/jntpd/time} puts it there). */
    public static final String DEFAULT_TIME_FILE = "/run/jntpd/time";

    /** The statistics files: {@code statsdir}, {@code statistics}, {@code filegen}. */
    public record Stats(String statsDir, Set<String> enabled, List<Filegen> filegens) {}

    public record Filegen(String name, String file, String type, boolean link, boolean enable, Location location) {}

    /** A file named by a directive, with where it was named (for messages about the file: "file:line: ..."). */
    public record FileRef(String path, Location location) {
        @Override
        public String toString() {
            return path + " (" + location + ")";
        }
    }

    /**
     * Symmetric keys (RFC 5905 section 7.3, RFC 8573): NTPsec's {@code keys FILE} or chrony's {@code keyfile FILE}.
     *
     * @param keysFile        the key file, or null
     * @param chronyFormat    the file is in chrony's format ({@code keyfile}), else NTPsec's ({@code keys})
     * @param trustedKeys     the {@code trustedkey} IDs
     * @param allKeysTrusted  no {@code trustedkey} line and a chrony key file: every key of the file may be used, as
     *                        chrony does (NTPsec trusts only the keys {@code trustedkey} lists)
     */
    public record Auth(FileRef keysFile, boolean chronyFormat, Set<Integer> trustedKeys, boolean allKeysTrusted,
            int controlKey) {
        public static final Auth NONE = new Auth(null, false, Set.of(), false, 0);

        /** Whether key {@code id} may authenticate packets. */
        public boolean trusts(long id) {
            return allKeysTrusted || id <= Integer.MAX_VALUE && trustedKeys.contains((int) id);
        }
    }

    /**
     * NTS (RFC 8915). The server: NTPsec's {@code nts enable}/{@code nts cert}/{@code nts key}/{@code nts cookie}, chrony's
     * {@code ntsservercert}/{@code ntsserverkey}/{@code ntsport}/{@code ntsrotate}; the client: chrony's
     * {@code ntstrustedcerts}/{@code nosystemcert}/{@code ntsrefresh}, NTPsec's {@code nts ca}; both: {@code ntsdumpdir}.
     *
     * @param enable       the NTS-KE server runs (a certificate and its key are configured and not {@code nts disable}d)
     * @param certFile     the server's certificate chain (PEM), or null
     * @param keyFile      its private key (PEM), or null
     * @param cookieFile   the server's cookie-key file ({@code nts cookie}); null = {@code ntsdumpdir}'s, else in memory
     * @param kePort       the NTS-KE server's TCP port
     * @param aead         the AEAD the client offers first ({@code nts aead}), or null
     * @param trustedCerts certificates (PEM) the client trusts besides, or instead of, the system's
     * @param systemCerts  the client also trusts the JDK's certificate authorities ({@code nosystemcert} clears it)
     * @param dumpDir      where the client keeps its cookies across restarts and the server its keys, or null
     * @param rotateS      a new server cookie key every this many seconds; 0 = never (a fleet member reading a shared file)
     * @param refreshS     the client runs NTS-KE again after this many seconds even with cookies left
     * @param ntpServer    the NTP server name the KE server sends in its Server record ({@code ntsntpserver}), or null
     * @param noCertTimeCheckUpdates chrony's {@code nocerttimecheck N}: N > 0 lets the NTS client bootstrap with the
     *                     certificates' dates unchecked while the clock is not trusted; 0 (the default) never
     * @param bootstrapSources {@code ntsbootstrapsources N}: how many NTS servers must agree on a bootstrap's first
     *                     time; 0 = the default (2, or 1 when only one NTS source is configured)
     */
    public record Nts(boolean enable, FileRef certFile, FileRef keyFile, FileRef cookieFile, int kePort, String minTls,
            String aead, List<FileRef> trustedCerts, boolean systemCerts, FileRef dumpDir, long rotateS, long refreshS,
            String ntpServer, int noCertTimeCheckUpdates, int bootstrapSources) {
        /** chrony's ntsrefresh default: four weeks. */
        public static final long DEFAULT_REFRESH_S = 2_419_200;
        /** jntpd's rotation: a new cookie key every 12 hours. */
        public static final long DEFAULT_ROTATE_S = 43_200;
    }

    /** The hardware clock: chrony's {@code rtcfile}/{@code rtcsync}/{@code rtcdevice}/{@code rtconutc}/{@code rtcautotrim}. */
    public record Rtc(String file, boolean sync, String device, boolean onUtc, long autotrimNs) {}

    /**
     * Where {@code metrics ADDR:PORT} serves Prometheus's {@code /metrics} over HTTP; the whole record is null when the
     * directive is absent (off by default). {@code metrics PORT} alone means the loopback address.
     *
     * @param address an IPv4 or IPv6 address literal (canonical text)
     */
    public record Metrics(String address, int port) {
        public static final String DEFAULT_ADDRESS = "127.0.0.1";
    }

    /** An {@code interface}/{@code nic} rule. */
    public record InterfaceRule(Action action, Match match, String value, int prefixLen, Location location) {
        public enum Action { LISTEN, IGNORE, DROP }

        public enum Match { ALL, IPV4, IPV6, WILDCARD, NAME, ADDRESS }
    }
}
