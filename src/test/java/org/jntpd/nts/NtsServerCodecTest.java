package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.jntpd.auth.Aead;
import org.junit.jupiter.api.Test;

/**
 * Our client codec against our server codec: requests authenticate, replies carry one new cookie per cookie and
 * placeholder and are exactly as long as the request, forged or foreign cookies get an NTS NAK, malformed NTS requests
 * are dropped by reason, and cookies under a rotated-out key are refused while those under kept keys open.
 */
class NtsServerCodecTest {
    static final long NOW_NS = 1_795_633_000_000_000_000L;

    final Random random = new Random(7);
    final AtomicReference<ServerKeySet> keySet = new AtomicReference<>(
            ServerKeySet.empty().rotate(NOW_NS / 1_000_000_000L, ServerKeySet.Rotation.DEFAULT, random::nextBytes));
    final NonceSource nonces = new NonceSource(bytes(32));
    final NtsServerCodec server = new NtsServerCodec(keySet::get, nonces, 16);
    final CookieCodec cookies = new CookieCodec(keySet::get, nonces);

    byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A client with fresh keys and one cookie from the server's current key. */
    final class Client {
        final int aead;
        final byte[] c2s;
        final byte[] s2c;
        final NtsClientCodec codec = new NtsClientCodec();
        final CookieJar jar = new CookieJar();
        final byte[] uid = bytes(32);

        Client(int aead) {
            this.aead = aead;
            int k = Aead.keyLength(aead);
            c2s = bytes(k);
            s2c = bytes(k);
            codec.keys(aead, c2s, s2c);
            byte[] both = new byte[2 * k];
            System.arraycopy(c2s, 0, both, 0, k);
            System.arraycopy(s2c, 0, both, k, k);
            byte[] cookie = new byte[CookieCodec.MAX_LENGTH];
            int n = cookies.seal(aead, both, 0, NOW_NS / 1_000_000_000L, cookie, 0);
            jar.add(cookie, 0, n);
        }

        int request(MemorySegment tx, int placeholders) {
            byte[] cookie = new byte[CookieJar.MAX_COOKIE];
            int n = jar.take(cookie, 0);
            tx.asSlice(0, 48).fill((byte) 0);
            tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
            random.nextBytes(uid);
            return codec.request(tx, 0, 2048, 48, uid, uid.length, cookie, n, placeholders, bytes(16), 16);
        }
    }

