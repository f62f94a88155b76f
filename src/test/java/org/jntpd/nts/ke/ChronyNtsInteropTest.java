package org.jntpd.nts.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.jntpd.nts.CookieJar;
import org.jntpd.nts.NonceSource;
import org.jntpd.nts.NtsClientCodec;
import org.jntpd.nts.NtsServerCodec;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.nts.ke.KeCounters.Counter;
import org.jntpd.testing.ChronyCommandDir;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NTS with chronyd 4.3 both ways, on loopback (chronyd -x, without CAP_SYS_TIME where setpriv exists):
 * <ul>
 *   <li>our NTS-KE client gets keys and cookies from chronyd's NTS-KE server, and our NTP codec then authenticates a
 *       real exchange with chronyd's NTP server; a tampered response is refused, a tampered request gets chronyd's
 *       NTS NAK;</li>
 *   <li>chronyd as NTS client of our NTS-KE server: its NTP requests carry our cookies, which our server codec opens
 *       and authenticates, and a small NTP responder built on that codec answers; chronyd then reports the source as
 *       NTS-authenticated ({@code chronyc authdata}, {@code ntpdata}).</li>
 * </ul>
 */
class ChronyNtsInteropTest {
    private static Path chronyd;
    private static Path chronyc;
    private Path dir;
    private Process chrony;

    @BeforeAll
    static void needsChrony() {
        chronyd = ExternalProgram.find("chronyd").orElse(null);
        chronyc = ExternalProgram.find("chronyc").orElse(null);
        assumeTrue(chronyd != null && chronyc != null, "chrony is not installed (chronyd, chronyc)");
        assumeTrue(ExternalProgram.isRoot(), "chronyd drops to _chrony and needs its folders given to it (needs root)");
    }

