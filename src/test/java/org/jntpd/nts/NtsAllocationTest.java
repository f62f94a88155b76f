package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.jntpd.auth.Aead;
import org.junit.jupiter.api.Test;

/**
 * The NTS server path (open the cookie, verify the request, seal a reply with new cookies) and the client path (build
 * a request, verify the reply, take its cookies) allocate nothing per packet: bytes this thread allocated over
 * 50,000 exchanges after warm-up must be 0. 64 clients with their own keys take turns, as on a server whose key cache
 * holds its recent clients (each in its own cache set here: a miss re-keys an entry, and the JDK's AES key expansion
 * allocates); requests and replies sit in native memory. The exchanges cover both AEADs, 0 to 3 placeholders, cookies
 * reissued under the key that opened them and under a newer issuing key, and NAKs for forged authenticators and
 * cookies. A cache miss does allocate (the JDK's key schedules): {@link #shouldAllocateOnlyTheKeySchedulesOnAMiss}
 * bounds it.
 */
class NtsAllocationTest {
    private static final long NOW_NS = 1_795_633_000_000_000_000L;
    private static final long NEXT_KEY_NS = NOW_NS + 3_600_000_000_000L;
    private static final int CLIENTS = 64;

    private final Random random = new Random(1);
    private final ServerKey first = new ServerKey(1, NOW_NS / 1_000_000_000L - 3600, bytes(32));
    private final ServerKey second = new ServerKey(2, NEXT_KEY_NS / 1_000_000_000L, bytes(32));
    private final AtomicReference<ServerKeySet> keys = new AtomicReference<>(ServerKeySet.of(List.of(first, second)));
    private final NonceSource nonces = new NonceSource(bytes(32));
    private final CookieCodec issuer = new CookieCodec(keys::get, nonces);
    private final byte[] uid = new byte[32];
    private final byte[] nonce = new byte[16];
    private final byte[] cookie = new byte[CookieJar.MAX_COOKIE];

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A client whose C2S key starts with {@code set}, three bytes that pick its server cache set. */
    private NtsClientCodec client(int aead, int set, CookieJar jar) {
        int k = Aead.keyLength(aead);
        byte[] c2s = bytes(k);
        byte[] s2c = bytes(k);
        c2s[0] = (byte) set;
        c2s[1] = (byte) (set >>> 8);
        c2s[2] = (byte) (set >>> 16);
        NtsClientCodec client = new NtsClientCodec();
        client.keys(aead, c2s, s2c);
        byte[] both = new byte[2 * k];
        System.arraycopy(c2s, 0, both, 0, k);
        System.arraycopy(s2c, 0, both, k, k);
        byte[] c = new byte[CookieCodec.MAX_LENGTH];
        jar.add(c, 0, issuer.seal(aead, both, 0, NOW_NS / 1_000_000_000L, c, 0));
        return client;
    }

