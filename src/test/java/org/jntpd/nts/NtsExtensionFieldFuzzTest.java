package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jntpd.auth.Aead;
import org.jntpd.auth.AesSiv;

/**
 * Fuzzes the NTS extension fields on the NTP path (RFC 8915 section 5: Unique Identifier, Cookie, Cookie Placeholder,
 * Authenticator and Encrypted Extension Fields) as the server ({@link NtsServerCodec}) and the client
 * ({@link NtsClientCodec}) read them. The first byte picks how the rest is used:
 * <ul>
 * <li>0: a request as received (more than a header, as the responder passes it): a verdict and a reason that fit it,
 * never an exception; an NTS NAK is the request's own Unique Identifier field after the header, a reply never longer
 * than the request (no amplification). Seeds: requests of chrony and NTPsec clients.
 * <li>1: a response to the chrony client of ../shared/golden/auth/nts-pairs.txt (its keys and Unique Identifier):
 * one of the client's verdicts, cookies taken only from an authentic response. Seed: chronyd's real response (OK).
 * <li>2: an authentic request of our own client (a cookie of our server, AEAD, Unique Identifier length and
 * placeholders as the input says) whose encrypted extension fields are the rest of the input: the server accepts it
 * exactly when those fields tile (each at least 16 bytes, a multiple of 4, placeholders as long as the cookie), and
 * then its reply is exactly as long as the request, our client accepts it, and it carries one new cookie per cookie
 * and placeholder (at most 8), each opening to the client's keys.
 * <li>3: an authentic response whose encrypted extension fields are the rest of the input: the client accepts it
 * exactly when they tile (each a multiple of 4, at least a header) and keeps the last 8 non-empty cookies of at most
 * 1024 bytes, as sent.
 * </ul>
 */
class NtsExtensionFieldFuzzTest {
    private static final long NOW_NS = CookieCodecFuzzTest.NOW_S * 1_000_000_000L;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final HexFormat HEX = HexFormat.of();
    // chronyd 4.3 client -> chronyd 4.3 server, the first pair of nts-pairs.txt
    private static final byte[] GOLDEN_C2S = HEX.parseHex("3a4e192aecadbdfcbd06e05da0662fd1e2d59b49bddea6ee0d634d5f5255b514");
    private static final byte[] GOLDEN_S2C = HEX.parseHex("ca99ba4e29e741ae92bf6d04a063e6e26bf874c96f9bd2861de26669ad6b4fd8");
    private static final byte[] GOLDEN_UID = HEX.parseHex("729abcf64cde481397e6e38c25c9e4c79522bf3f6394c59894bc629c85c9e0d7");

    private final ServerKeySet keys = ServerKeySet.of(List.of(new ServerKey(0x4A4E5451, CookieCodecFuzzTest.NOW_S - 60,
            CookieCodecFuzzTest.secret(2))));
    private final NonceSource nonces = new NonceSource(CookieCodecFuzzTest.secret(5));
    private final NtsServerCodec server = new NtsServerCodec(() -> keys, nonces, 4);
    private final CookieCodec cookies = new CookieCodec(() -> keys, nonces);
    private final NtsClientCodec golden = new NtsClientCodec();
    private final NtsClientCodec client15 = new NtsClientCodec();
    private final NtsClientCodec client17 = new NtsClientCodec();
    private final CookieJar jar = new CookieJar();
    private final MemorySegment rx = MemorySegment.ofArray(new byte[4096]);
    private final MemorySegment tx = MemorySegment.ofArray(new byte[4096]);
    private final byte[] pkt = new byte[4096];
    private final byte[] buffer = new byte[4096];
    private final byte[] keysOut = new byte[128];

    NtsExtensionFieldFuzzTest() {
        golden.keys(Aead.AES_SIV_CMAC_256, GOLDEN_C2S, GOLDEN_S2C);
        client15.keys(Aead.AES_SIV_CMAC_256, CookieCodecFuzzTest.secret(6), CookieCodecFuzzTest.secret(7));
        client17.keys(Aead.AES_SIV_CMAC_512, concat(CookieCodecFuzzTest.secret(6), CookieCodecFuzzTest.secret(8)),
                concat(CookieCodecFuzzTest.secret(7), CookieCodecFuzzTest.secret(9)));
    }

