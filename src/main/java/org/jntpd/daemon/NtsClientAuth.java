package org.jntpd.daemon;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.security.cert.TrustAnchor;
import java.util.Set;
import org.jntpd.nts.BootstrapTrust;
import org.jntpd.nts.ke.CertificateTrust;
import org.jntpd.sync.ClockStepListener;
import org.jntpd.sync.Source;
import org.jntpd.auth.Aead;
import org.jntpd.base.AtomicFile;
import org.jntpd.base.Log;
import org.jntpd.nts.CookieJar;
import org.jntpd.nts.KeException;
import org.jntpd.nts.NonceSource;
import org.jntpd.nts.NtsClientCodec;
import org.jntpd.nts.ke.NtsKeClient;
import org.jntpd.wire.NtpPacket;

/**
 * {@code server HOST nts} (RFC 8915): NTS-KE with HOST on a thread of its own (one exchange at a time per source,
 * bounded by a deadline, retried with back-off after a failure; the loop only looks at its outcome), then every request
 * with a fresh Unique Identifier, one cookie, placeholders for the cookies missing from the jar, and the
 * authenticator; a reply counts only when it is authentic under the S2C key and names the outstanding request's Unique
 * Identifier, once (a replayed or altered reply is refused), and the cookies it carries encrypted refill the jar. An NTS
 * NAK, an empty jar or keys older than {@code ntsrefresh} start a new key exchange.
 *
 * <p>With {@code ntsdumpdir}, the keys and the cookies left are written (owner-only, atomically) when the daemon stops
 * and read back when the source is mobilised again, so that a restart needs no key exchange; the file is deleted once
 * read, so that a crash afterwards cannot make the same cookies be used twice.
 */
final class NtsClientAuth extends ClientAuth implements ClockStepListener {
    /**
     * What every NTS source shares: the trust anchors (null: see tlsProblem), the AEADs offered, how long keys are
     * used, the KE deadline, where keys are kept across restarts, and the bootstrap without trusted time (null: the
     * certificates' dates are always checked).
     */
    record Settings(Set<TrustAnchor> anchors, String tlsProblem, List<Integer> aeads, long refreshNs, long keTimeoutMs,
            Path dumpDir, NtsBootstrap bootstrap) {}

    private static final String DUMP_MAGIC = "jntpd-nts-client 1";

    static final int UID_LENGTH = 32;
    static final int NONCE_LENGTH = 16;
    /** After a successful exchange, the next one (on a NAK or an empty jar) waits at least this long ... */
    static final long KE_MIN_INTERVAL_NS = 10_000_000_000L;
    /** ... and after a failure this long, doubling with each failure in a row up to {@link #KE_MAX_BACKOFF_NS}. */
    static final long KE_FIRST_RETRY_NS = 4_000_000_000L;
    static final long KE_MAX_BACKOFF_NS = 1024_000_000_000L;
    /** While a key exchange runs after a poll that could not send, the loop looks this often for its end. */
    static final long KE_WATCH_NS = 20_000_000L;

    /** What a key exchange ended with: keys and cookies and where NTP goes, or why not. */
    record Outcome(NtsKeClient.Result result, InetSocketAddress ntp, String error) {}

    private final String host;
    private final InetAddress address;
    private final int kePort;
    private final Settings settings;
    private final NtsClientCodec codec = new NtsClientCodec();
    private final CookieJar jar = new CookieJar();
    /** The source this authenticates (held out of selection while its certificate's dates are unchecked). */
    final Source source;
    /** NTPsec's per-source nocerttimecheck. */
    private final boolean noCertTimeCheck;
    private final NonceSource random;
    private final byte[] uid = new byte[UID_LENGTH];
    /** The request before the last one's identifier, and whether it went unanswered. */
    private final byte[] previousUid = new byte[UID_LENGTH];
    private boolean previousOutstanding;
    private final byte[] nonce = new byte[NONCE_LENGTH];
    private final byte[] cookie = new byte[CookieJar.MAX_COOKIE];