    @Test
    void shouldServeNtsWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        NtsServerCodec server = new NtsServerCodec(keys::get, nonces, 1024);
        NtsClientCodec[] clients = new NtsClientCodec[CLIENTS];
        CookieJar[] jars = new CookieJar[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            jars[i] = new CookieJar();
            // distinct cache sets: this test is about hits; a miss re-keys (JDK allocation)
            clients[i] = client(i % 4 == 3 ? Aead.AES_SIV_CMAC_512 : Aead.AES_SIV_CMAC_256, 2 * i, jars[i]);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rx = arena.allocate(2048);
            MemorySegment tx = arena.allocate(2048);
            long[] outcomes = new long[4];
            for (int i = 0; i < 100_000; i++) {
                exchange(server, clients[i % CLIENTS], jars[i % CLIENTS], rx, tx, i, outcomes);
            }
            java.util.Arrays.fill(outcomes, 0);
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50_000; i++) {
                exchange(server, clients[i % CLIENTS], jars[i % CLIENTS], rx, tx, i, outcomes);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(0, outcomes[0], "every exchange went as planned");
            assertTrue(outcomes[1] > 40_000 && outcomes[2] > 1_000 && outcomes[3] > 1_000,
                    "authenticated " + outcomes[1] + ", NAKs for forged authenticators " + outcomes[2]
                            + ", for forged cookies " + outcomes[3]);
            assertEquals(CLIENTS, server.cacheMisses(), "one key setup per client");
            assertEquals(0, allocated, "bytes allocated over 50,000 NTS exchanges");
        }
    }

    /**
     * One request and its reply. Exchange {@code i} asks for {@code i % 4} more cookies, is served before or after the
     * second server key takes over, and every 13th carries a forged authenticator, every 17th a forged cookie. Counts
     * outcomes: [unexpected, authenticated, NAK for the authenticator, NAK for the cookie].
     */
    private void exchange(NtsServerCodec server, NtsClientCodec client, CookieJar jar, MemorySegment rx,
            MemorySegment tx, int i, long[] outcomes) {
        long nowNs = (i / CLIENTS) % 2 == 0 ? NOW_NS : NEXT_KEY_NS + 1;
        int cookieLength = jar.take(cookie, 0);
        nonces.next(uid, 0, 32);
        nonces.next(nonce, 0, 16);
        rx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        int placeholders = i % 4;
        int length = client.request(rx, 0, 2048, 48, uid, 32, cookie, cookieLength, placeholders, nonce, 16);
        boolean forgeAuth = i % 13 == 0;
        boolean forgeCookie = !forgeAuth && i % 17 == 0;
        if (forgeAuth) {
            rx.set(ValueLayout.JAVA_BYTE, 40, (byte) (rx.get(ValueLayout.JAVA_BYTE, 40) ^ 1)); // T1 is authenticated
        } else if (forgeCookie) {
            rx.set(ValueLayout.JAVA_BYTE, 48 + 36 + 30, (byte) (rx.get(ValueLayout.JAVA_BYTE, 48 + 36 + 30) ^ 1));
        }
        int verdict = server.open(rx, 0, length, nowNs);
        if (forgeAuth || forgeCookie) {
            jar.add(cookie, 0, cookieLength); // the client keeps it: the NAK was for a forgery
            int reason = server.reason();
            boolean expected = verdict == NtsServerCodec.NAK && (forgeAuth
                    ? reason == NtsServerCodec.REASON_NOT_AUTHENTIC
                    : reason == NtsServerCodec.REASON_COOKIE_NOT_AUTHENTIC);
            outcomes[expected ? (forgeAuth ? 2 : 3) : 0]++;
            return;
        }
        if (verdict != NtsServerCodec.OK) {
            outcomes[0]++;
            return;
        }
        MemorySegment.copy(rx, 0, tx, 0, 48);
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x24);
        int reply = server.seal(tx, 0, 48, length, nowNs);
        boolean ok = client.response(tx, 0, reply, uid, 32, jar) == NtsClientCodec.OK && jar.size() == 1 + placeholders;
        outcomes[ok ? 1 : 0]++;
        while (jar.size() > 1) {
            jar.take(cookie, 0);
        }
    }

    /** A client the cache does not hold costs the JDK's three AES key schedules (C2S MAC, S2C MAC and CTR), no more. */
    @Test
    void shouldAllocateOnlyTheKeySchedulesOnAMiss() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        NtsServerCodec server = new NtsServerCodec(keys::get, nonces, 64);
        int n = 512;
        NtsClientCodec[] clients = new NtsClientCodec[n];
        CookieJar[] jars = new CookieJar[n];
        for (int i = 0; i < n; i++) {
            jars[i] = new CookieJar();
            clients[i] = client(Aead.AES_SIV_CMAC_256, random.nextInt(), jars[i]);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rx = arena.allocate(2048);
            MemorySegment tx = arena.allocate(2048);
            long[] outcomes = new long[4];
            for (int i = 0; i < 10_000; i++) {
                exchange(server, clients[i % n], jars[i % n], rx, tx, 4 * i + 1, outcomes); // one placeholder, no forgery
            }
            long missesBefore = server.cacheMisses();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 5_000; i++) {
                exchange(server, clients[i % n], jars[i % n], rx, tx, 4 * i + 1, outcomes);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            long misses = server.cacheMisses() - missesBefore;
            assertEquals(0, outcomes[0]);
            assertTrue(misses > 4_500, misses + " misses");
            long perMiss = allocated / misses;
            System.out.println("NTS cache miss: " + perMiss + " bytes allocated (JDK AES key schedules)");
            assertTrue(perMiss <= 1_500, perMiss + " bytes per miss");
        }
    }
}
