package org.jntpd.perf;

import static org.jntpd.time.Units.NS_PER_MS;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Settings of one {@code jntpc perf} run, parsed from its command line. Rates are requests per second; a fixed rate is
 * a ramp of one step. Parse errors ({@link IllegalArgumentException}) name the option and what was expected.
 *
 * @param host             server host name or address (loopback unless {@code allowNonLoopback})
 * @param port             server UDP port
 * @param startRate        offered rate of the first step
 * @param stepRate         increase per step (0: one step)
 * @param maxRate          offered rate of the last step
 * @param stepNs           duration of each step
 * @param warmUpNs         unreported warm-up at the first step's rate before the first step
 * @param sockets          client sockets the requests are spread over (round robin, one batch each)
 * @param batch            requests per sendmmsg and replies per recvmmsg
 * @param cpu              CPU to pin the generator thread to, -1: no pinning
 * @param version          NTP version of the requests (1-4)
 * @param xleave           interleaved requests (chrony's server interleaved mode)
 * @param kernelTxStamps   T1 from kernel TX timestamps (else a clock reading before sendmmsg)
 * @param timeoutNs        a reply later than this after its request counts as lost
 * @param stopLossPercent  a ramp stops after a step losing more than this
 * @param maxRequests      hard limit on requests sent in all
 * @param kv               print key=value lines instead of the table
 * @param allowNonLoopback allow a target outside 127.0.0.0/8 and ::1 (inside a test network namespace)
 * @param lossLimitPercent a step losing at most this much counts as sustained
 * @param raw              the raw sender's settings, or null for the socket sender
 * @param ntsKe            NTS: the NTS-KE server (HOST[:PORT]) to get keys and cookies from; null = plain NTP
 * @param ntsCa            NTS: the PEM certificate(s) to trust for NTS-KE; null = the JDK's authorities
 * @param ntsVerifyEvery   NTS: check the authenticator of one reply in this many (0 = none)
 */
public record PerfOptions(String host, int port, long startRate, long stepRate, long maxRate, long stepNs,
        long warmUpNs, int sockets, int batch, int cpu, int version, boolean xleave, boolean kernelTxStamps,
        long timeoutNs, double stopLossPercent, long maxRequests, boolean kv, boolean allowNonLoopback,
        double lossLimitPercent, Raw raw, String ntsKe, String ntsCa, int ntsVerifyEvery) {

    /**
     * The raw sender (--raw): AF_XDP on {@code device}, prebuilt Ethernet frames to {@code serverMac} from
     * {@code sources} addresses counted up from {@code sourceBase} (IPv4, host order), replies counted in XDP.
     */
    public record Raw(String device, byte[] serverMac, int sourceBase, int sources) {
    }

    public static final int DEFAULT_PORT = 123;
    public static final long DEFAULT_RATE = 1000;
    public static final double DEFAULT_STEP_S = 2;
    public static final int DEFAULT_SOCKETS = 8;
    public static final int DEFAULT_BATCH = 16;
    public static final long DEFAULT_TIMEOUT_MS = 500;
    public static final double DEFAULT_STOP_LOSS_PERCENT = 10;
    public static final double DEFAULT_LOSS_LIMIT_PERCENT = 0.1;
    /** Highest offered rate accepted: well above what one core can send. */
    public static final long MAX_RATE = 10_000_000;
    /** Longest step accepted: every run is bounded in time. */
    public static final double MAX_STEP_S = 3600;
    public static final long DEFAULT_MAX_REQUESTS = 1_000_000_000L;
    /** Sequence numbers have 40 bits. */
    public static final long MAX_REQUESTS = 1_000_000_000_000L;
    public static final int DEFAULT_NTS_KE_PORT = 4460;
    public static final int DEFAULT_NTS_VERIFY_EVERY = 16;

    public static final String USAGE = """
            usage: jntpc perf [options] HOST[:PORT]
            Open-loop NTP load generator: client requests leave at their scheduled times whatever the replies do;
            each reply is matched to its request by the sequence number carried in the transmit timestamp (echoed in
            origin). Per rate step it reports the offered and sustained reply rate, loss, the server's response
            time T3-T2 (its own RX and TX stamps), the delay T4-T1-(T3-T2) and the round trip T4-T1 (T1, T4: kernel
            TX and RX timestamps), each as p50/p99/max; for a ramp, the highest reply rate at <= 0.1% loss.
            Client and server share this machine's clock, so it also reports the server's timestamp errors against
            the wire: T2-T1 (its RX stamp against the request leaving the client) and T3-T4 (its TX stamp against the
            reply reaching the client; in --xleave runs, the precise T3 of the earlier reply against that reply's
            arrival), as p50 [p1,p99]: on loopback and veth both client stamps are taken as the packet crosses.
            Traffic goes to loopback only (127.0.0.0/8, ::1) unless --allow-nonloopback.

              HOST[:PORT]              server (IPv6 as [::1]:PORT); port 123 when left out
              --rate N                 fixed offered rate, requests/s (default 1000)
              --ramp START,STEP,MAX    rates START, START+STEP, ... up to MAX requests/s
              --duration S             seconds per rate step (default 2; the whole run for --rate)
              --warmup S               seconds at the first rate before measuring, not reported (default 0)
              --sockets N              client sockets, requests spread round robin by batch (default 8)
              --batch N                requests per sendmmsg, replies per recvmmsg, 1-1024 (default 16)
              --cpu N                  pin the generator thread to CPU N
              --version N              NTP version of the requests, 1-4 (default 4)
              --xleave                 interleaved requests (origin = the server's receive timestamp of an
                                       earlier reply); server times then come from its precise TX stamps
              --user-tx-stamps         T1 from a clock reading before sendmmsg instead of kernel TX stamps
                                       (lighter on the generator; T4-T1 then includes the send call)
              --timeout-ms N           a reply later than this counts as lost (default 500)
              --loss-limit PCT         a step losing at most PCT % counts as sustained (default 0.1)
              --stop-loss PCT          end a ramp after a step losing more than PCT % (default 10; --raw:
                                       after two such steps in a row)
              --max-requests N         stop after N requests in all (default 1e9)
              --kv                     key=value lines (for scripts) instead of the table
              --allow-nonloopback      allow other targets (inside a network namespace you made)
            Raw sender (root; the server must route the source addresses back through DEV):
              --raw DEV                send prebuilt frames through AF_XDP on DEV (copy mode) in paced batches
                                       of 32, count replies in an XDP program on DEV (dropped there): the
                                       generator is not the limit on 2 cores. HOST is an IPv4 address.
              --raw-mac MAC            the server's (next hop's) Ethernet address (required with --raw)
              --raw-sources IP/N       send from N addresses counted up from IP (default: DEV's first IPv4/1)
            With --raw, T3-T2 comes in 0.95 us buckets and T3-T4 (T4: the XDP program's clock on arrival, the
            veth's NAPI poll) in 0.26 us buckets; no per-request matching, so loss = 1 - replies/sent.
              --nts KEHOST[:PORT]      NTS requests (RFC 8915): keys and cookies from this NTS-KE server (port 4460
                                       when left out), one exchange per socket; every request sealed with its
                                       socket's keys and a cookie (the server keeps no record of cookies)
              --nts-ca FILE            certificate(s) (PEM) to trust for NTS-KE (default: the JDK's authorities)
              --nts-verify N           check the authenticator of one reply in N (default 16, 0 = none); replies
                                       that fail count as lost and as nts_not_authentic
              -h, --help               this text
            """;

    /** Offered rate of each step, ascending. */
    public long[] stepRates() {
        if (stepRate == 0 || maxRate == startRate) {
            return new long[] {startRate};
        }
        List<Long> rates = new ArrayList<>();
        for (long r = startRate; r <= maxRate; r += stepRate) {
            rates.add(r);
        }
        return rates.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Parses the arguments after {@code perf}. Returns null when help was asked for.
     *
     * @throws IllegalArgumentException naming the option and what it expects
     */
    public static PerfOptions parse(String... args) {
        String target = null;
        long start = DEFAULT_RATE;
        long step = 0;
        long max = DEFAULT_RATE;
        double stepS = DEFAULT_STEP_S;
        double warmUpS = 0;
        int sockets = DEFAULT_SOCKETS;
        int batch = DEFAULT_BATCH;
        int cpu = -1;
        int version = 4;
        boolean xleave = false;
        boolean kernelTx = true;
        long timeoutMs = DEFAULT_TIMEOUT_MS;
        double stopLoss = DEFAULT_STOP_LOSS_PERCENT;
        long maxRequests = DEFAULT_MAX_REQUESTS;
        boolean kv = false;
        boolean nonLoopback = false;
        String ntsKe = null;
        String ntsCa = null;
        int ntsVerify = DEFAULT_NTS_VERIFY_EVERY;
        boolean rateGiven = false;
        boolean rampGiven = false;
        double lossLimit = DEFAULT_LOSS_LIMIT_PERCENT;
        String rawDevice = null;
        byte[] rawMac = null;
        String rawSources = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--rate" -> {
                    start = max = longIn(a, value(args, ++i, a), 1, MAX_RATE);
                    step = 0;
                    rateGiven = true;
                }
                case "--ramp" -> {
                    String[] parts = value(args, ++i, a).split(",", -1);
                    if (parts.length != 3) {
                        throw new IllegalArgumentException(a + ": expected START,STEP,MAX (requests/s), got "
                                + args[i]);
                    }
                    start = longIn(a + " START", parts[0], 1, MAX_RATE);
                    step = longIn(a + " STEP", parts[1], 1, MAX_RATE);
                    max = longIn(a + " MAX", parts[2], start, MAX_RATE);
                    rampGiven = true;
                }
                case "--duration" -> stepS = doubleIn(a, value(args, ++i, a), 0.01, MAX_STEP_S);
                case "--warmup" -> warmUpS = doubleIn(a, value(args, ++i, a), 0, MAX_STEP_S);
                case "--sockets" -> sockets = (int) longIn(a, value(args, ++i, a), 1, 256);
                case "--batch" -> batch = (int) longIn(a, value(args, ++i, a), 1, 1024);
                case "--cpu" -> cpu = (int) longIn(a, value(args, ++i, a), 0, 1023);
                case "--version" -> version = (int) longIn(a, value(args, ++i, a), 1, 4);
                case "--xleave" -> xleave = true;
                case "--user-tx-stamps" -> kernelTx = false;
                case "--timeout-ms" -> timeoutMs = longIn(a, value(args, ++i, a), 1, 60_000);
                case "--stop-loss" -> stopLoss = doubleIn(a, value(args, ++i, a), 0, 100);
                case "--max-requests" -> maxRequests = longIn(a, value(args, ++i, a), 1, MAX_REQUESTS);
                case "--kv" -> kv = true;
                case "--allow-nonloopback" -> nonLoopback = true;
                case "--loss-limit" -> lossLimit = doubleIn(a, value(args, ++i, a), 0, 100);
                case "--raw" -> rawDevice = value(args, ++i, a);
                case "--raw-mac" -> rawMac = mac(a, value(args, ++i, a));
                case "--raw-sources" -> rawSources = value(args, ++i, a);
                case "--nts" -> ntsKe = value(args, ++i, a);
                case "--nts-ca" -> ntsCa = value(args, ++i, a);
                case "--nts-verify" -> ntsVerify = (int) longIn(a, value(args, ++i, a), 0, 1 << 20);
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + a + " (see jntpc perf --help)");
                    }
                    if (target != null) {
                        throw new IllegalArgumentException("expected one HOST[:PORT], got " + target + " and " + a);
                    }
                    target = a;
                }
            }
        }
        if (rateGiven && rampGiven) {
            throw new IllegalArgumentException("--rate and --ramp: expected one of them, got both");
        }
        if (target == null) {
            throw new IllegalArgumentException("expected HOST[:PORT] of the server (see jntpc perf --help)");
        }
        if (ntsKe != null && (xleave || version != 4)) {
            throw new IllegalArgumentException("--nts: NTS requests are NTPv4 basic mode (no --xleave, --version 4)");
        }
        if (ntsCa != null && ntsKe == null) {
            throw new IllegalArgumentException("--nts-ca: expected --nts KEHOST[:PORT] too");
        }
        if (xleave && version != 4) {
            throw new IllegalArgumentException("--xleave: servers answer interleaved only to NTPv4, got --version "
                    + version);
        }
        String host;
        int port = DEFAULT_PORT;
        if (target.startsWith("[")) {
            int close = target.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("HOST[:PORT]: expected ] after an IPv6 address, got " + target);
            }
            host = target.substring(1, close);
            String rest = target.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("HOST[:PORT]: expected :PORT after ], got " + target);
                }
                port = (int) longIn("PORT", rest.substring(1), 1, 65535);
            }
        } else if (target.indexOf(':') >= 0 && target.indexOf(':') == target.lastIndexOf(':')) {
            host = target.substring(0, target.indexOf(':'));
            port = (int) longIn("PORT", target.substring(target.indexOf(':') + 1), 1, 65535);
        } else {
            host = target; // a name, an IPv4 address, or a bare IPv6 address (no port)
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("HOST[:PORT]: expected a host, got " + target);
        }
        Raw raw = null;
        if (rawDevice != null) {
            if (rawMac == null) {
                throw new IllegalArgumentException("--raw: expected --raw-mac MAC of the server (or next hop) too");
            }
            if (xleave) {
                throw new IllegalArgumentException("--raw: interleaved requests need per-request matching; use the"
                        + " socket sender for --xleave");
            }
            if (ntsKe != null) {
                throw new IllegalArgumentException("--raw: NTS requests are sealed per socket; use the socket sender"
                        + " for --nts");
            }
            int base = 0;
            int count = 1;
            if (rawSources != null) {
                String[] parts = rawSources.split("/", -1);
                if (parts.length != 2) {
                    throw new IllegalArgumentException("--raw-sources: expected IP/N, got " + rawSources);
                }
                base = ipv4("--raw-sources IP", parts[0]);
                count = (int) longIn("--raw-sources N", parts[1], 1, 65536);
            }
            ipv4("--raw: HOST", host);
            raw = new Raw(rawDevice, rawMac, base, count);
        } else if (rawMac != null || rawSources != null) {
            throw new IllegalArgumentException("--raw-mac and --raw-sources go with --raw DEV");
        }
        return new PerfOptions(host, port, start, step, max, (long) (stepS * 1e9), (long) (warmUpS * 1e9), sockets,
                batch, cpu, version, xleave, kernelTx, timeoutMs * NS_PER_MS, stopLoss, maxRequests, kv,
                nonLoopback, lossLimit, raw, ntsKe, ntsCa, ntsVerify);
    }

    /** An IPv4 address in dotted form, as an int in host order. */
    static int ipv4(String what, String text) {
        String[] p = text.split("\\.", -1);
        if (p.length != 4) {
            throw new IllegalArgumentException(what + ": expected an IPv4 address a.b.c.d, got " + text);
        }
        int v = 0;
        for (String octet : p) {
            v = v << 8 | (int) longIn(what, octet, 0, 255);
        }
        return v;
    }

    private static byte[] mac(String what, String text) {
        String[] p = text.split(":", -1);
        if (p.length != 6) {
            throw new IllegalArgumentException(what + ": expected an Ethernet address aa:bb:cc:dd:ee:ff, got " + text);
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            try {
                b[i] = (byte) Integer.parseInt(p[i], 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": expected hex bytes, got " + text);
            }
            if (p[i].length() != 2) {
                throw new IllegalArgumentException(what + ": expected two hex digits a byte, got " + text);
            }
        }
        return b;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + ": expected a value after it");
        }
        return args[i];
    }

    private static long longIn(String what, String text, long min, long max) {
        long v;
        try {
            v = text.toLowerCase(Locale.ROOT).matches("[0-9.]+e[0-9]+") ? (long) Double.parseDouble(text)
                    : Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": expected an integer " + min + ".." + max + ", got " + text);
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + ": expected " + min + ".." + max + ", got " + text);
        }
        return v;
    }

    private static double doubleIn(String what, String text, double min, double max) {
        double v;
        try {
            v = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": expected a number " + min + ".." + max + ", got " + text);
        }
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(what + ": expected " + min + ".." + max + ", got " + text);
        }
        return v;
    }
}