    private boolean keyed;
    private boolean awaiting;
    private long keysAtNs;
    private InetSocketAddress target;
    private volatile Outcome outcome;
    /** An Error the exchange's thread met, for the loop to rethrow: see {@link #startExchange(long)}. */
    private volatile Error keThreadError;
    private boolean keRunning;
    private long nextKeNs;
    /** Key exchanges failed since the last success (chronyc's Atmp); written by the loop, read by jntpc. */
    private volatile int keFailuresInRow;
    /** When the last key exchange of this run succeeded (System.nanoTime), 0: none yet. */
    private volatile long lastKeMonoNs;
    /** An NTS NAK came since the last request (chronyc's NAK). */
    private volatile boolean nakSinceRequest;
    /** The length of the cookie the next request sends (chronyc's CLen), 0: none. */
    private volatile int nextCookieLength;
    /** The last poll could send nothing (no keys or cookies yet): send as soon as a key exchange brings them. */
    private boolean skipped;
    /** The keys came from an exchange whose certificate dates were not checked (bootstrap), not yet re-verified. */
    private volatile boolean unverified;
    private List<BootstrapTrust.Window> windows = List.of();
    /** The keys in use (for the dump file); null before the first exchange. */
    volatile NtsKeClient.Result keys;

    volatile long exchanges;
    volatile long exchangesFailed;
    volatile long naks;
    volatile int cookies;
    volatile String lastKeError;
    /** Sessions dropped because their certificate failed the check at the real time (bootstrap re-verification). */
    volatile long certsDropped;
    /** Replies to the request before the last one (late, not forged): dropped without counting as refused. */
    volatile long late;

    /**
     * @param host    the name the server's certificate must carry (the configured one, also a pool's)
     * @param address the address NTS-KE connects to (the resolved one)
     */
    NtsClientAuth(String name, String host, InetAddress address, int kePort, Settings settings, Source source,
            boolean noCertTimeCheck, long nowNs) {
        super(name);
        this.source = source;
        this.noCertTimeCheck = noCertTimeCheck;
        this.host = host;
        this.address = address;
        this.kePort = kePort;
        this.settings = settings;
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        this.random = new NonceSource(seed);
        this.nextKeNs = nowNs;
    }

    @Override
    int request(MemorySegment tx, int capacity, long nowNs) {
        requests++;
        if (nakSinceRequest) {
            nakSinceRequest = false;
        }
        takeOutcome(nowNs);
        boolean stale = keyed && nowNs - keysAtNs >= settings.refreshNs();
        if ((!keyed || jar.size() == 0 || stale) && !keRunning && nowNs - nextKeNs >= 0) {
            startExchange(nowNs);
        }
        if (!keyed || jar.size() == 0) {
            skipped = true;
            return 0;
        }
        skipped = false;
        int placeholders = Math.min(CookieJar.CAPACITY - 1, CookieJar.CAPACITY - jar.size());
        int cookieLength = jar.take(cookie, 0);
        // The unanswered request's identifier is kept: its reply may still come, late, and is not a forgery.
        previousOutstanding = awaiting;
        System.arraycopy(uid, 0, previousUid, 0, UID_LENGTH);
        random.next(uid, 0, UID_LENGTH);
        random.next(nonce, 0, NONCE_LENGTH);
        int length = -1;
        for (; length < 0 && placeholders >= 0; placeholders--) {
            length = codec.request(tx, 0, capacity, NtpPacket.HEADER_LENGTH, uid, UID_LENGTH, cookie, cookieLength,
                    placeholders, nonce, NONCE_LENGTH);
        }
        noteCookies();
        awaiting = length > 0;
        return Math.max(0, length);
    }

