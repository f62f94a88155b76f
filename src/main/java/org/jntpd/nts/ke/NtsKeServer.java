package org.jntpd.nts.ke;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.jntpd.auth.Aead;
import org.jntpd.nts.CookieCodec;
import org.jntpd.nts.KeException;
import org.jntpd.nts.KeRecord;
import org.jntpd.nts.KeRequest;
import org.jntpd.nts.KeResponse;
import org.jntpd.nts.NonceSource;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.nts.ke.KeCounters.Counter;

/**
 * The NTS-KE server (RFC 8915 section 4) on the JDK's TLS 1.3: ALPN {@code ntske/1} required, keys from the RFC 5705
 * exporter, eight cookies per response sealed under the current server key.
 *
 * <p>Bounded: at most {@code maxConnections} connections at once and {@code maxPerAddress} from one address (a
 * connection beyond either is closed at once, counted); each connection has a deadline from accept to the last byte
 * written ({@code deadlineMs}), enforced by a watchdog that closes it, so a client that trickles bytes (slowloris)
 * holds a slot no longer than that. Requests are read record by record and refused beyond {@code maxRequestBytes}.
 * Every refusal has a counter ({@link KeCounters}) and a log line with the peer and the reason; nothing a client sends
 * can stop the server. The TLS context is read for every connection, so a new certificate takes effect without
 * dropping anyone. Threads: one acceptor, one watchdog, one virtual thread per connection.
 */
public final class NtsKeServer implements AutoCloseable {
    /** Settings; {@code ntpServer} null and {@code ntpPort} 123 send no Server/Port record. */
    public record Settings(InetSocketAddress bind, int maxConnections, int maxPerAddress, long deadlineMs,
            int maxRequestBytes, String ntpServer, int ntpPort, int cookiesPerResponse) {
        public static Settings defaults(InetSocketAddress bind, int ntpPort) {
            return new Settings(bind, 64, 4, 3000, 4096, null, ntpPort, 8);
        }
    }

    private static final int NTP_PORT = 123;

    private final Settings settings;
    private final Supplier<SSLContext> tls;
    private final Supplier<ServerKeySet> keys;
    private final LongSupplier unixNowNs;
    private final Consumer<String> log;
    private final KeCounters counters = new KeCounters();
    private final ServerSocket listener;
    private final Semaphore slots;
    private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final Set<Connection> active = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();
    private final Thread acceptor;
    private final Thread watchdog;
    private volatile boolean closed;

    /**
     * @param tls       the TLS context (re-read per connection: return a new one after a certificate change)
     * @param keys      the current server key set
     * @param unixNowNs the time for choosing the issuing key
     * @param log       one line per refused or failed connection
     */
    public NtsKeServer(Settings settings, Supplier<SSLContext> tls, Supplier<ServerKeySet> keys, LongSupplier unixNowNs,
            Consumer<String> log) throws IOException {
        this(settings, tls, keys, unixNowNs, log, true);
    }

    /**
     * Binds the listening socket without starting a thread: {@link #start()} later (a daemon binds port 4460 before
     * dropping its privileges and starts threads after, so that they inherit only what it keeps). The TLS supplier may
     * return null while no usable certificate is loaded: connections are then refused, counted as NO_CERTIFICATE.
     */
    public static NtsKeServer bind(Settings settings, Supplier<SSLContext> tls, Supplier<ServerKeySet> keys,
            LongSupplier unixNowNs, Consumer<String> log) throws IOException {
        return new NtsKeServer(settings, tls, keys, unixNowNs, log, false);
    }

    private NtsKeServer(Settings settings, Supplier<SSLContext> tls, Supplier<ServerKeySet> keys, LongSupplier unixNowNs,
            Consumer<String> log, boolean start) throws IOException {
        this.settings = settings;
        this.tls = tls;
        this.keys = keys;
        this.unixNowNs = unixNowNs;
        this.log = log;
        this.slots = new Semaphore(settings.maxConnections());
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(settings.bind(), 128);
        acceptor = Thread.ofPlatform().daemon().name("nts-ke-accept").unstarted(this::acceptLoop);
        watchdog = Thread.ofPlatform().daemon().name("nts-ke-watchdog").unstarted(this::watchLoop);
        if (start) {
            start();
        }
    }

