package org.jntpd.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.List;
import org.jntpd.auth.KeyFile.Dialect;
import org.jntpd.testing.ChronyCommandDir;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * Symmetric keys with a live chronyd 4.3 server ({@code chronyd -x}, the golden key file): requests signed by
 * {@link MacEngine} with each key (SHA256 in jntpd's NTPv4 20-byte form) are answered, and the answers verify in the
 * same form; a request signed with a key chronyd lacks gets no authenticated answer.
 */
class ChronySymmetricKeyInteropTest {
    @Test
    void shouldBeAnsweredByChronydWithEveryKeyType() throws Exception {
        Path chronyd = ExternalProgram.find("chronyd").orElse(null);
        assumeTrue(chronyd != null, "chronyd is not installed");
        Path dir = Files.createTempDirectory("jntpd-keys");
        Process chrony = null;
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path keys = dir.resolve("chrony.keys");
            Files.write(keys, Golden.lines(getClass(), "chrony.keys"));
            int port = JntpdProcess.freePort("127.0.0.1");
            Path conf = dir.resolve("chronyd.conf");
            Files.write(conf, List.of("port " + port, "bindaddress 127.0.0.1", "allow 127.0.0.0/8", "local stratum 3",
                    "keyfile " + keys, "cmdport 0", "bindcmdaddress /", "pidfile " + dir.resolve("chronyd.pid"),
                    "driftfile " + dir.resolve("drift")));
            chrony = new ProcessBuilder(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f", conf.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile()).start();
            MacEngine engine = new MacEngine(KeyFile.parse("chrony.keys", Golden.lines(getClass(), "chrony.keys"),
                    Dialect.CHRONY).keys(), null);
            SecureRandom random = new SecureRandom();
            try (DatagramChannel udp = DatagramChannel.open()) {
                udp.connect(new InetSocketAddress("127.0.0.1", port));
                udp.configureBlocking(false);
                for (int id = 1; id <= 4; id++) {
                    int key = engine.keyIndex(id);
                    int digest = engine.type(key).v4Length();
                    MemorySegment reply = null;
                    long xmt = 0;
                    long until = System.nanoTime() + 15_000_000_000L; // chronyd may still be starting
                    while (reply == null && System.nanoTime() - until < 0) {
                        xmt = random.nextLong();
                        reply = exchange(udp, engine, key, digest, xmt);
                        if (reply == null) {
                            Thread.sleep(50);
                        }
                    }
                    Path log = dir.resolve("chronyd.log");
                    assertTrue(reply != null, "no answer with key " + id + "\n" + TestFiles.readOrExplain(log));
                    int length = (int) reply.byteSize();
                    assertEquals(MacEngine.OK, engine.verify(reply, 0, length), "chronyd's answer with key " + id);
                    assertEquals(id, engine.lastKeyIndex() + 1);
                    assertEquals(digest, engine.lastDigestLength(), engine.type(key) + ": answered in the form sent");
                    assertEquals(xmt, reply.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 24));
                }
                // Key 9 is not in chronyd's file: signed with a copy of key 1 under that number, it is not authenticated.
                MacEngine stranger = new MacEngine(KeyFile.parse("k", List.of("9 MD5 HEX:7c49d1280512431cb950fccb0cf457eaee01e358"),
                        Dialect.CHRONY).keys(), null);
                MemorySegment reply = exchange(udp, stranger, 0, 16, random.nextLong());
                assertTrue(reply == null || engine.verify(reply, 0, (int) reply.byteSize()) != MacEngine.OK,
                        "no authenticated answer to an unknown key");
            }
        } finally {
            if (chrony != null) {
                ExternalProgram.kill(chrony);
            }
            TestFiles.deleteTree(dir);
        }
    }

    /**
     * chronyd as keyed client of four responders built on {@link MacEngine} (127.0.0.1-4, one key each, as chrony
     * allows one source per address): each answers with the client's key and digest length (SHA256: chronyd's NTPv3
     * 32-byte form), and chronyd reports every source authenticated ({@code chronyc ntpdata}).
     */
    @Test
    void shouldServeChronydsKeyedRequestsInKind() throws Exception {
        Path chronyd = ExternalProgram.find("chronyd").orElse(null);
        Path chronyc = ExternalProgram.find("chronyc").orElse(null);
        assumeTrue(chronyd != null && chronyc != null, "chrony is not installed");
        Path dir = Files.createTempDirectory("jntpd-keys");
        Process chrony = null;
        List<Thread> threads = new java.util.ArrayList<>();
        List<DatagramChannel> channels = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger[] answered = new java.util.concurrent.atomic.AtomicInteger[5];
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path run = ChronyCommandDir.create(dir, "run");
            Path keys = dir.resolve("chrony.keys");
            Files.write(keys, Golden.lines(getClass(), "chrony.keys"));
            int port = JntpdProcess.freePort("127.0.0.1");
            for (int id = 1; id <= 4; id++) {
                DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress("127.0.0." + id, port));
                channels.add(ch);
                answered[id] = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicInteger count = answered[id];
                MacEngine engine = new MacEngine(KeyFile.parse("chrony.keys", Golden.lines(getClass(), "chrony.keys"),
                        Dialect.CHRONY).keys(), null);
                threads.add(Thread.ofPlatform().daemon().start(() -> respond(ch, engine, count, refused)));
            }
            List<String> config = new java.util.ArrayList<>();
            for (int id = 1; id <= 4; id++) {
                config.add("server 127.0.0." + id + " port " + port + " key " + id + " iburst minpoll -2 maxpoll -2");
            }
            Path socket = run.resolve("chronyd.sock");
            config.addAll(List.of("keyfile " + keys, "port 0", "cmdport 0", "bindcmdaddress " + socket,
                    "pidfile " + run.resolve("chronyd.pid"), "driftfile " + dir.resolve("drift")));
            Path conf = dir.resolve("chronyd.conf");
            Files.write(conf, config);
            chrony = new ProcessBuilder(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f", conf.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile()).start();
            String ntpdata = "";
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                Thread.sleep(500);
                ntpdata = ExternalProgram.run(java.time.Duration.ofSeconds(10), chronyc.toString(), "-h", socket.toString(),
                        "ntpdata").output();
                if (ntpdata.split("Authenticated\\s*: Yes", -1).length - 1 == 4) {
                    break;
                }
            }
            String where = "\n--- ntpdata\n" + ntpdata + "\n--- chronyd\n" + TestFiles.readOrExplain(dir.resolve("chronyd.log"));
            assertEquals(4, ntpdata.split("Authenticated\\s*: Yes", -1).length - 1, "four authenticated sources" + where);
            for (int id = 1; id <= 4; id++) {
                assertTrue(answered[id].get() >= 1, "key " + id + " answered" + where);
            }
            assertEquals(0, refused.get(), "every request verified" + where);
        } finally {
            if (chrony != null) {
                ExternalProgram.kill(chrony);
            }
            for (DatagramChannel ch : channels) {
                ch.close();
            }
            for (Thread t : threads) {
                t.join(2000);
            }
            TestFiles.deleteTree(dir);
        }
    }

    /** Verify, answer with a stratum 2 header from this clock, sign like the request; until the channel closes. */
    private static void respond(DatagramChannel ch, MacEngine engine, java.util.concurrent.atomic.AtomicInteger answered,
            java.util.concurrent.atomic.AtomicInteger refused) {
        ByteBuffer in = ByteBuffer.allocate(512);
        MemorySegment rx = MemorySegment.ofArray(in.array());
        MemorySegment tx = MemorySegment.ofArray(new byte[512]);
        ValueLayout.OfLong be64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        try {
            while (true) {
                in.clear();
                java.net.SocketAddress from = ch.receive(in);
                long now = ntpNow();
                int length = in.position();
                if (length < 48 || engine.verify(rx, 0, length) != MacEngine.OK) {
                    refused.incrementAndGet();
                    continue;
                }
                tx.asSlice(0, 48).fill((byte) 0);
                tx.set(ValueLayout.JAVA_BYTE, 0, (byte) ((rx.get(ValueLayout.JAVA_BYTE, 0) & 0x38) | 4));
                tx.set(ValueLayout.JAVA_BYTE, 1, (byte) 2);
                tx.set(ValueLayout.JAVA_BYTE, 2, rx.get(ValueLayout.JAVA_BYTE, 2));
                tx.set(ValueLayout.JAVA_BYTE, 3, (byte) -20);
                tx.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 8, 0x10);
                tx.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 12, 0x7F7F0101);
                tx.set(be64, 16, now - (1L << 32));
                tx.set(be64, 24, rx.get(be64, 40));
                tx.set(be64, 32, now);
                tx.set(be64, 40, ntpNow());
                int n = engine.signLikeRequest(tx, 0, 48);
                if (n != length) {
                    refused.incrementAndGet(); // the answer must have the request's form
                    continue;
                }
                ch.send(ByteBuffer.wrap(tx.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)), from);
                answered.incrementAndGet();
            }
        } catch (java.io.IOException closed) {
            // the test is over
        }
    }

    private static long ntpNow() {
        java.time.Instant now = java.time.Instant.now();
        return (now.getEpochSecond() + 2_208_988_800L) << 32 | ((long) now.getNano() << 32) / 1_000_000_000L;
    }

    /** One signed NTPv4 request; the reply, or null after 200 ms. */
    private static MemorySegment exchange(DatagramChannel udp, MacEngine engine, int key, int digest, long xmt)
            throws Exception {
        MemorySegment tx = MemorySegment.ofArray(new byte[128]);
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        tx.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 40, xmt);
        int n = engine.sign(tx, 0, 48, key, digest);
        ByteBuffer in = ByteBuffer.allocate(512);
        try {
            udp.write(ByteBuffer.wrap(tx.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
            long deadline = System.nanoTime() + 200_000_000L;
            while (System.nanoTime() - deadline < 0) {
                if (udp.read(in) > 0) {
                    return MemorySegment.ofArray(java.util.Arrays.copyOf(in.array(), in.position()));
                }
                Thread.sleep(2);
            }
        } catch (java.net.PortUnreachableException e) {
            // chronyd not listening yet
        }
        return null;
    }
}