    @Override
    boolean check(MemorySegment rx, long offset, int length, long nowNs) {
        if (!keyed || !awaiting) {
            return refuse("no request outstanding (a replay?)");
        }
        int r = codec.response(rx, offset, length, uid, UID_LENGTH, jar);
        noteCookies();
        return switch (r) {
            case NtsClientCodec.OK -> {
                awaiting = false;
                yield accept();
            }
            case NtsClientCodec.NAK -> {
                // Our cookie was refused (the server's keys changed): new keys and cookies from NTS-KE.
                awaiting = false;
                naks++;
                nakSinceRequest = true;
                jar.clear();
                noteCookies();
                yield refuse("NTS NAK");
            }
            case NtsClientCodec.UID_MISMATCH -> {
                if (previousOutstanding && codec.lastUidWas(previousUid, UID_LENGTH)) {
                    previousOutstanding = false;
                    late++; // answers the request before the last: dropped, as a late reply's origin would be
                    yield false;
                }
                yield refuse("unique identifier mismatch");
            }
            case NtsClientCodec.NOT_AUTHENTIC -> refuse("not authentic");
            case NtsClientCodec.NO_AUTHENTICATOR -> refuse("no authenticator");
            default -> refuse("malformed");
        };
    }

    @Override
    InetSocketAddress target() {
        return target;
    }

    /** chronyd's way: a poll that could send nothing is made again as soon as the key exchange brings keys. */
    @Override
    boolean sendNow(long nowNs) {
        if (!skipped) {
            return false;
        }
        if (outcome != null) {
            takeOutcome(nowNs);
            return keyed && jar.size() > 0;
        }
        if (!keRunning && nowNs - nextKeNs >= 0) {
            startExchange(nowNs); // the retry after a failure is due: on its own schedule, not the next poll's
        }
        return false;
    }

    @Override
    long recheckNs(long nowNs) {
        return !skipped ? Long.MAX_VALUE : keRunning ? nowNs + KE_WATCH_NS : nextKeNs;
    }

    /**
     * The clock was stepped (loop thread): the keys' age and the next exchange's time are local timestamps and move
     * with it, as the association's poll times do. Unmoved, the bootstrap's step from 1970 made every source's keys
     * 56 years old at once (every source ran NTS-KE again), and a backward step postponed refresh and retries.
     */
    @Override
    public void onClockStep(long nowNs, long stepNs) {
        keysAtNs += stepNs;
        nextKeNs += stepNs;
    }

    /** Whether a key exchange is under way (tests). */
    boolean exchangeRunning() {
        return keRunning;
    }

    /** How the bootstrap names this source: its name and NTS-KE port (sources of one address differ by port). */
    String label() {
        return name + " (NTS-KE port " + kePort + ")";
    }

    /** Whether the keys in use came with the certificate's dates unchecked and are not yet re-verified. */
    boolean unverified() {
        return unverified;
    }

    /** The validity windows of the certificates of the last exchange (loop thread). */
    List<BootstrapTrust.Window> windows() {
        return windows;
    }

    /**
     * The clock is trusted now (loop thread): the certificates accepted with unchecked dates are checked at
     * {@code nowNs}. Returns whether they pass; when not, the keys, the cookies and the source's samples are dropped,
     * and the next key exchange checks the dates as usual.
     */
    boolean reverify(long nowNs) {
        if (!unverified) {
            return true;
        }
        unverified = false;
        source.setHeld(false);
        long nowMs = Math.floorDiv(nowNs, 1_000_000L);
        String why = BootstrapTrust.outside(windows, nowMs);
        if (why == null) {
            Log.notice(name + ": NTS certificate re-verified at " + java.time.Instant.ofEpochMilli(nowMs) + ": " + windows);
            return true;
        }
        certsDropped++;
        lastKeError = "certificate re-verification failed: " + why;
        jar.clear();
        noteCookies();
        keyed = false;
        awaiting = false;
        keys = null;
        source.reset();
        nextKeNs = nowNs;
        Log.warn(name + ": NTS session dropped: " + why + " (checked now that the clock is synchronised, at "
                + java.time.Instant.ofEpochMilli(nowMs) + "; it was accepted during the bootstrap with its dates "
                + "unchecked); its samples are discarded");
        return false;
    }

