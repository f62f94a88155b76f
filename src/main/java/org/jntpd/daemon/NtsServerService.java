package org.jntpd.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.nts.ke.KeCounters;
import org.jntpd.nts.ke.NtsKeServer;
import org.jntpd.nts.ke.ServerKeyStore;
import org.jntpd.nts.ke.Tls;

/**
 * The NTS server side the daemon runs: the NTS-KE server(s) on {@code ntsport} (bound before the privilege drop,
 * started after), the cookie keys (rotated every {@code ntsrotate} seconds and kept in a key file written atomically,
 * so a restart keeps every client's cookies; several servers can share one file), and the TLS certificate and key.
 *
 * <p>Certificate operations, on the {@code jntpd-nts} thread: the files are checked for changes every
 * {@value #CHECK_INTERVAL_DEFAULT_MS} ms and re-read at once on SIGHUP ({@link #reload}); a new pair is used for new
 * connections only (connections in progress keep theirs). A pair that cannot be used (unreadable, a key that is not
 * the certificate's, expired, not yet valid) is refused with its reason in the log and counted; the one in use stays,
 * unless it is itself no longer valid, in which case the KE server refuses connections (counted as NO_CERTIFICATE)
 * until a good pair is installed. An expiry within {@value #EXPIRY_WARNING_DAYS} days is warned of at start and daily,
 * and shown by {@code jntpc authdata}.
 */
final class NtsServerService implements AutoCloseable {
    static final String CHECK_INTERVAL_PROP_NAME = "jntpd.nts.fileCheckMs";
    static final long CHECK_INTERVAL_DEFAULT_MS = 10_000;
    /**
     * System property: an NTS-KE connection's time from accept to its last byte, ms (default the KE server's 3 s).
     * Tests on a machine loaded many times over its cores give their own clients longer.
     */
    static final String KE_DEADLINE_PROP_NAME = "jntpd.nts.keDeadlineMs";
    static final int EXPIRY_WARNING_DAYS = 30;
    /** The key file in {@code ntsdumpdir} when no {@code nts cookie FILE} is given (NTPsec's default name). */
    static final String KEY_FILE_NAME = "nts-keys";
    private static final long KEY_CHECK_INTERVAL_MS = 60_000;
    private static final long DAY_MS = 86_400_000L;

    private final Config.Nts settings;
    private final LongSupplier unixNowNs;
    private final Path certFile;
    private final Path keyFile;
    private final ServerKeyStore store; // null: the keys live in memory only
    private final ServerKeySet.Rotation rotation;
    private final SecureRandom random = new SecureRandom();
    private final List<NtsKeServer> servers = new ArrayList<>();
    private final long checkIntervalMs = Long.getLong(CHECK_INTERVAL_PROP_NAME, CHECK_INTERVAL_DEFAULT_MS);
    private final AtomicLong certificatesRefused = new AtomicLong();
    private final AtomicLong certificatesLoaded = new AtomicLong();
    private final Object reloadLock = new Object();
    private final Object wakeUp = new Object();
    private volatile ServerKeySet keys = ServerKeySet.empty();
    private volatile Tls.ServerMaterial material;
    private volatile SSLContext context;
    private volatile String state = "starting";
    private volatile boolean running = true;
    private volatile boolean reloadRequested;
    private Thread thread;
    private FileTime certStamp;
    private FileTime keyStamp;
    private FileTime keysFileStamp;
    private long lastExpiryWarningMs;
    private long lastKeyCheckMs;

    private NtsServerService(Config.Nts settings, LongSupplier unixNowNs) {
        this.settings = settings;
        this.unixNowNs = unixNowNs;
        this.certFile = Path.of(settings.certFile().path());
        this.keyFile = Path.of(settings.keyFile().path());
        Path cookies = settings.cookieFile() != null ? Path.of(settings.cookieFile().path())
                : settings.dumpDir() != null ? Path.of(settings.dumpDir().path()).resolve(KEY_FILE_NAME) : null;
        this.store = cookies == null ? null : new ServerKeyStore(cookies);
        long interval = settings.rotateS() == 0 ? Long.MAX_VALUE / 4 : settings.rotateS();
        this.rotation = settings.rotateS() == 0 ? new ServerKeySet.Rotation(interval, 0, 8)
                : new ServerKeySet.Rotation(interval, Math.min(3600, interval / 4), 8);
    }