    @BeforeEach
    void folder() throws Exception {
        dir = Files.createTempDirectory("jntpd-nts");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // chronyd runs as _chrony
        for (String f : List.of("server.crt", "server.key")) {
            Path p = dir.resolve(f);
            Files.copy(NtsKeLoopbackTest.resource(f), p);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    @AfterEach
    void cleanUp() {
        if (chrony != null) {
            ExternalProgram.kill(chrony);
        }
        TestFiles.deleteTree(dir);
    }

    private void startChronyd(List<String> config) throws IOException {
        Path conf = dir.resolve("chronyd.conf");
        Files.write(conf, config);
        chrony = new ProcessBuilder(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile()).start();
    }

    private String chronydLog() {
        return TestFiles.readOrExplain(dir.resolve("chronyd.log"));
    }

    static long ntpNow() {
        Instant now = Instant.now();
        return (now.getEpochSecond() + 2_208_988_800L) << 32 | ((long) now.getNano() << 32) / 1_000_000_000L;
    }

    @Test
    void shouldAuthenticateAnExchangeWithChronydsNtsServer() throws Exception {
        int ntpPort = JntpdProcess.freePort("127.0.0.1");
        int kePort = JntpdProcess.freeTcpPort();
        startChronyd(List.of(
                "port " + ntpPort, "bindaddress 127.0.0.1", "ntsport " + kePort,
                "ntsserverkey " + dir.resolve("server.key"), "ntsservercert " + dir.resolve("server.crt"),
                "ntsprocesses 1", "allow 127.0.0.0/8", "local stratum 3", "cmdport 0", "bindcmdaddress /",
                "pidfile " + dir.resolve("chronyd.pid"), "driftfile " + dir.resolve("drift")));
        SSLContext tls = Tls.clientContext(List.of(dir.resolve("server.crt")));
        NtsKeClient.Result ke = null;
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (ke == null) {
            try {
                ke = NtsKeClient.exchange("127.0.0.1", kePort, tls, List.of(15), 5000);
            } catch (org.jntpd.nts.KeException e) {
                assertTrue(chrony.isAlive(), () -> "chronyd exited:\n" + chronydLog());
                assertTrue(System.nanoTime() - deadline < 0, () -> "no NTS-KE with chronyd: " + e + "\n" + chronydLog());
                Thread.sleep(200);
            }
        }
        assertEquals(15, ke.aead());
        assertEquals(ntpPort, ke.ntpPort(), "chronyd's Port record");
        assertEquals(8, ke.cookies().size());
        assertEquals(100, ke.cookies().get(0).length, "chronyd's cookies");

        NtsClientCodec codec = new NtsClientCodec();
        codec.keys(ke.aead(), ke.c2s(), ke.s2c());
        CookieJar jar = new CookieJar();
        for (byte[] c : ke.cookies()) {
            jar.add(c, 0, c.length);
        }
        SecureRandom random = new SecureRandom();
        byte[] uid = new byte[32];
        byte[] nonce = new byte[16];
        byte[] cookie = new byte[CookieJar.MAX_COOKIE];
        try (DatagramChannel udp = DatagramChannel.open()) {
            udp.connect(new InetSocketAddress("127.0.0.1", ke.ntpPort()));
            // A good request: answered, authenticated, one cookie back per cookie and placeholder.
            MemorySegment rx = null;
            int rxLength = 0;
            long xmt = 0;
            for (int attempt = 0; attempt < 5 && rx == null; attempt++) {
                random.nextBytes(uid);
                random.nextBytes(nonce);
                int cookieLength = jar.take(cookie, 0);
                MemorySegment tx = MemorySegment.ofArray(new byte[1024]);
                xmt = random.nextLong();
                header(tx, xmt);
                int n = codec.request(tx, 0, 1024, 48, uid, 32, cookie, cookieLength, 1, nonce, 16);
                udp.write(ByteBuffer.wrap(tx.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
                ByteBuffer in = ByteBuffer.allocate(2048);
                if (receive(udp, in, 1000)) {
                    rx = MemorySegment.ofArray(java.util.Arrays.copyOf(in.array(), in.position()));
                    rxLength = in.position();
                }
            }
            assertTrue(rx != null, () -> "no answer from chronyd\n" + chronydLog());
            jar.clear();
            assertEquals(NtsClientCodec.OK, codec.response(rx, 0, rxLength, uid, 32, jar), "chronyd's reply authenticates");
            assertEquals(2, jar.size(), "two new cookies (one for the cookie, one for the placeholder)");
            assertEquals(xmt, rx.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 24), "origin = our transmit");
            assertEquals(4, rx.get(ValueLayout.JAVA_BYTE, 0) & 7, "mode 4");
            assertEquals(3, rx.get(ValueLayout.JAVA_BYTE, 1), "stratum 3");
            // The same reply with one bit flipped in its header: refused.
            byte[] bad = rx.asSlice(0, rxLength).toArray(ValueLayout.JAVA_BYTE);
            bad[40] ^= 1;
            assertEquals(NtsClientCodec.NOT_AUTHENTIC, codec.response(MemorySegment.ofArray(bad), 0, bad.length, uid, 32,
                    new CookieJar()));

            // A request whose header changed after sealing: chronyd answers an NTS NAK, which we recognise.
            random.nextBytes(uid);
            int cookieLength = jar.take(cookie, 0);
            MemorySegment tx = MemorySegment.ofArray(new byte[1024]);
            header(tx, random.nextLong());
            int n = codec.request(tx, 0, 1024, 48, uid, 32, cookie, cookieLength, 0, nonce, 16);
            tx.set(ValueLayout.JAVA_BYTE, 2, (byte) 7); // poll changed after the authenticator was computed
            udp.write(ByteBuffer.wrap(tx.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
            ByteBuffer in = ByteBuffer.allocate(2048);
            assertTrue(receive(udp, in, 2000), () -> "chronyd sent no NAK\n" + chronydLog());
            assertEquals(NtsClientCodec.NAK, codec.response(MemorySegment.ofArray(java.util.Arrays.copyOf(in.array(),
                    in.position())), 0, in.position(), uid, 32, new CookieJar()));
        }
    }

    private static void header(MemorySegment tx, long transmit) {
        tx.asSlice(0, 48).fill((byte) 0);
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        tx.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 40, transmit);
    }

    private static boolean receive(DatagramChannel udp, ByteBuffer in, long timeoutMs) throws Exception {
        udp.configureBlocking(false);
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() - deadline < 0) {
            if (udp.read(in) > 0) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    /**
     * A minimal NTS responder over {@link NtsServerCodec}: a stratum 2 header from this machine's clock (the transmit
     * time written before sealing, since the header is authenticated), then the NTS fields. Counts what it served.
     */
    static final class Responder implements AutoCloseable {
        final DatagramChannel channel;
        final NtsServerCodec codec;
        final AtomicInteger served = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final Thread thread;
        volatile boolean stop;

        Responder(java.util.function.Supplier<ServerKeySet> keys) throws IOException {
            channel = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            byte[] seed = new byte[32];
            new SecureRandom().nextBytes(seed);
            codec = new NtsServerCodec(keys, new NonceSource(seed), 16);
            thread = Thread.ofPlatform().daemon().start(this::run);
        }

        int port() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        private void run() {
            byte[] in = new byte[2048];
            byte[] out = new byte[2048];
            MemorySegment rx = MemorySegment.ofArray(in);
            MemorySegment tx = MemorySegment.ofArray(out);
            ValueLayout.OfLong be64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
            ValueLayout.OfInt be32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
            try {
                channel.socket().setSoTimeout(200);
                java.net.DatagramSocket socket = channel.socket();
                java.net.DatagramPacket packet = new java.net.DatagramPacket(in, in.length);
                while (!stop) {
                    packet.setData(in);
                    try {
                        socket.receive(packet);
                    } catch (java.net.SocketTimeoutException e) {
                        continue;
                    }
                    long rxNtp = ntpNow();
                    int length = packet.getLength();
                    long nowNs = System.currentTimeMillis() * 1_000_000L;
                    if (length < 48 || codec.open(rx, 0, length, nowNs) != NtsServerCodec.OK) {
                        refused.incrementAndGet();
                        continue;
                    }
                    java.util.Arrays.fill(out, 0, 48, (byte) 0);
                    out[0] = (byte) ((in[0] & 0x38) | 4); // leap 0, the request's version, mode 4
                    out[1] = 2;
                    out[2] = in[2];
                    out[3] = (byte) -20;
                    tx.set(be32, 8, 0x10); // root dispersion
                    tx.set(be32, 12, 0x7F7F0101);
                    tx.set(be64, 16, rxNtp - (1L << 32));
                    tx.set(be64, 24, rx.get(be64, 40));
                    tx.set(be64, 32, rxNtp);
                    tx.set(be64, 40, ntpNow());
                    int n = codec.seal(tx, 0, 48, length, nowNs);
                    socket.send(new java.net.DatagramPacket(out, n, packet.getSocketAddress()));
                    served.incrementAndGet();
                }
            } catch (IOException e) {
                if (!stop) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        @Override
        public void close() throws IOException {
            stop = true;
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            channel.close();
        }
    }

    @Test
    void shouldServeChronydAsNtsClientThroughOurKeServer() throws Exception {
        Path sockDir = ChronyCommandDir.create(dir, "run");
        AtomicReference<ServerKeySet> keys = new AtomicReference<>(ServerKeySet.empty().rotate(
                Instant.now().getEpochSecond(), ServerKeySet.Rotation.DEFAULT, new SecureRandom()::nextBytes));
        List<String> keLog = new java.util.concurrent.CopyOnWriteArrayList<>();
        SSLContext serverTls = Tls.serverContext(dir.resolve("server.crt"), dir.resolve("server.key"));
        try (Responder ntp = new Responder(keys::get);
                NtsKeServer ke = new NtsKeServer(NtsKeServer.Settings.defaults(new InetSocketAddress("127.0.0.1", 0),
                        ntp.port()), () -> serverTls, keys::get, () -> System.currentTimeMillis() * 1_000_000L, keLog::add)) {
            Path socket = sockDir.resolve("chronyd.sock");
            startChronyd(List.of(
                    "server 127.0.0.1 port " + ntp.port() + " nts ntsport " + ke.localAddress().getPort()
                            + " iburst minpoll -4 maxpoll -4",
                    "ntstrustedcerts " + dir.resolve("server.crt"), "ntsdumpdir " + dir, "port 0", "cmdport 0",
                    "bindcmdaddress " + socket, "pidfile " + sockDir.resolve("chronyd.pid"),
                    "driftfile " + dir.resolve("drift")));
            String authdata = "";
            String ntpdata = "";
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                Thread.sleep(500);
                assertTrue(chrony.isAlive(), () -> "chronyd exited:\n" + chronydLog());
                authdata = ChronyCommandDir.chronyc(socket, "-N", "authdata");
                ntpdata = ChronyCommandDir.chronyc(socket, "ntpdata");
                if (ntp.served.get() >= 4 && ntpdata.matches("(?s).*Authenticated\\s*: Yes.*")) {
                    break;
                }
            }
            String where = "\n--- authdata\n" + authdata + "\n--- ntpdata\n" + ntpdata + "\n--- chronyd\n" + chronydLog()
                    + "\n--- our KE server\n" + keLog + "\nserved " + ntp.served + ", refused " + ntp.refused;
            assertTrue(ke.counters().get(Counter.SERVED) >= 1, "chronyd ran NTS-KE with us" + where);
            assertTrue(ntp.served.get() >= 4, "chronyd's requests carried our cookies and authenticated" + where);
            assertEquals(0, ntp.refused.get(), where);
            Matcher row = Pattern.compile("(?m)^127\\.0\\.0\\.1\\s+NTS\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+\\S+\\s+\\d+\\s+(\\d+)"
                    + "\\s+(\\d+)\\s+(\\d+)").matcher(authdata);
            assertTrue(row.find(), "an NTS row in chronyc authdata" + where);
            assertEquals("15", row.group(2), "AEAD 15" + where);
            assertEquals("0", row.group(4), "no NAK" + where);
            assertTrue(Integer.parseInt(row.group(5)) >= 1, "cookies held" + where);
            assertEquals("104", row.group(6), "our cookie length" + where);
            assertTrue(ntpdata.matches("(?s).*Authenticated\\s*: Yes.*"), where);
        }
    }

}
