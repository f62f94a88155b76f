package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.jntpd.auth.Aead;
import org.junit.jupiter.api.Test;

/**
 * The NTS server path (open the cookie, verify the request, seal a reply with new cookies) and the client path (build
 * a request, verify the reply, take its cookies) allocate nothing per packet: bytes this thread allocated over
 * 50,000 exchanges after warm-up must be 0. 64 clients with their own keys take turns, as on a server whose key cache
 * holds its recent clients (each in its own cache set here: a miss re-keys an entry, and the JDK's AES key expansion
 * allocates); requests and replies sit in native memory.
 */
class NtsAllocationTest {
    private static final long NOW_NS = 1_795_633_000_000_000_000L;
    private static final int CLIENTS = 64;

    @Test
    void shouldServeNtsWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random random = new Random(1);
        AtomicReference<ServerKeySet> keys = new AtomicReference<>(ServerKeySet.empty()
                .rotate(NOW_NS / 1_000_000_000L, ServerKeySet.Rotation.DEFAULT, random::nextBytes));
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        NonceSource nonces = new NonceSource(seed);
        NtsServerCodec server = new NtsServerCodec(keys::get, nonces, 1024);
        CookieCodec issuer = new CookieCodec(keys::get, nonces);
        NtsClientCodec[] clients = new NtsClientCodec[CLIENTS];
        CookieJar[] jars = new CookieJar[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            byte[] c2s = new byte[32];
            byte[] s2c = new byte[32];
            random.nextBytes(c2s);
            random.nextBytes(s2c);
            c2s[0] = (byte) (2 * i); // distinct cache sets: this test is about hits; a miss re-keys (JDK allocation)
            c2s[1] = 0;
            c2s[2] = 0;
            clients[i] = new NtsClientCodec();
            clients[i].keys(Aead.AES_SIV_CMAC_256, c2s, s2c);
            jars[i] = new CookieJar();
            byte[] both = new byte[64];
            System.arraycopy(c2s, 0, both, 0, 32);
            System.arraycopy(s2c, 0, both, 32, 32);
            byte[] cookie = new byte[CookieCodec.MAX_LENGTH];
            jars[i].add(cookie, 0, issuer.seal(Aead.AES_SIV_CMAC_256, both, 0, NOW_NS / 1_000_000_000L, cookie, 0));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rx = arena.allocate(2048);
            MemorySegment tx = arena.allocate(2048);
            byte[] uid = new byte[32];
            byte[] nonce = new byte[16];
            byte[] cookie = new byte[CookieJar.MAX_COOKIE];
            long ok = 0;
            for (int i = 0; i < 100_000; i++) {
                ok += exchange(server, clients[i % CLIENTS], jars[i % CLIENTS], rx, tx, uid, nonce, cookie, nonces);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50_000; i++) {
                ok += exchange(server, clients[i % CLIENTS], jars[i % CLIENTS], rx, tx, uid, nonce, cookie, nonces);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(150_000, ok, "every exchange authenticated");
            assertEquals(CLIENTS, server.cacheMisses(), "one key setup per client");
            assertEquals(0, allocated, "bytes allocated over 50,000 NTS exchanges");
        }
    }

    private static int exchange(NtsServerCodec server, NtsClientCodec client, CookieJar jar, MemorySegment rx,
            MemorySegment tx, byte[] uid, byte[] nonce, byte[] cookie, NonceSource nonces) {
        int cookieLength = jar.take(cookie, 0);
        nonces.next(uid, 0, 32);
        nonces.next(nonce, 0, 16);
        rx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        int length = client.request(rx, 0, 2048, 48, uid, 32, cookie, cookieLength, 0, nonce, 16);
        if (server.open(rx, 0, length, NOW_NS) != NtsServerCodec.OK) {
            return 0;
        }
        MemorySegment.copy(rx, 0, tx, 0, 48);
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x24);
        int reply = server.seal(tx, 0, 48, length, NOW_NS);
        return client.response(tx, 0, reply, uid, 32, jar) == NtsClientCodec.OK && jar.size() == 1 ? 1 : 0;
    }
}