    /** The loop's side of a finished key exchange: the keys and cookies taken, or the back-off set. */
    private void takeOutcome(long nowNs) {
        Error fatal = keThreadError;
        if (fatal != null) {
            keThreadError = null;
            throw new Error(name + ": the NTS-KE thread failed: " + fatal, fatal);
        }
        Outcome o = outcome;
        if (o == null) {
            return;
        }
        outcome = null;
        keRunning = false;
        if (o.error() != null) {
            exchangesFailed++;
            keFailuresInRow++;
            lastKeError = o.error();
            long backoffNs = Math.min(KE_MAX_BACKOFF_NS, KE_FIRST_RETRY_NS << Math.min(keFailuresInRow - 1, 10));
            nextKeNs = nowNs + backoffNs;
            Log.warn(String.format(Locale.ROOT, "%s: NTS-KE with %s port %d failed: %s; next attempt in %.0f s", name,
                    host, kePort, o.error(), backoffNs * 1e-9));
            return;
        }
        install(o.result(), o.ntp(), nowNs);
        if (!o.result().datesChecked()) {
            acceptedUnchecked(o.result().windows(), nowNs);
        }
        exchanges++;
        lastKeMonoNs = System.nanoTime();
        keFailuresInRow = 0;
        nextKeNs = nowNs + KE_MIN_INTERVAL_NS;
        Log.info(name + ": NTS-KE with " + host + " port " + kePort + ": " + Aead.name(o.result().aead()) + ", "
                + o.result().cookies().size() + " cookies, NTP at " + o.ntp().getAddress().getHostAddress() + " port "
                + o.ntp().getPort());
    }

    /**
     * The keys just installed came from an exchange that did not check the certificates' dates: held until the
     * bootstrap accepts a time, or checked at once when the clock became trusted while the exchange ran.
     */
    void acceptedUnchecked(List<BootstrapTrust.Window> certificateWindows, long nowNs) {
        unverified = true;
        windows = certificateWindows;
        NtsBootstrap boot = settings.bootstrap();
        if (boot != null && boot.clockTrusted()) {
            boot.verifyLate(this, nowNs);
        } else {
            source.setHeld(true);
            Log.notice(name + ": NTS-KE with " + host + " accepted with the certificate's dates unchecked (the clock "
                    + "is not trusted): " + windows + "; its time is held until NTS servers agree on it");
        }
    }

    /** Keys, cookies and the NTP server from an exchange (or a dump file) obtained at {@code atNs}. */
    void install(NtsKeClient.Result r, InetSocketAddress ntp, long atNs) {
        codec.keys(r.aead(), r.c2s(), r.s2c());
        jar.clear();
        for (byte[] c : r.cookies()) {
            jar.add(c, 0, c.length);
        }
        noteCookies();
        keys = r;
        keyed = true;
        awaiting = false;
        previousOutstanding = false;
        keysAtNs = atNs;
        target = ntp;
    }

    /**
     * One exchange on a thread of its own, under the loops' error policy (docs/DESIGN.md "Thread loops") through the
     * loop that owns this source: an exception becomes a failed {@link Outcome} (counted, logged, retried with this
     * source's back-off); an {@link Error} is handed over and rethrown by the loop's next {@link #request}, so the
     * loop's runner treats it as its own (the daemon stops, exit 70) instead of the source waiting for keys forever.
     */
    private void startExchange(long nowNs) {
        keRunning = true;
        NtsBootstrap boot = settings.bootstrap();
        // The certificates are judged by the daemon's clock, or with their dates unchecked while it is not trusted.
        long atUnixMs = boot != null && boot.datesUnchecked(noCertTimeCheck) ? CertificateTrust.DATES_UNCHECKED
                : Math.floorDiv(nowNs, 1_000_000L);
        String untrusted = boot == null ? null : boot.untrustedReason();
        Thread.ofVirtual().name("jntpd-ntske-" + host).start(() -> {
            try {
                outcome = exchange(atUnixMs, untrusted);
            } catch (Error e) {
                keThreadError = e;
            }
        });
    }