    /** Starts the acceptor and the watchdog (once). */
    public synchronized void start() {
        if (acceptor.getState() == Thread.State.NEW) {
            acceptor.start();
            watchdog.start();
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    public KeCounters counters() {
        return counters;
    }

    /** Connections open now. */
    public int activeConnections() {
        return active.size();
    }

    private final class Connection {
        final Socket socket;
        final InetSocketAddress peer;
        final long deadlineNs;
        volatile boolean timedOut;
        volatile List<String> offeredAlpn;

        Connection(Socket socket) {
            this.socket = socket;
            this.peer = (InetSocketAddress) socket.getRemoteSocketAddress();
            this.deadlineNs = System.nanoTime() + settings.deadlineMs() * 1_000_000L;
        }

        int remainingMs() {
            long ms = (deadlineNs - System.nanoTime()) / 1_000_000L;
            return (int) Math.max(1, ms);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.accept("nts-ke: accept failed: " + e.getMessage());
                }
                continue;
            }
            counters.increment(Counter.ACCEPTED);
            InetAddress address = socket.getInetAddress();
            if (!slots.tryAcquire()) {
                refuse(socket, Counter.REFUSED_BUSY, settings.maxConnections() + " connections open");
                continue;
            }
            AtomicInteger count = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
            if (count.incrementAndGet() > settings.maxPerAddress()) {
                release(address, count);
                refuse(socket, Counter.REFUSED_ADDRESS_LIMIT, settings.maxPerAddress() + " connections open from it");
                continue;
            }
            Connection c = new Connection(socket);
            active.add(c);
            Thread.ofVirtual().name("nts-ke-" + c.peer).start(() -> {
                try {
                    serve(c);
                } finally {
                    closeQuietly(c.socket);
                    release(address, count);
                    active.remove(c); // last: activeConnections() == 0 means every slot is free again
                }
            });
        }
    }

    private void release(InetAddress address, AtomicInteger count) {
        if (count.decrementAndGet() == 0) {
            perAddress.remove(address, count);
        }
        slots.release();
    }

    private void refuse(Socket socket, Counter counter, String why) {
        counters.increment(counter);
        log.accept("nts-ke " + socket.getRemoteSocketAddress() + ": refused (" + counter + "): " + why);
        closeQuietly(socket);
    }

