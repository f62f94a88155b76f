package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jntpd.auth.AesSiv;
import org.jntpd.auth.Golden;
import org.junit.jupiter.api.Test;

/**
 * NTS packets of real peers (golden/auth, SECURITY.md), opened with the keys the peers dumped: chronyd 4.3 client with
 * chronyd 4.3 and NTPsec 1.2.2 servers, NTPsec's client with chronyd's server, and a JDK-only probe with both.
 * Every request's authenticator verifies under C2S, every response's under S2C; our client codec rebuilds every
 * request (chronyd's, NTPsec's, the probe's) byte for byte from its parts; re-sealing a response's plaintext with its nonce gives its bytes back;
 * every flipped bit of a response is refused.
 */
class NtsGoldenTest {
    private static final HexFormat HEX = HexFormat.of();

    /** A parsed NTS packet: field positions in the byte array. */
    record Fields(byte[] p, int uid, int uidLength, int cookie, int cookieLength, int auth, int authLength,
            int placeholders) {
        static Fields of(byte[] p) {
            int uid = -1, uidLength = 0, cookie = -1, cookieLength = 0, auth = -1, authLength = 0, placeholders = 0;
            for (int at = 48; at < p.length;) {
                int type = NtsFields.u16(p, at);
                int length = NtsFields.u16(p, at + 2);
                switch (type) {
                    case NtsFields.UNIQUE_IDENTIFIER -> { uid = at; uidLength = length - 4; }
                    case NtsFields.COOKIE -> { cookie = at; cookieLength = length - 4; }
                    case NtsFields.AUTHENTICATOR -> { auth = at; authLength = length; }
                    case NtsFields.COOKIE_PLACEHOLDER -> placeholders++;
                    default -> { }
                }
                at += length;
            }
            return new Fields(p, uid, uidLength, cookie, cookieLength, auth, authLength, placeholders);
        }

        byte[] uidBytes() {
            return Arrays.copyOfRange(p, uid + 4, uid + 4 + uidLength);
        }

        byte[] cookieBytes() {
            return Arrays.copyOfRange(p, cookie + 4, cookie + 4 + cookieLength);
        }

        byte[] nonce() {
            int n = NtsFields.u16(p, auth + 4);
            return Arrays.copyOfRange(p, auth + 8, auth + 8 + n);
        }
    }

    static AesSiv siv(byte[] key) {
        AesSiv siv = new AesSiv(2048, 2048);
        siv.key(key, 0, key.length);
        return siv;
    }

    static MemorySegment segment(byte[] bytes) {
        MemorySegment s = MemorySegment.ofArray(new byte[2048]);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }

    /** Checks one exchange: request under C2S, response under S2C, the rebuilt request, the resealed response. */
    static int exchange(byte[] c2s, byte[] s2c, byte[] request, byte[] response, String what) {
        Fields rq = Fields.of(request);
        byte[] plain = new byte[2048];
        assertEquals(0, NtsFields.open(request, rq.auth, rq.authLength, siv(c2s), plain), what + ": request authenticator");

        NtsClientCodec client = new NtsClientCodec();
        client.keys(15, c2s, s2c);
        MemorySegment tx = segment(Arrays.copyOf(request, 48));
        byte[] requestNonce = rq.nonce();
        int length = client.request(tx, 0, 2048, 48, rq.uidBytes(), rq.uidLength, rq.cookieBytes(), rq.cookieLength,
                rq.placeholders, requestNonce, requestNonce.length);
        assertEquals(HEX.formatHex(request), HEX.formatHex(tx.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)),
                what + ": request rebuilt from its parts");

        CookieJar jar = new CookieJar();
        assertEquals(NtsClientCodec.OK, client.response(segment(response), 0, response.length, rq.uidBytes(), rq.uidLength,
                jar), what + ": response");
        assertTrue(jar.size() >= 1, what + ": cookies in the response");