    /** On the exchange's own thread: NTS-KE, then the NTP server's address. */
    private Outcome exchange(long atUnixMs, String untrusted) {
        if (settings.anchors() == null) {
            return new Outcome(null, null, settings.tlsProblem());
        }
        try {
            NtsKeClient.Result r;
            try {
                r = NtsKeClient.exchange(host, address, kePort, new CertificateTrust(settings.anchors(), atUnixMs),
                        settings.aeads(), settings.keTimeoutMs(), null);
            } catch (KeException e) {
                if (untrusted != null && atUnixMs != CertificateTrust.DATES_UNCHECKED && e.getMessage() != null
                        && (e.getMessage().contains("expired") || e.getMessage().contains("not valid before"))) {
                    throw new KeException(e.problem(), e.getMessage() + "; " + untrusted + " (nocerttimecheck allows a "
                            + "bootstrap, README)", e);
                }
                throw e;
            }
            if (r.cookies().isEmpty()) {
                return new Outcome(null, null, "no cookies given");
            }
            InetAddress ntp = r.ntpServer().equals(host) ? address : InetAddress.getByName(r.ntpServer());
            return new Outcome(r, new InetSocketAddress(ntp, r.ntpPort()), null);
        } catch (KeException e) {
            return new Outcome(null, null, e.getMessage());
        } catch (UnknownHostException e) {
            return new Outcome(null, null, "the NTP server it named cannot be resolved: " + e.getMessage());
        } catch (RuntimeException e) {
            return new Outcome(null, null, e.toString());
        }
    }

    /** The dump file of this source: by the KE server's address and port, as chrony names its files by the address. */
    Path dumpFile() {
        return settings.dumpDir() == null ? null
                : settings.dumpDir().resolve("client-" + address.getHostAddress().replace(':', '_') + "-" + kePort + ".nts");
    }

    @Override
    void save() {
        Path file = dumpFile();
        NtsKeClient.Result k = keys;
        if (file == null || k == null || !keyed || jar.size() == 0) {
            return;
        }
        HexFormat hex = HexFormat.of();
        StringBuilder b = new StringBuilder(DUMP_MAGIC).append('\n');
        b.append("host ").append(host).append('\n');
        b.append("ke ").append(address.getHostAddress()).append(' ').append(kePort).append('\n');
        b.append("ntp ").append(target.getAddress().getHostAddress()).append(' ').append(target.getPort()).append('\n');
        b.append("obtained ").append(Math.floorDiv(keysAtNs, 1_000_000_000L)).append('\n');
        b.append("aead ").append(k.aead()).append('\n');
        b.append("c2s ").append(hex.formatHex(k.c2s())).append('\n');
        b.append("s2c ").append(hex.formatHex(k.s2c())).append('\n');
        int n;
        while ((n = jar.take(cookie, 0)) > 0) {
            b.append("cookie ").append(hex.formatHex(cookie, 0, n)).append('\n');
        }
        try {
            Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            AtomicFile.writePrivate(file, b.toString());
            Log.info(name + ": NTS keys and cookies saved to " + file);
        } catch (IOException e) {
            Log.warn(name + ": cannot save the NTS keys and cookies to " + file + ": " + e.getMessage());
        }
    }

    /**
     * Takes the keys and cookies a previous run saved for this source, when the file is for the same server and the
     * keys are younger than ntsrefresh; deletes the file either way. Returns whether they were taken.
     */
    boolean restore(long nowNs) {
        Path file = dumpFile();
        if (file == null || !Files.exists(file)) {
            return false;
        }
        String problem;
        try {
            problem = restoreFrom(Files.readAllLines(file), nowNs);
        } catch (IOException | RuntimeException e) {
            problem = e.getMessage();
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Log.warn(name + ": cannot delete " + file + " (its cookies could be used twice): " + e.getMessage());
        }
        if (problem != null) {
            Log.info(name + ": " + file + " not used: " + problem);
            return false;
        }
        Log.info(String.format(Locale.ROOT, "%s: NTS keys and %d cookies from %s (obtained %.0f s ago): no NTS-KE needed",
                name, jar.size(), file, (nowNs - keysAtNs) * 1e-9));
        return true;
    }

