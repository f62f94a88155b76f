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
        Map<String, Boolean> systemFlags,
        boolean clockControl,
        List<String> notices,
        List<String> warnings) {

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
     */
    public record Serving(int port, List<String> bindAddresses, int localStratum, boolean localOrphan,
            List<Integer> cpus, Idle idle, RateLimit rateLimit) {
        public enum Idle { BUSY_POLL, BLOCK }
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
     */
    public record Files(String driftFile, String leapFile, String logFile, String pidFile, String controlSocket) {}

    public static final String DEFAULT_CONTROL_SOCKET = "/run/jntpd/jntpd.sock";

    /** The statistics files: {@code statsdir}, {@code statistics}, {@code filegen}. */
    public record Stats(String statsDir, Set<String> enabled, List<Filegen> filegens) {}

    public record Filegen(String name, String file, String type, boolean link, boolean enable, Location location) {}

    /** Symmetric keys (RFC 8573 / ntp.keys). */
    public record Auth(String keysFile, Set<Integer> trustedKeys, int controlKey) {}

    /** NTS server side ({@code nts ...} of NTPsec, {@code ntsserverkey}/{@code ntsservercert}/{@code ntsport} of chrony). */
    public record Nts(boolean enable, String certFile, String keyFile, String cookieFile, int kePort,
            String minTls, String aead) {}

    /** The hardware clock: chrony's {@code rtcfile}/{@code rtcsync}/{@code rtcdevice}/{@code rtconutc}/{@code rtcautotrim}. */
    public record Rtc(String file, boolean sync, String device, boolean onUtc, long autotrimNs) {}

    /** An {@code interface}/{@code nic} rule. */
    public record InterfaceRule(Action action, Match match, String value, int prefixLen, Location location) {
        public enum Action { LISTEN, IGNORE, DROP }

        public enum Match { ALL, IPV4, IPV6, WILDCARD, NAME, ADDRESS }
    }
}