    /** What a responder would do: a mode 4 header, then the codec. */
    int serve(MemorySegment rx, int length, MemorySegment tx) {
        int verdict = server.open(rx, 0, length, NOW_NS);
        MemorySegment.copy(rx, 0, tx, 0, 48);
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x24);
        if (verdict == NtsServerCodec.OK) {
            return server.seal(tx, 0, 48, length, NOW_NS);
        }
        if (verdict == NtsServerCodec.NAK) {
            tx.set(ValueLayout.JAVA_BYTE, 1, (byte) 0);
            tx.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 12, NtsServerCodec.NAK_REFID);
            return -100 - server.nak(tx, 0, 48);
        }
        return -verdict;
    }

    static MemorySegment buffer() {
        return MemorySegment.ofArray(new byte[2048]);
    }

    @Test
    void shouldAuthenticateRoundTripsAndRefillTheCookieJar() {
        for (int aead : new int[] {Aead.AES_SIV_CMAC_256, Aead.AES_SIV_CMAC_512}) {
            Client c = new Client(aead);
            MemorySegment rx = buffer();
            MemorySegment tx = buffer();
            for (int placeholders = 0; placeholders <= 9; placeholders++) {
                int length = c.request(rx, placeholders);
                assertTrue(length > 0);
                int reply = serve(rx, length, tx);
                assertEquals(length, reply, "reply padded to the request's length");
                int before = c.jar.size();
                assertEquals(NtsClientCodec.OK, c.codec.response(tx, 0, reply, c.uid, 32, c.jar));
                assertEquals(Math.min(8, before + Math.min(8, 1 + placeholders)), c.jar.size(),
                        Aead.name(aead) + " with " + placeholders + " placeholders");
                while (c.jar.size() > 1) {
                    c.jar.take(new byte[1024], 0);
                }
            }
        }
        assertTrue(server.cacheHits() > 0);
        assertEquals(2, server.cacheMisses(), "one key setup per client");
    }

    @Test
    void shouldNakForgedAndUnknownCookiesAndForgedAuthenticators() {
        Client c = new Client(Aead.AES_SIV_CMAC_256);
        MemorySegment rx = buffer();
        MemorySegment tx = buffer();
        int length = c.request(rx, 0);
        MemorySegment copy = buffer();
        MemorySegment.copy(rx, 0, copy, 0, 2048);
        // A flipped bit in the cookie body: NAK (cookie not authentic).
        rx.set(ValueLayout.JAVA_BYTE, 48 + 36 + 4 + 30, (byte) (rx.get(ValueLayout.JAVA_BYTE, 48 + 36 + 4 + 30) ^ 1));
        int nak = serve(rx, length, tx);
        assertEquals(-100 - (48 + 36), nak);
        assertEquals(NtsServerCodec.REASON_COOKIE_NOT_AUTHENTIC, server.reason());
        assertEquals(NtsClientCodec.NAK, c.codec.response(tx, 0, 48 + 36, c.uid, 32, c.jar), "the client sees its NAK");
        // A flipped bit in the header (associated data): NAK (not authentic).
        MemorySegment.copy(copy, 0, rx, 0, 2048);
        rx.set(ValueLayout.JAVA_BYTE, 40, (byte) 1);
        assertEquals(-100 - 84, serve(rx, length, tx));
        assertEquals(NtsServerCodec.REASON_NOT_AUTHENTIC, server.reason());
        // The key is rotated out: NAK (unknown key).
        MemorySegment.copy(copy, 0, rx, 0, 2048);
        keySet.set(ServerKeySet.of(java.util.List.of(new ServerKey(42, 0, bytes(32)))));
        assertEquals(-100 - 84, serve(rx, length, tx));
        assertEquals(NtsServerCodec.REASON_COOKIE_UNKNOWN_KEY, server.reason());
    }

    @Test
    void shouldOpenCookiesOfKeptKeysAfterRotation() {
        Client c = new Client(Aead.AES_SIV_CMAC_256);
        long nowS = NOW_NS / 1_000_000_000L;
        ServerKeySet rotated = keySet.get().rotate(nowS + 12 * 3600, ServerKeySet.Rotation.DEFAULT, random::nextBytes);
        assertEquals(2, rotated.keys().size());
        keySet.set(rotated);
        MemorySegment rx = buffer();
        MemorySegment tx = buffer();
        int length = c.request(rx, 0);
        assertEquals(length, serve(rx, length, tx), "the old key still opens");
        assertEquals(NtsClientCodec.OK, c.codec.response(tx, 0, length, c.uid, 32, c.jar));
    }

    /** Placeholders inside the encrypted fields count too (RFC 8915 section 5.7): the reply carries a cookie for each. */
    @Test
    void shouldAnswerEncryptedPlaceholdersWithCookies() {
        for (int aead : new int[] {Aead.AES_SIV_CMAC_256, Aead.AES_SIV_CMAC_512}) {
            for (int clear = 0; clear <= 2; clear++) {
                for (int hidden = 1; hidden <= 8; hidden++) {
                    Client c = new Client(aead);
                    byte[] cookie = new byte[CookieJar.MAX_COOKIE];
                    int cookieLength = c.jar.take(cookie, 0);
                    byte[] p = new byte[2048];
                    int at = 48;
                    p[0] = 0x23;
                    at += NtsFields.field(p, at, NtsFields.UNIQUE_IDENTIFIER, 32);
                    System.arraycopy(c.uid, 0, p, 48 + 4, 32);
                    int cookieAt = at;
                    at += NtsFields.field(p, at, NtsFields.COOKIE, cookieLength);
                    System.arraycopy(cookie, 0, p, cookieAt + 4, cookieLength);
                    for (int i = 0; i < clear; i++) {
                        at += NtsFields.field(p, at, NtsFields.COOKIE_PLACEHOLDER, cookieLength);
                    }
                    byte[] plain = new byte[2048];
                    int plainLength = 0;
                    for (int i = 0; i < hidden; i++) {
                        plainLength += NtsFields.field(plain, plainLength, NtsFields.COOKIE_PLACEHOLDER, cookieLength);
                    }
                    org.jntpd.auth.AesSiv c2s = new org.jntpd.auth.AesSiv(2048, 2048);
                    c2s.key(c.c2s, 0, c.c2s.length);
                    int length = NtsFields.seal(p, at, c2s, bytes(16), 0, 16, plain, plainLength, 0);
                    MemorySegment rx = buffer();
                    MemorySegment.copy(p, 0, rx, ValueLayout.JAVA_BYTE, 0, length);
                    MemorySegment tx = buffer();
                    String what = Aead.name(aead) + ", " + clear + " placeholders in clear, " + hidden + " encrypted";
                    assertEquals(length, serve(rx, length, tx), what);
                    assertEquals(NtsClientCodec.OK, c.codec.response(tx, 0, length, c.uid, 32, c.jar), what);
                    assertEquals(Math.min(8, 1 + clear + hidden), c.jar.size(), what);
                }
            }
        }
    }

    /** After the next key activates, a cookie under the previous one still opens and the new cookies use the new key. */
    @Test
    void shouldIssueNewCookiesUnderTheNewestActiveKey() {
        Client c = new Client(Aead.AES_SIV_CMAC_256);
        long nowS = NOW_NS / 1_000_000_000L;
        ServerKeySet rotated = keySet.get().rotate(nowS + 12 * 3600, ServerKeySet.Rotation.DEFAULT, random::nextBytes);
        keySet.set(rotated);
        long later = NOW_NS + 14 * 3600 * 1_000_000_000L;
        assertEquals(1, rotated.issuing(later / 1_000_000_000L));
        MemorySegment rx = buffer();
        MemorySegment tx = buffer();
        for (int placeholders = 0; placeholders <= 3; placeholders++) {
            byte[] old = new byte[CookieCodec.MAX_LENGTH];
            int length = c.request(rx, placeholders);
            MemorySegment.copy(rx, ValueLayout.JAVA_BYTE, 48 + 36 + 4, old, 0, CookieCodec.length(Aead.AES_SIV_CMAC_256));
            assertEquals(rotated.keys().get(0).id(), CookieCodecTest.id(old, 0), "the request's cookie is under the old key");
            assertEquals(NtsServerCodec.OK, server.open(rx, 0, length, later), () -> "reason " + server.reason());
            MemorySegment.copy(rx, 0, tx, 0, 48);
            tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x24);
            assertEquals(length, server.seal(tx, 0, 48, length, later));
            assertEquals(NtsClientCodec.OK, c.codec.response(tx, 0, length, c.uid, 32, c.jar));
            assertEquals(1 + placeholders, c.jar.size());
            while (c.jar.size() > 0) {
                byte[] cookie = new byte[CookieJar.MAX_COOKIE];
                c.jar.take(cookie, 0);
                assertEquals(rotated.keys().get(1).id(), CookieCodecTest.id(cookie, 0), "new cookies under the new key");
            }
            c.jar.add(old, 0, CookieCodec.length(Aead.AES_SIV_CMAC_256)); // keep asking with the old one
        }
    }

    @Test
    void shouldDropMalformedNtsRequestsByReason() {
        Client c = new Client(Aead.AES_SIV_CMAC_256);
        MemorySegment rx = buffer();
        MemorySegment tx = buffer();
        int length = c.request(rx, 1);
        // mode 1
        rx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x21);
        assertEquals(-NtsServerCodec.DROP, serve(rx, length, tx));
        assertEquals(NtsServerCodec.REASON_MODE, server.reason());
        rx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        // placeholder of another length than the cookie: its field 4 bytes shorter (the auth field moves up)
        int placeholderAt = 48 + 36 + 108;
        MemorySegment shortened = buffer();
        MemorySegment.copy(rx, 0, shortened, 0, placeholderAt + 2);
        shortened.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), placeholderAt + 2, (short) 104);
        MemorySegment.copy(rx, placeholderAt + 4, shortened, placeholderAt + 4, 100);
        MemorySegment.copy(rx, placeholderAt + 108, shortened, placeholderAt + 104, length - placeholderAt - 108);
        assertEquals(-NtsServerCodec.DROP, serve(shortened, length - 4, tx));
        assertEquals(NtsServerCodec.REASON_PLACEHOLDER_LENGTH, server.reason());
        // no cookie: the UID alone
        assertEquals(-NtsServerCodec.DROP, serve(rx, 48 + 36, tx));
        assertEquals(NtsServerCodec.REASON_MISSING_FIELD, server.reason());
        // plain request
        assertEquals(-NtsServerCodec.NOT_NTS, serve(rx, 48, tx));
    }

    @Test
    void shouldRefuseEveryFlippedBitOfARequest() {
        Client c = new Client(Aead.AES_SIV_CMAC_256);
        MemorySegment rx = buffer();
        MemorySegment tx = buffer();
        int length = c.request(rx, 0);
        byte[] good = rx.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        for (int bit = 0; bit < length * 8; bit++) {
            MemorySegment bad = buffer();
            MemorySegment.copy(good, 0, bad, ValueLayout.JAVA_BYTE, 0, length);
            bad.set(ValueLayout.JAVA_BYTE, bit / 8, (byte) (good[bit / 8] ^ (1 << (bit % 8))));
            assertNotEquals(NtsServerCodec.OK, server.open(bad, 0, length, NOW_NS), "bit " + bit);
        }
    }
}