    private String restoreFrom(List<String> lines, long nowNs) throws UnknownHostException {
        if (lines.isEmpty() || !lines.getFirst().equals(DUMP_MAGIC)) {
            return "not a jntpd NTS client file";
        }
        java.util.Map<String, String> fields = new java.util.HashMap<>();
        List<byte[]> saved = new java.util.ArrayList<>();
        HexFormat hex = HexFormat.of();
        for (String line : lines.subList(1, lines.size())) {
            int space = line.indexOf(' ');
            if (space < 0) {
                return "malformed line '" + line + "'";
            }
            String key = line.substring(0, space);
            String value = line.substring(space + 1);
            if (key.equals("cookie")) {
                saved.add(hex.parseHex(value));
            } else {
                fields.put(key, value);
            }
        }
        if (!host.equals(fields.get("host")) || !(address.getHostAddress() + " " + kePort).equals(fields.get("ke"))) {
            return "saved for another server (" + fields.get("host") + ", " + fields.get("ke") + ")";
        }
        long obtainedNs = Long.parseLong(fields.getOrDefault("obtained", "0")) * 1_000_000_000L;
        if (nowNs - obtainedNs >= settings.refreshNs() || obtainedNs - nowNs > KE_MIN_INTERVAL_NS) {
            return "keys obtained at " + obtainedNs / 1_000_000_000L + ", too old (ntsrefresh) or in the future";
        }
        int aead = Integer.parseInt(fields.getOrDefault("aead", "0"));
        byte[] c2s = hex.parseHex(fields.getOrDefault("c2s", ""));
        byte[] s2c = hex.parseHex(fields.getOrDefault("s2c", ""));
        if (!Aead.supported(aead) || c2s.length != Aead.keyLength(aead) || s2c.length != Aead.keyLength(aead)) {
            return "AEAD " + aead + " with keys of " + c2s.length + "/" + s2c.length + " bytes";
        }
        saved.removeIf(c -> c.length == 0 || c.length > CookieJar.MAX_COOKIE);
        if (saved.isEmpty()) {
            return "no cookies left";
        }
        String[] ntp = fields.getOrDefault("ntp", "").split(" ");
        if (ntp.length != 2) {
            return "no NTP server";
        }
        InetSocketAddress ntpAddress = new InetSocketAddress(InetAddress.ofLiteral(ntp[0]), Integer.parseInt(ntp[1]));
        install(new NtsKeClient.Result(aead, c2s, s2c, saved, ntp[0], ntpAddress.getPort()), ntpAddress, obtainedNs);
        return null;
    }

    private void noteCookies() {
        cookies = jar.size();
        nextCookieLength = jar.nextLength();
    }

    @Override
    void fields(java.util.Map<String, Object> m) {
        super.fields(m);
        NtsKeClient.Result k = keys;
        long lastKe = lastKeMonoNs;
        m.put("authentication", "nts");
        m.put("key_id", exchanges); // chronyc: how many key establishments there were
        m.put("type", k == null ? null : Aead.name(k.aead()));
        m.put("type_id", k == null ? null : k.aead());
        m.put("key_length_bits", k == null ? null : Aead.keyLength(k.aead()) * 8);
        m.put("last_ke_ago_s", lastKe == 0 ? null : (System.nanoTime() - lastKe) * 1e-9);
        m.put("ke_attempts", keFailuresInRow);
        m.put("nak", nakSinceRequest);
        m.put("cookies", cookies);
        m.put("cookie_length_bytes", nextCookieLength);
        m.put("ke_exchanges", exchanges);
        m.put("ke_failed", exchangesFailed);
        m.put("naks", naks);
        m.put("last_ke_error", lastKeError);
        m.put("certificate_dates_unverified", unverified);
        m.put("dropped_at_reverification", certsDropped);
    }

    @Override
    void status(StringBuilder b) {
        b.append("client ").append(name).append(": nts ").append(host).append(" port ").append(kePort);
        NtsKeClient.Result k = keys;
        if (k != null) {
            b.append(", ").append(Aead.name(k.aead()));
        }
        b.append(", cookies ").append(cookies).append(", ke ").append(exchanges).append(", ke failed ")
                .append(exchangesFailed).append(", naks ").append(naks);
        counters(b);
        if (late > 0) {
            b.append(", late ").append(late);
        }
        String e = lastKeError;
        if (unverified) {
            b.append(", certificate dates unverified (bootstrap)");
        }
        if (certsDropped > 0) {
            b.append(", dropped at re-verification ").append(certsDropped);
        }
        if (e != null) {
            b.append(", last ke error: ").append(e);
        }
        b.append('\n');
    }
}