    /**
     * Loads the keys and the certificate and binds the NTS-KE port(s) on {@code bindAddresses} (empty: the wildcard),
     * without starting a thread. Throws {@link IOException} naming the port or the key file when it cannot.
     */
    static NtsServerService open(Config config, LongSupplier unixNowNs) throws IOException {
        NtsServerService s = new NtsServerService(config.nts(), unixNowNs);
        try {
            s.rotateKeys();
            s.loadCertificate("start");
            int ntpPort = config.serving().port();
            List<InetAddress> addresses = new ArrayList<>();
            if (config.serving().bindAddresses().isEmpty()) {
                addresses.add(InetAddress.ofLiteral("::")); // dual stack: IPv4 clients too
            } else {
                for (String a : config.serving().bindAddresses()) {
                    addresses.add(InetAddress.ofLiteral(a));
                }
            }
            for (InetAddress a : addresses) {
                InetSocketAddress bind = new InetSocketAddress(a, config.nts().kePort());
                NtsKeServer.Settings d = NtsKeServer.Settings.defaults(bind, ntpPort);
                NtsKeServer.Settings ke = new NtsKeServer.Settings(bind, d.maxConnections(), d.maxPerAddress(),
                        Long.getLong(KE_DEADLINE_PROP_NAME, d.deadlineMs()), d.maxRequestBytes(),
                        config.nts().ntpServer(), ntpPort, d.cookiesPerResponse());
                try {
                    s.servers.add(NtsKeServer.bind(ke, () -> s.context, () -> s.keys, unixNowNs,
                            line -> Log.info(line)));
                } catch (IOException e) {
                    throw new IOException("cannot listen for NTS-KE on " + a.getHostAddress() + " port "
                            + config.nts().kePort() + " (" + config.nts().certFile().location() + "): " + e.getMessage(), e);
                }
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The cookie keys the NTP workers open and seal cookies with (the same instance until they change). */
    Supplier<ServerKeySet> keys() {
        return () -> keys;
    }

    /** The KE ports actually bound. */
    List<InetSocketAddress> boundAddresses() {
        return servers.stream().map(NtsKeServer::localAddress).toList();
    }

    /** Starts the KE servers and the {@code jntpd-nts} thread (after the privilege drop). */
    void start() {
        for (NtsKeServer s : servers) {
            s.start();
        }
        thread = Thread.ofPlatform().name("jntpd-nts").daemon(true).start(this::run);
        Log.notice("serving NTS-KE on " + boundAddresses() + "; " + state);
    }

    /** SIGHUP: re-read the certificate and key now (on the jntpd-nts thread). */
    void reload() {
        synchronized (wakeUp) {
            reloadRequested = true;
            wakeUp.notifyAll(); // not an interrupt: it would close the key file's channel in the middle of a rotation
        }
    }

    private void run() {
        while (running) {
            synchronized (wakeUp) {
                try {
                    if (!reloadRequested && running) {
                        wakeUp.wait(checkIntervalMs);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (!running) {
                return;
            }
            try {
                tick();
            } catch (RuntimeException e) {
                Log.error("nts: " + e); // never let a bad file stop the checks
            }
        }
    }

    private void tick() {
        boolean forced = reloadRequested;
        reloadRequested = false;
        if (forced) {
            loadCertificate("SIGHUP");
        } else if (changed(certFile, certStamp) || changed(keyFile, keyStamp)) {
            loadCertificate("changed on disk");
        } else {
            recheckValidity();
        }
        long nowMs = nowMs();
        if (nowMs - lastKeyCheckMs >= KEY_CHECK_INTERVAL_MS || forced) {
            lastKeyCheckMs = nowMs;
            try {
                rotateKeys();
            } catch (IOException e) {
                Log.error("nts: cookie keys: " + e.getMessage() + "; serving with the keys in memory");
            }
        }
    }

    private long nowMs() {
        return Math.floorDiv(unixNowNs.getAsLong(), 1_000_000L);
    }

    private static boolean changed(Path file, FileTime stamp) {
        return !java.util.Objects.equals(stamp(file), stamp);
    }

    private static FileTime stamp(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads the pair and uses it when it is good; otherwise says why, counts it, and keeps the one in use if valid. */
    private void loadCertificate(String why) {
        synchronized (reloadLock) {
            certStamp = stamp(certFile);
            keyStamp = stamp(keyFile);
            long nowMs = nowMs();
            Tls.ServerMaterial m = Tls.loadServer(certFile, keyFile, nowMs);
            if (m.usable()) {
                boolean first = material == null;
                material = m;
                context = m.context();
                certificatesLoaded.incrementAndGet();
                state = describe(m, nowMs);
                Log.notice("nts: certificate " + (first ? "loaded" : "re-read") + " (" + why + "): " + state);
                warnOfExpiry(m, nowMs, true);
                return;
            }
            certificatesRefused.incrementAndGet();
            Tls.ServerMaterial current = material;
            if (current != null && current.notAfterUnixMs() >= nowMs) {
                Log.error("nts: new certificate refused (" + why + "): " + m.problem() + "; still serving with "
                        + describe(current, nowMs));
            } else {
                context = null;
                state = "refusing NTS-KE: " + m.problem();
                Log.error("nts: certificate refused (" + why + "): " + m.problem() + "; NTS-KE connections are refused "
                        + "until a valid certificate and key are installed (they are re-read when they change, and on "
                        + "SIGHUP)");
            }
        }
    }

    /** The certificate file served from. */
    Path certificateFile() {
        return certFile;
    }

    /** When the certificate in use expires, Unix s; {@link Long#MAX_VALUE} while there is none (any thread). */
    long certificateNotAfterUnixS() {
        Tls.ServerMaterial m = material;
        return m == null ? Long.MAX_VALUE : Math.floorDiv(m.notAfterUnixMs(), 1000L);
    }

    /** The pair in use may expire while it is in use: then it is refused too. */
    private void recheckValidity() {
        Tls.ServerMaterial m = material;
        if (m == null || context == null) {
            return;
        }
        long nowMs = nowMs();
        if (nowMs > m.notAfterUnixMs()) {
            certificatesRefused.incrementAndGet();
            context = null;
            state = "refusing NTS-KE: the certificate in " + certFile + " expired on "
                    + Instant.ofEpochMilli(m.notAfterUnixMs());
            Log.error("nts: " + state + "; install a new one (it is re-read when it changes, and on SIGHUP)");
            return;
        }
        state = describe(m, nowMs);
        warnOfExpiry(m, nowMs, false);
    }

    private void warnOfExpiry(Tls.ServerMaterial m, long nowMs, boolean now) {
        long leftMs = m.notAfterUnixMs() - nowMs;
        if (leftMs < EXPIRY_WARNING_DAYS * DAY_MS && (now || nowMs - lastExpiryWarningMs >= DAY_MS)) {
            lastExpiryWarningMs = nowMs;
            Log.warn(String.format(Locale.ROOT, "nts: the certificate in %s expires on %s, in %.1f days: replace it "
                    + "(the new one is read when the file changes, or on SIGHUP)", certFile,
                    Instant.ofEpochMilli(m.notAfterUnixMs()), leftMs / (double) DAY_MS));
        }
    }

    private String describe(Tls.ServerMaterial m, long nowMs) {
        return String.format(Locale.ROOT, "certificate %s (%s), valid until %s, %.1f days left%s",
                m.leaf().getSubjectX500Principal(), certFile, Instant.ofEpochMilli(m.notAfterUnixMs()),
                (m.notAfterUnixMs() - nowMs) / (double) DAY_MS,
                m.notAfterUnixMs() - nowMs < EXPIRY_WARNING_DAYS * DAY_MS ? " (EXPIRES SOON)" : "");
    }

    /** One rotation step: under the file's lock when there is a file (the writer and readers of a fleet take turns). */
    private void rotateKeys() throws IOException {
        long nowS = Math.floorDiv(unixNowNs.getAsLong(), 1_000_000_000L);
        ServerKeySet next;
        if (store == null) {
            next = keys.rotate(nowS, rotation, random::nextBytes);
        } else if (settings.rotateS() == 0 && keysFileStamp != null && !changed(store.file(), keysFileStamp)) {
            return; // a reader of a shared file: nothing new
        } else {
            if (store.file().getParent() != null) {
                Files.createDirectories(store.file().getParent());
            }
            next = settings.rotateS() == 0 && Files.exists(store.file()) ? store.load()
                    : store.rotate(nowS, rotation, random::nextBytes);
            if (next.isEmpty()) {
                next = store.rotate(nowS, rotation, random::nextBytes);
            }
            keysFileStamp = stamp(store.file());
        }
        if (!next.equals(keys)) {
            boolean first = keys.isEmpty();
            keys = next;
            Log.info("nts: " + next.keys().size() + " cookie key(s) " + (first ? "in use" : "after rotation")
                    + (store == null ? " (in memory only: set ntsdumpdir or 'nts cookie FILE' to keep them across "
                    + "restarts)" : " from " + store.file()));
        }
    }

    /** What {@code jntpc authdata} shows of the server side. */
    String status() {
        StringBuilder b = new StringBuilder();
        b.append("NTS-KE server on ").append(boundAddresses()).append('\n');
        b.append("  ").append(state).append('\n');
        Tls.ServerMaterial m = material;
        if (m != null) {
            b.append(String.format(Locale.ROOT, "  certificate expires: %s (in %.1f days)%n",
                    Instant.ofEpochMilli(m.notAfterUnixMs()), (m.notAfterUnixMs() - nowMs()) / (double) DAY_MS));
        }
        b.append("  certificates loaded: ").append(certificatesLoaded.get()).append(", refused: ")
                .append(certificatesRefused.get()).append('\n');
        b.append("  cookie keys: ").append(keys.keys().size()).append(store == null ? " (in memory)" : " in " + store.file())
                .append('\n');
        for (Map.Entry<KeCounters.Counter, Long> e : total().entrySet()) {
            b.append(String.format(Locale.ROOT, "  ke %-22s: %d%n", e.getKey().name().toLowerCase(Locale.ROOT)
                    .replace('_', ' '), e.getValue()));
        }
        return b.toString();
    }

    /** jntpc authdata's {@code nts_ke_server} (docs/CONTROL.md): what {@link #status} says, field by field. */
    Map<String, Object> fields() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("addresses", boundAddresses().stream().map(a -> (a.getAddress().getHostAddress().indexOf(':') >= 0
                ? "[" + a.getAddress().getHostAddress() + "]" : a.getAddress().getHostAddress()) + ":" + a.getPort())
                .toList());
        m.put("state", state);
        Tls.ServerMaterial mat = material;
        m.put("certificate_expires_utc", mat == null ? null : Instant.ofEpochMilli(mat.notAfterUnixMs()).toString());
        m.put("certificate_expires_in_s", mat == null ? null : (mat.notAfterUnixMs() - nowMs()) / 1000.0);
        m.put("certificates_loaded", certificatesLoaded.get());
        m.put("certificates_refused", certificatesRefused.get());
        m.put("cookie_keys", keys.keys().size());
        m.put("cookie_key_file", store == null ? null : store.file().toString());
        Map<String, Object> counters = new java.util.LinkedHashMap<>();
        total().forEach((c, n) -> counters.put(c.name().toLowerCase(Locale.ROOT), n));
        m.put("counters", counters);
        return m;
    }

    /** The KE counters summed over the servers. */
    Map<KeCounters.Counter, Long> total() {
        Map<KeCounters.Counter, Long> sum = new java.util.EnumMap<>(KeCounters.Counter.class);
        for (KeCounters.Counter c : KeCounters.Counter.values()) {
            long n = 0;
            for (NtsKeServer s : servers) {
                n += s.counters().get(c);
            }
            sum.put(c, n);
        }
        return sum;
    }

    long certificatesRefused() {
        return certificatesRefused.get();
    }

    @Override
    public void close() {
        synchronized (wakeUp) {
            running = false;
            wakeUp.notifyAll();
        }
        for (NtsKeServer s : servers) {
            s.close();
        }
    }
}
