package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jntpd.auth.Aead;
import org.jntpd.auth.MacEngine;
import org.jntpd.auth.MacType;
import org.jntpd.auth.SymmetricKey;
import org.jntpd.nts.CookieCodec;
import org.jntpd.nts.NonceSource;
import org.jntpd.nts.NtsServerCodec;
import org.jntpd.nts.ServerKey;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.nts.ke.NtsKeClient;
import org.junit.jupiter.api.Test;

/**
 * The client's authentication on the packet path allocates nothing: a keyed request signed and its signed reply
 * checked, and an NTS request built, answered by the real server codec, and its reply checked with the cookies taken
 * back, 20,000 times each after 100,000 of warm-up: less than one byte per exchange allocated on this thread (the
 * smallest object is 16 bytes, so nothing is allocated per packet; a few hundred bytes now and then are the runtime's
 * own, seen here in runs that were otherwise 0). A reply altered in one byte is refused, and
 * a reply checked a second time (a replay) too.
 */
class ClientAuthAllocationTest {
    private static final long NOW_NS = 1_795_633_000_000_000_000L;
    private static final int HEADER = 48;

    private final Random random = new Random(7);

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    @Test
    void shouldSignAndCheckKeyedPacketsWithoutAllocating() {
        List<SymmetricKey> keys = List.of(new SymmetricKey(1, MacType.MD5, bytes(20)),
                new SymmetricKey(3, MacType.AES128, bytes(16)), new SymmetricKey(4, MacType.SHA256, bytes(32)));
        MacEngine clientMac = new MacEngine(keys, null);
        MacEngine serverMac = new MacEngine(keys, null);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tx = arena.allocate(2048);
            MemorySegment rx = arena.allocate(2048);
            for (long keyId : new long[] {1, 3, 4}) {
                KeyedClientAuth auth = new KeyedClientAuth("test", clientMac, keyId);
                for (int i = 0; i < 100_000; i++) {
                    keyedExchange(auth, serverMac, tx, rx);
                }
                long before = allocatedBytes();
                for (int i = 0; i < 20_000; i++) {
                    keyedExchange(auth, serverMac, tx, rx);
                }
                long allocated = allocatedBytes() - before;
                assertTrue(allocated < 20_000, allocated + " bytes allocated over 20,000 exchanges with key " + keyId);
                assertEquals(120_000, auth.authenticated, "key " + keyId);
                int length = keyedReply(auth, serverMac, tx, rx);
                rx.set(ValueLayout.JAVA_BYTE, length - 1, (byte) (rx.get(ValueLayout.JAVA_BYTE, length - 1) ^ 1));
                assertTrue(!auth.check(rx, 0, length, NOW_NS) && "bad MAC".equals(auth.lastRefusal), "key " + keyId);
            }
        }
    }

    private static void keyedExchange(KeyedClientAuth auth, MacEngine serverMac, MemorySegment tx, MemorySegment rx) {
        int length = keyedReply(auth, serverMac, tx, rx);
        if (!auth.check(rx, 0, length, NOW_NS)) {
            throw new AssertionError("refused: " + auth.lastRefusal);
        }
    }

    /** A request from {@code auth}, verified by the server's engine, answered with a reply signed in kind. */
    private static int keyedReply(KeyedClientAuth auth, MacEngine serverMac, MemorySegment tx, MemorySegment rx) {
        tx.fill((byte) 0);
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        int length = auth.request(tx, 2048, NOW_NS);
        if (serverMac.verify(tx, 0, length) != MacEngine.OK) {
            throw new AssertionError("the server cannot verify the request");
        }
        MemorySegment.copy(tx, 0, rx, 0, HEADER);
        rx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x24);
        return serverMac.signLikeRequest(rx, 0, HEADER);
    }

    @Test
    void shouldBuildAndCheckNtsPacketsWithoutAllocating() throws Exception {
        NonceSource nonces = new NonceSource(bytes(32));
        ServerKeySet keySet = ServerKeySet.of(List.of(new ServerKey(1, NOW_NS / 1_000_000_000L - 3600, bytes(32))));
        CookieCodec issuer = new CookieCodec(() -> keySet, nonces);
        NtsServerCodec server = new NtsServerCodec(() -> keySet, nonces, 16);
        byte[] c2s = bytes(32);
        byte[] s2c = bytes(32);
        byte[] both = new byte[64];
        System.arraycopy(c2s, 0, both, 0, 32);
        System.arraycopy(s2c, 0, both, 32, 32);
        List<byte[]> cookies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] c = new byte[CookieCodec.MAX_LENGTH];
            int n = issuer.seal(Aead.AES_SIV_CMAC_256, both, 0, NOW_NS / 1_000_000_000L, c, 0);
            cookies.add(java.util.Arrays.copyOf(c, n));
        }
        NtsClientAuth.Settings settings = new NtsClientAuth.Settings(null, "no TLS in this test",
                List.of(Aead.AES_SIV_CMAC_256), Long.MAX_VALUE / 2, 1000, null, null);
        InetAddress local = InetAddress.getLoopbackAddress();
        NtsClientAuth auth = new NtsClientAuth("test", "localhost", local, 4460, settings, null, false, NOW_NS);
        auth.install(new NtsKeClient.Result(Aead.AES_SIV_CMAC_256, c2s, s2c, cookies, "localhost", 123),
                new InetSocketAddress(local, 123), NOW_NS);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tx = arena.allocate(2048);
            MemorySegment rx = arena.allocate(2048);
            for (int i = 0; i < 100_000; i++) {
                ntsExchange(auth, server, tx, rx);
            }
            long before = allocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                ntsExchange(auth, server, tx, rx);
            }
            long allocated = allocatedBytes() - before;
            assertTrue(allocated < 20_000, allocated + " bytes allocated over 20,000 NTS exchanges");
            assertEquals(120_000, auth.authenticated);
            assertEquals(8, auth.cookies, "the jar refilled by every reply");

            int length = ntsReply(auth, server, tx, rx);
            rx.set(ValueLayout.JAVA_BYTE, length - 1, (byte) (rx.get(ValueLayout.JAVA_BYTE, length - 1) ^ 1));
            assertTrue(!auth.check(rx, 0, length, NOW_NS) && "not authentic".equals(auth.lastRefusal), auth.lastRefusal);
            length = ntsReply(auth, server, tx, rx);
            assertTrue(auth.check(rx, 0, length, NOW_NS));
            assertTrue(!auth.check(rx, 0, length, NOW_NS) && auth.lastRefusal.startsWith("no request outstanding"),
                    "the same reply twice: " + auth.lastRefusal);

            // A reply that comes after the next request went (a busy server, a slow path): dropped, not refused.
            MemorySegment lateRx = arena.allocate(2048);
            int lateLength = ntsReply(auth, server, tx, rx);
            MemorySegment.copy(rx, 0, lateRx, 0, lateLength);
            length = ntsReply(auth, server, tx, rx);
            long refused = auth.refused;
            assertTrue(!auth.check(lateRx, 0, lateLength, NOW_NS), "the late reply is not used");
            assertEquals(1, auth.late);
            assertEquals(refused, auth.refused, "a late reply is not a refusal: " + auth.lastRefusal);
            assertTrue(auth.check(rx, 0, length, NOW_NS), "the current reply after it");
            assertTrue(!auth.check(lateRx, 0, lateLength, NOW_NS) && auth.refused == refused + 1,
                    "the late reply again: a replay");
            // The request before the last was answered: a reply bearing its identifier now is refused.
            int answeredLength = ntsReply(auth, server, tx, rx);
            assertTrue(auth.check(rx, 0, answeredLength, NOW_NS));
            MemorySegment.copy(rx, 0, lateRx, 0, answeredLength);
            ntsReply(auth, server, tx, rx);
            assertTrue(!auth.check(lateRx, 0, answeredLength, NOW_NS) && "unique identifier mismatch".equals(auth.lastRefusal)
                    && auth.late == 1, "an answered request's reply twice: " + auth.lastRefusal);
        }
    }

    private static void ntsExchange(NtsClientAuth auth, NtsServerCodec server, MemorySegment tx, MemorySegment rx) {
        int length = ntsReply(auth, server, tx, rx);
        if (!auth.check(rx, 0, length, NOW_NS)) {
            throw new AssertionError("refused: " + auth.lastRefusal);
        }
    }

    /** A request from {@code auth}, opened by the server codec, answered with its sealed reply. */
    private static int ntsReply(NtsClientAuth auth, NtsServerCodec server, MemorySegment tx, MemorySegment rx) {
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        int length = auth.request(tx, 2048, NOW_NS);
        if (length <= 0 || server.open(tx, 0, length, NOW_NS) != NtsServerCodec.OK) {
            throw new AssertionError("the server cannot open the request (" + length + ")");
        }
        MemorySegment.copy(tx, 0, rx, 0, HEADER);
        rx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x24);
        return server.seal(rx, 0, HEADER, length, NOW_NS);
    }
}