    private void watchLoop() {
        while (!closed) {
            long now = System.nanoTime();
            for (Connection c : active) {
                if (c.deadlineNs - now < 0 && !c.timedOut) {
                    c.timedOut = true;
                    closeQuietly(c.socket);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void serve(Connection c) {
        SSLSocket ssl = null;
        try {
            c.socket.setSoTimeout(c.remainingMs());
            SSLContext context = tls.get();
            if (context == null) {
                fail(c, Counter.NO_CERTIFICATE, "no usable certificate is loaded (the log says why)");
                return;
            }
            ssl = (SSLSocket) context.getSocketFactory().createSocket(c.socket, null, true);
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setProtocols(new String[] {"TLSv1.3"});
            ssl.setSSLParameters(parameters);
            ssl.setUseClientMode(false);
            ssl.setHandshakeApplicationProtocolSelector((socket, offered) -> {
                if (offered.contains(KeRecord.ALPN)) {
                    return KeRecord.ALPN;
                }
                c.offeredAlpn = List.copyOf(offered);
                return null; // fails the handshake with a no_application_protocol alert
            });
            ssl.startHandshake();
            if (!KeRecord.ALPN.equals(ssl.getApplicationProtocol())) {
                fail(c, Counter.NO_ALPN, "no ALPN offered (" + KeRecord.ALPN + " is required)");
                return;
            }
            ssl.setSoTimeout(c.remainingMs());
            byte[] message = KeIo.readMessage(ssl.getInputStream(), settings.maxRequestBytes());
            byte[] response = respond(c, ssl, message);
            OutputStream out = ssl.getOutputStream();
            out.write(response);
            out.flush();
            ssl.close(); // close_notify, then the connection ends (RFC 8915: the server closes after its response)
        } catch (SSLHandshakeException e) {
            if (c.timedOut) {
                fail(c, Counter.TIMED_OUT, "no TLS handshake within " + settings.deadlineMs() + " ms");
            } else if (c.offeredAlpn != null) {
                fail(c, Counter.WRONG_ALPN, "ALPN " + c.offeredAlpn + " without " + KeRecord.ALPN);
            } else if (isVersionProblem(e)) {
                fail(c, Counter.TLS_VERSION, "TLS version refused, TLS 1.3 required: " + e.getMessage());
            } else {
                fail(c, Counter.TLS_HANDSHAKE_FAILED, "TLS handshake: " + e.getMessage());
            }
        } catch (KeException e) {
            Counter counter = switch (e.problem()) {
                case TRUNCATED -> Counter.TRUNCATED;
                case OVERSIZED -> Counter.OVERSIZED;
                case UNRECOGNIZED_CRITICAL -> Counter.UNRECOGNIZED_CRITICAL;
                case BAD_REQUEST -> Counter.BAD_REQUEST;
                case INTERNAL -> Counter.NO_SERVER_KEY;
                default -> Counter.MALFORMED;
            };
            if (c.timedOut) {
                counter = Counter.TIMED_OUT;
            }
            fail(c, counter, e.getMessage());
            if (e.problem().errorCode >= 0 && ssl != null && !c.timedOut && e.problem() != KeException.Problem.TRUNCATED) {
                try {
                    ssl.getOutputStream().write(KeResponse.error(e.problem().errorCode));
                    ssl.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the peer is gone; the refusal is counted already
                }
            }
        } catch (IOException e) {
            if (c.timedOut || e instanceof java.net.SocketTimeoutException) {
                fail(c, Counter.TIMED_OUT, "not done within " + settings.deadlineMs() + " ms (" + e.getMessage() + ")");
            } else if (e instanceof SSLException && e.getMessage() != null && e.getMessage().contains("protocol")) {
                fail(c, Counter.TLS_VERSION, e.getMessage());
            } else {
                fail(c, Counter.IO_ERROR, e.toString());
            }
        } catch (RuntimeException e) {
            fail(c, Counter.IO_ERROR, "internal: " + e); // never let one client take the server down
        }
    }

    private static boolean isVersionProblem(SSLHandshakeException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("protocol") && (m.contains("TLSv1") || m.contains("version") || m.contains("not enabled"));
    }

    private void fail(Connection c, Counter counter, String why) {
        counters.increment(counter);
        log.accept("nts-ke " + c.peer + ": refused (" + counter + "): " + why);
    }

    private byte[] respond(Connection c, SSLSocket ssl, byte[] message) throws KeException, SSLException {
        KeRequest request = KeRequest.parse(KeRecord.split(message));
        if (!request.offersNtpv4()) {
            fail(c, Counter.NO_COMMON_PROTOCOL, "protocols " + request.protocols() + " without NTPv4 (0)");
            return KeResponse.noProtocol();
        }
        int aead = -1;
        for (int offered : request.aeads()) {
            if (Aead.supported(offered)) {
                aead = offered;
                break;
            }
        }
        if (aead < 0) {
            fail(c, Counter.NO_COMMON_AEAD, "AEAD algorithms " + request.aeads() + ", supported 15 and 17");
            return KeResponse.noAead();
        }
        int keyLength = Aead.keyLength(aead);
        ExtendedSSLSession session = (ExtendedSSLSession) ssl.getSession();
        byte[] both = new byte[2 * keyLength];
        System.arraycopy(session.exportKeyingMaterialData(KeRecord.EXPORTER_LABEL, KeRecord.exporterContext(aead, false),
                keyLength), 0, both, 0, keyLength);
        System.arraycopy(session.exportKeyingMaterialData(KeRecord.EXPORTER_LABEL, KeRecord.exporterContext(aead, true),
                keyLength), 0, both, keyLength, keyLength);
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        CookieCodec codec = new CookieCodec(keys, new NonceSource(seed));
        long nowUnixS = Math.floorDiv(unixNowNs.getAsLong(), 1_000_000_000L);
        List<byte[]> cookies = new java.util.ArrayList<>();
        for (int i = 0; i < settings.cookiesPerResponse(); i++) {
            byte[] cookie = new byte[CookieCodec.length(aead)];
            if (codec.seal(aead, both, 0, nowUnixS, cookie, 0) < 0) {
                throw new KeException(KeException.Problem.INTERNAL, "no server key to seal cookies");
            }
            cookies.add(cookie);
        }
        java.util.Arrays.fill(both, (byte) 0);
        counters.increment(Counter.SERVED);
        return new KeResponse(aead, cookies, settings.ntpServer(), settings.ntpPort() == NTP_PORT ? -1 : settings.ntpPort())
                .encode();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // shutting down
        }
        for (Connection c : active) {
            closeQuietly(c.socket);
        }
        watchdog.interrupt();
        try {
            if (acceptor.getState() != Thread.State.NEW) {
                acceptor.join(2000);
                watchdog.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