        Fields rs = Fields.of(response);
        int plainLength = NtsFields.open(response, rs.auth, rs.authLength, siv(s2c), plain);
        byte[] resealed = Arrays.copyOf(response, response.length);
        byte[] nonce = rs.nonce();
        int n = NtsFields.seal(resealed, rs.auth, siv(s2c), nonce, 0, nonce.length, plain, plainLength, rs.authLength);
        assertEquals(response.length, n);
        assertArrayEquals(response, resealed, what + ": response resealed");
        return jar.size();
    }

    static void everyFlippedBitFails(byte[] c2s, byte[] s2c, byte[] request, byte[] response) {
        NtsClientCodec client = new NtsClientCodec();
        client.keys(15, c2s, s2c);
        Fields rq = Fields.of(request);
        for (int bit = 0; bit < response.length * 8; bit++) {
            byte[] bad = response.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertNotEquals(NtsClientCodec.OK, client.response(segment(bad), 0, bad.length, rq.uidBytes(), rq.uidLength,
                    new CookieJar()), "bit " + bit);
        }
        byte[] plain = new byte[2048];
        AesSiv siv = siv(c2s);
        for (int bit = 0; bit < rq.auth * 8; bit++) {
            byte[] bad = request.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(-1, NtsFields.open(bad, rq.auth, rq.authLength, siv, plain), "request bit " + bit);
        }
    }

    @Test
    void shouldVerifyRebuildAndResealTheGoldenPairs() {
        List<String> lines = Golden.lines(getClass(), "nts-pairs.txt");
        int pairs = 0;
        byte[] c2s = null;
        byte[] s2c = null;
        byte[] request = null;
        for (String line : lines) {
            if (line.startsWith("C2S=")) {
                c2s = Golden.hex(line.substring(4));
            } else if (line.startsWith("S2C=")) {
                s2c = Golden.hex(line.substring(4));
            } else if (line.startsWith("request")) {
                request = Golden.hex(Golden.lastWord(line));
            } else if (line.startsWith("response")) {
                byte[] response = Golden.hex(Golden.lastWord(line));
                assertEquals(1, exchange(c2s, s2c, request, response, "pair " + pairs));
                everyFlippedBitFails(c2s, s2c, request, response);
                pairs++;
            }
        }
        assertEquals(2, pairs);
    }

    /** Keys from a chrony client dump: line 5 is {@code <id> <aead> <S2C> <C2S>}. */
    static byte[][] dumpKeys(String name) {
        String[] w = Golden.lines(NtsGoldenTest.class, name).get(4).split(" ");
        assertEquals("15", w[1]);
        return new byte[][] {Golden.hex(w[3]), Golden.hex(w[2])};
    }

    static int captureExchanges(String capture, java.util.function.Function<byte[], byte[][]> keysFor) {
        List<Golden.Packet> packets = Golden.capture(NtsGoldenTest.class, capture);
        Map<String, byte[]> requests = new HashMap<>();
        int exchanges = 0;
        for (Golden.Packet p : packets) {
            byte[] b = p.bytes();
            Fields f = Fields.of(b);
            String uid = HEX.formatHex(f.uidBytes());
            if ((b[0] & 7) == 3) {
                requests.put(uid, b);
            } else {
                byte[] request = requests.get(uid);
                byte[][] keys = keysFor.apply(request);
                exchange(keys[0], keys[1], request, b, capture + " " + p.from() + " > " + p.to());
                exchanges++;
            }
        }
        return exchanges;
    }

    @Test
    void shouldVerifyEveryExchangeOfChronysClientCaptures() {
        byte[][] chrony = dumpKeys("chrony-nts-client-dump-127.0.0.1.nts");
        assertEquals(32, captureExchanges("chrony-nts-client-to-chrony-server.hex", r -> chrony));
        byte[][] ntpsec = dumpKeys("chrony-nts-client-dump-ntpsec-server-127.0.0.1.nts");
        assertEquals(12, captureExchanges("chrony-nts-client-to-ntpsec-server.hex", r -> ntpsec));
    }

    /**
     * chronyd's server cookie (nts_ke_server.c): key ID (4) | nonce (16) | AES-SIV-CMAC-256(server key, AD = "",
     * nonce, C2S || S2C). With chronyd's dumped server keys its cookies open, which gives the keys of clients
     * whose own dumps we lack.
     */
    static byte[][] openChronyCookie(byte[] cookie) {
        Map<String, String> serverKeys = new HashMap<>();
        for (String line : Golden.lines(NtsGoldenTest.class, "chrony-nts-server-ntskeys")) {
            String[] w = line.split(" ");
            if (w.length == 2 && w[0].length() == 8) {
                serverKeys.put(w[0].toLowerCase(), w[1]);
            }
        }
        String id = HEX.formatHex(cookie, 0, 4);
        AesSiv siv = siv(Golden.hex(serverKeys.get(id)));
        siv.begin();
        siv.component(new byte[0], 0, 0);
        siv.component(cookie, 4, 16);
        byte[] keys = new byte[cookie.length - 36];
        assertTrue(siv.open(cookie, 20, cookie.length - 20, keys, 0), "chrony cookie " + id + " opens");
        return new byte[][] {Arrays.copyOf(keys, keys.length / 2), Arrays.copyOfRange(keys, keys.length / 2, keys.length)};
    }

    @Test
    void shouldVerifyNtpsecsClientAgainstChronyThroughChronysCookies() {
        assertEquals(2, captureExchanges("ntpsec-nts-client-to-chrony-server.hex",
                request -> openChronyCookie(Fields.of(request).cookieBytes())));
    }

    /** C2S, S2C, request and response of a JDK probe's exchange (java-nts-probe-*.txt). */
    static byte[][] probe(String name) {
        List<String> lines = Golden.lines(NtsGoldenTest.class, name);
        return new byte[][] {Golden.hex(line(lines, "C2S=").substring(4)), Golden.hex(line(lines, "S2C=").substring(4)),
            Golden.hex(after(line(lines, "NTP request"), ": ")), Golden.hex(after(line(lines, "NTP response"), ": "))};
    }

    @Test
    void shouldFindTheExporterKeysInsideChronysCookies() {
        byte[][] p = probe("java-nts-probe-vs-chrony-aead15.txt");
        byte[][] inCookie = openChronyCookie(Fields.of(p[2]).cookieBytes());
        assertArrayEquals(p[0], inCookie[0], "C2S from exportKeyingMaterialData(context 00 00 00 0f 00)");
        assertArrayEquals(p[1], inCookie[1], "S2C from context ... 01");
        assertEquals(2, exchange(p[0], p[1], p[2], p[3], "probe vs chrony"));
    }

    @Test
    void shouldVerifyTheJdkProbesExchangeWithNtpsec() {
        byte[][] p = probe("java-nts-probe-vs-ntpsec-aead15.txt");
        assertEquals(2, exchange(p[0], p[1], p[2], p[3], "probe vs NTPsec"));
    }

    static String line(List<String> lines, String prefix) {
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                return l;
            }
        }
        throw new AssertionError("no line " + prefix);
    }

    static String after(String line, String marker) {
        return line.substring(line.indexOf(marker) + marker.length()).strip();
    }
}