    @FuzzTest
    void packet(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] rest = Arrays.copyOfRange(data, 1, data.length);
        switch (data[0] & 3) {
            case 0 -> request(rest);
            case 1 -> goldenResponse(rest);
            case 2 -> authenticRequest(data[0], rest);
            default -> authenticResponse(data[0], rest);
        }
    }

    private void request(byte[] p) {
        int length = Math.min(p.length, 2100);
        if (length <= 48) {
            return;
        }
        MemorySegment.copy(p, 0, rx, ValueLayout.JAVA_BYTE, 0, length);
        int verdict = server.open(rx, 0, length, NOW_NS);
        int reason = server.reason();
        switch (verdict) {
            case NtsServerCodec.NOT_NTS, NtsServerCodec.OK -> assertEquals(NtsServerCodec.REASON_NONE, reason);
            case NtsServerCodec.DROP -> assertTrue(reason >= NtsServerCodec.REASON_MALFORMED
                    && reason <= NtsServerCodec.REASON_TOO_LONG, "drop reason " + reason);
            case NtsServerCodec.NAK -> {
                assertTrue(reason >= NtsServerCodec.REASON_COOKIE_UNKNOWN_KEY && reason <= NtsServerCodec.REASON_NOT_AUTHENTIC,
                        "NAK reason " + reason);
                int n = server.nak(tx, 0, 48);
                assertTrue(n > 48 + NtsFields.MIN_UID && n <= length, "a NAK of " + n + " bytes for " + length);
                byte[] uidField = tx.asSlice(48, n - 48).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(NtsFields.UNIQUE_IDENTIFIER, NtsFields.u16(uidField, 0));
                assertEquals(n - 48, NtsFields.u16(uidField, 2));
                assertTrue(indexOf(Arrays.copyOfRange(p, 48, length), uidField) >= 0, "the request's own field");
            }
            default -> throw new AssertionError("verdict " + verdict);
        }
        if (verdict == NtsServerCodec.OK) { // only a cookie of this server: fuzzing does not forge one
            int n = server.seal(tx, 0, 48, length, NOW_NS);
            assertTrue(n <= length, "reply of " + n + " for " + length);
        }
    }

    private void goldenResponse(byte[] p) {
        int length = Math.min(p.length, 2100);
        MemorySegment.copy(p, 0, rx, ValueLayout.JAVA_BYTE, 0, length);
        jar.clear();
        int verdict = golden.response(rx, 0, length, GOLDEN_UID, GOLDEN_UID.length, jar);
        assertTrue(verdict >= NtsClientCodec.OK && verdict <= NtsClientCodec.MALFORMED, "verdict " + verdict);
        if (verdict != NtsClientCodec.OK) {
            assertEquals(0, jar.size(), "no cookie from a response refused");
        }
    }

    private void authenticRequest(byte mode, byte[] inner) {
        int aead = (mode & 4) != 0 ? Aead.AES_SIV_CMAC_512 : Aead.AES_SIV_CMAC_256;
        NtsClientCodec client = aead == Aead.AES_SIV_CMAC_512 ? client17 : client15;
        int placeholders = (mode >>> 3) & 3;
        int uidLength = NtsFields.MIN_UID + ((mode >>> 5) & 3) * 5;
        int keyLength = Aead.keyLength(aead);
        byte[] keyMaterial = concat(clientKey(aead, false), clientKey(aead, true));
        int cookieLength = cookies.seal(aead, keyMaterial, 0, NOW_NS / 1_000_000_000L, buffer, 0);
        byte[] cookie = Arrays.copyOf(buffer, cookieLength);
        byte[] uid = Arrays.copyOf(inner, uidLength); // whatever the input starts with
        int plainLength = Math.min(inner.length, 600);

        // our client's layout, with the input as the encrypted extension fields
        Arrays.fill(pkt, (byte) 0);
        pkt[0] = 0x23;
        int at = 48;
        at += NtsFields.field(pkt, at, NtsFields.UNIQUE_IDENTIFIER, uidLength);
        System.arraycopy(uid, 0, pkt, 48 + NtsFields.HEADER, uidLength);
        int cookieAt = at;
        at += NtsFields.field(pkt, at, NtsFields.COOKIE, cookieLength);
        System.arraycopy(cookie, 0, pkt, cookieAt + NtsFields.HEADER, cookieLength);
        for (int i = 0; i < placeholders; i++) {
            at += NtsFields.field(pkt, at, NtsFields.COOKIE_PLACEHOLDER, cookieLength);
        }
        AesSiv c2s = new AesSiv(2048, 2048);
        c2s.key(keyMaterial, 0, keyLength);
        byte[] nonce = Arrays.copyOf(uid, 16);
        int length = NtsFields.seal(pkt, at, c2s, nonce, 0, 16, inner, plainLength, 0);
        MemorySegment.copy(pkt, 0, rx, ValueLayout.JAVA_BYTE, 0, length);

        int innerPlaceholders = innerPlaceholders(inner, plainLength, cookieLength, NtsFields.MIN_FIELD);
        int verdict = server.open(rx, 0, length, NOW_NS);
        if (innerPlaceholders == -1) {
            assertEquals(NtsServerCodec.DROP, verdict);
            assertEquals(NtsServerCodec.REASON_MALFORMED, server.reason());
            return;
        }
        if (innerPlaceholders == -2) {
            assertEquals(NtsServerCodec.DROP, verdict);
            assertEquals(NtsServerCodec.REASON_PLACEHOLDER_LENGTH, server.reason());
            return;
        }
        assertEquals(NtsServerCodec.OK, verdict, "reason " + server.reason());
        assertEquals(aead, server.aead());

        // the responder's header, then the codec's fields
        MemorySegment.copy(rx, 0, tx, 0, 48);
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x24);
        tx.set(U32, 40, 0x12345678);
        int reply = server.seal(tx, 0, 48, length, NOW_NS);
        assertEquals(length, reply, "a reply exactly as long as the request");
        jar.clear();
        assertEquals(NtsClientCodec.OK, client.response(tx, 0, reply, uid, uidLength, jar), "our client accepts it");
        int expected = Math.min(CookieCodec.MAX_REISSUE, 1 + placeholders + innerPlaceholders);
        assertEquals(expected, jar.size(), "one new cookie per cookie and placeholder");
        byte[] fresh = new byte[CookieJar.MAX_COOKIE];
        for (int i = 0; i < expected; i++) {
            int n = jar.take(fresh, 0);
            assertEquals(cookieLength, n);
            Arrays.fill(keysOut, (byte) 0);
            assertEquals(aead, cookies.open(fresh, 0, n, keysOut, 0), "new cookie " + i + " opens");
            assertArrayEquals(keyMaterial, Arrays.copyOf(keysOut, 2 * keyLength), "to the client's keys");
        }
    }

    private void authenticResponse(byte mode, byte[] inner) {
        NtsClientCodec client = (mode & 4) != 0 ? client17 : client15;
        int aead = client.aead();
        int uidLength = NtsFields.MIN_UID + ((mode >>> 3) & 3);
        byte[] uid = Arrays.copyOf(CookieCodecFuzzTest.secret(mode), uidLength);
        int plainLength = Math.min(inner.length, 1500);
        Arrays.fill(pkt, (byte) 0);
        pkt[0] = 0x24;
        int at = 48 + NtsFields.field(pkt, 48, NtsFields.UNIQUE_IDENTIFIER, uidLength);
        System.arraycopy(uid, 0, pkt, 48 + NtsFields.HEADER, uidLength);
        AesSiv s2c = new AesSiv(2048, 2048);
        s2c.key(clientKey(aead, true), 0, Aead.keyLength(aead));
        int length = NtsFields.seal(pkt, at, s2c, uid, 0, 16, inner, plainLength, 0);
        MemorySegment.copy(pkt, 0, rx, ValueLayout.JAVA_BYTE, 0, length);
        jar.clear();
        int verdict = client.response(rx, 0, length, uid, uidLength, jar);

        List<byte[]> sent = new ArrayList<>();
        boolean tiles = true;
        for (int i = 0; i < plainLength && tiles;) {
            int fieldLength = plainLength - i >= 4 ? NtsFields.u16(inner, i + 2) : 0;
            tiles = fieldLength >= NtsFields.HEADER && (fieldLength & 3) == 0 && fieldLength <= plainLength - i;
            if (tiles && NtsFields.u16(inner, i) == NtsFields.COOKIE && fieldLength > NtsFields.HEADER
                    && fieldLength - NtsFields.HEADER <= CookieJar.MAX_COOKIE) {
                sent.add(Arrays.copyOfRange(inner, i + NtsFields.HEADER, i + fieldLength));
            }
            i += fieldLength;
        }
        if (!tiles) {
            assertEquals(NtsClientCodec.MALFORMED, verdict);
            return;
        }
        assertEquals(NtsClientCodec.OK, verdict);
        List<byte[]> kept = sent.subList(Math.max(0, sent.size() - CookieJar.CAPACITY), sent.size());
        assertEquals(kept.size(), jar.size(), "the last 8 cookies sent");
        byte[] taken = new byte[CookieJar.MAX_COOKIE];
        for (byte[] c : kept) {
            int n = jar.take(taken, 0);
            assertArrayEquals(c, Arrays.copyOf(taken, n));
        }
    }

    /**
     * Placeholders among the encrypted fields as the server must read them: -1 when they do not tile into fields of
     * at least {@code minField} bytes, -2 when a placeholder is not as long as the cookie.
     */
    private static int innerPlaceholders(byte[] plain, int length, int cookieLength, int minField) {
        int count = 0;
        for (int i = 0; i < length;) {
            if (length - i < minField) {
                return -1;
            }
            int fieldLength = NtsFields.u16(plain, i + 2);
            if (fieldLength < minField || (fieldLength & 3) != 0 || fieldLength > length - i) {
                return -1;
            }
            if (NtsFields.u16(plain, i) == NtsFields.COOKIE_PLACEHOLDER) {
                if (fieldLength - NtsFields.HEADER != cookieLength) {
                    return -2;
                }
                count++;
            }
            i += fieldLength;
        }
        return count;
    }

    /** The keys the client was given (the test's fixed ones). */
    private static byte[] clientKey(int aead, boolean s2c) {
        byte[] first = CookieCodecFuzzTest.secret(s2c ? 7 : 6);
        return aead == Aead.AES_SIV_CMAC_512 ? concat(first, CookieCodecFuzzTest.secret(s2c ? 9 : 8)) : first;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
