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
                    for (int attempt = 0; attempt < 50 && reply == null; attempt++) { // chronyd may still be starting
                        xmt = random.nextLong();
                        reply = exchange(udp, engine, key, digest, xmt);
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
