package org.jntpd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jntpd.auth.Aead;
import org.jntpd.auth.Golden;
import org.jntpd.auth.KeyFile;
import org.jntpd.auth.SymmetricKey;
import org.jntpd.nts.CookieCodec;
import org.jntpd.nts.CookieJar;
import org.jntpd.nts.NonceSource;
import org.jntpd.nts.NtsClientCodec;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The responder's authenticated answers: keyed requests (chronyd's own, from the golden captures) answered with the
 * client's key byte for byte as chronyd answered them, refusals counted by reason; NTS requests from our client codec
 * answered with an authenticated reply no longer than the request, T3 inside the authenticated header, the NTS NAK for
 * a forged request, and interleaved mode over NTS.
 */
class ResponderAuthTest {
    private static final long CLIENT = ClientAddress.mappedLo(0xC000_0201);
    private static final long T0 = 1_795_633_381_000_000_000L;
    private static final long S = 1_000_000_000L;

    private final ServerCounters counters = new ServerCounters();
    private final MemorySegment tx = MemorySegment.ofArray(new byte[2048]);
    private final NtpPacket rep = new NtpPacket().wrap(tx, 0, 48);
    private final ServerState synced = new ServerState(0, 2, -24, NtpShort.fromNs(1_500_000), 2_000_000, 15.0,
            0xC0000263, NtpTimestamp.fromUnixNs(T0 - 10 * S), T0 - 10 * S);
    private final Random random = new Random(11);
    private final AtomicReference<ServerKeySet> serverKeys = new AtomicReference<>(ServerKeySet.empty()
            .rotate(T0 / S, ServerKeySet.Rotation.DEFAULT, random::nextBytes));

    private static List<SymmetricKey> chronyKeys() throws Exception {
        return KeyFile.parse("chrony.keys", Golden.lines(Golden.class, "chrony.keys"), KeyFile.Dialect.CHRONY).keys();
    }

    private Responder responder(ServerAuth auth) {
        return new ServerCore(org.jntpd.config.Config.RateLimit.DEFAULT, List.of(), auth).newResponder(counters);
    }

    private ServerAuth ntsAuth() {
        return new ServerAuth(List.of(), Set.of(), serverKeys::get, random::nextBytes, 16);
    }

    @Test
    void shouldAnswerChronydsKeyedRequestsExactlyAsChronydDid() throws Exception {
        Responder r = responder(new ServerAuth(chronyKeys(), null, null, null, 2));
        List<Golden.Packet> capture = Golden.capture(Golden.class, "sym-chrony-client-to-chrony-server.hex");
        int checked = 0;
        for (int i = 0; i + 1 < capture.size(); i++) {
            Golden.Packet request = capture.get(i);
            Golden.Packet chronyReply = capture.get(i + 1);
            if (!request.to().endsWith(":38124") || !chronyReply.from().equals(request.to())) {
                continue;
            }
            MemorySegment rx = request.segment();
            int verdict = r.respond(rx, 0, request.bytes().length, 0, CLIENT, 40000, T0, synced, tx, 0);
            assertEquals(Responder.SEAL, verdict, "a keyed request is answered with the client's key");
            // chronyd's header (its clock and state), T3 last: then our MAC must be chronyd's, byte for byte.
            MemorySegment.copy(chronyReply.bytes(), 0, tx, ValueLayout.JAVA_BYTE, 0, 40);
            long chronyT3 = MemorySegment.ofArray(chronyReply.bytes()).get(BE64, 40);
            assertEquals(Responder.REPLY, r.seal(tx, 0, chronyT3));
            assertEquals(chronyReply.bytes().length, r.replyLength, "same length as chronyd's reply, and the request's");
            assertArrayEquals(chronyReply.bytes(), tx.asSlice(0, r.replyLength).toArray(ValueLayout.JAVA_BYTE),
                    "reply " + checked + " to " + request.to());
            checked++;
        }
        assertTrue(checked >= 4, "MD5, SHA1, AES128 and SHA256 requests: " + checked);
        assertEquals(checked, counters.get(Counter.MAC_REPLIED));
    }

    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    @Test
    void shouldDropKeyedRequestsItCannotVerifyCountingWhy() throws Exception {
        Golden.Packet md5 = Golden.capture(Golden.class, "sym-chrony-client-to-chrony-server.hex").stream()
                .filter(p -> p.to().endsWith(":38124") && p.bytes().length == 68).findFirst().orElseThrow();
        MemorySegment rx = md5.segment();
        int n = md5.bytes().length;
        Responder noKeys = responder(ServerAuth.NONE);
        assertEquals(Responder.NONE, noKeys.respond(rx, 0, n, 0, CLIENT, 40000, T0, synced, tx, 0));
        assertEquals(1, counters.authFailureCount(AuthFailure.MAC_NO_KEYS));

        List<SymmetricKey> keys = chronyKeys();
        Responder untrusted = responder(new ServerAuth(keys, Set.of(2L), null, null, 2));
        int keyId = rx.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 48);
        assertTrue(keyId != 2);
        assertEquals(Responder.NONE, untrusted.respond(rx, 0, n, 0, CLIENT, 40000, T0, synced, tx, 0));
        assertEquals(1, counters.authFailureCount(AuthFailure.MAC_UNTRUSTED_KEY));

        Responder r = responder(new ServerAuth(keys, null, null, null, 2));
        rx.set(ValueLayout.JAVA_BYTE, 47, (byte) (rx.get(ValueLayout.JAVA_BYTE, 47) ^ 1)); // the transmit time changed
        assertEquals(Responder.NONE, r.respond(rx, 0, n, 0, CLIENT, 40000, T0, synced, tx, 0));
        assertEquals(1, counters.authFailureCount(AuthFailure.MAC_BAD));
        rx.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 48, 77);
        assertEquals(Responder.NONE, r.respond(rx, 0, n, 0, CLIENT, 40000, T0, synced, tx, 0));
        assertEquals(1, counters.authFailureCount(AuthFailure.MAC_UNKNOWN_KEY));
        assertEquals(4, counters.get(Counter.DROPPED_AUTH));
        assertEquals(0, counters.get(Counter.REPLIED));
    }

    /** A client with keys from "NTS-KE" and one cookie from the server's current key. */
    private final class Client {
        final NtsClientCodec codec = new NtsClientCodec();
        final CookieJar jar = new CookieJar();
        final byte[] uid = new byte[32];
        final MemorySegment rx = MemorySegment.ofArray(new byte[2048]);

        Client(int aead) {
            int k = Aead.keyLength(aead);
            byte[] both = new byte[2 * k];
            random.nextBytes(both);
            codec.keys(aead, java.util.Arrays.copyOf(both, k), java.util.Arrays.copyOfRange(both, k, 2 * k));
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            byte[] cookie = new byte[CookieCodec.MAX_LENGTH];
            int n = new CookieCodec(serverKeys::get, new NonceSource(seed)).seal(aead, both, 0, T0 / S, cookie, 0);
            jar.add(cookie, 0, n);
        }

        /** A request (origin/receive for interleaved mode when non-zero) with {@code placeholders} placeholders. */
        int request(long origin, long receive, long transmit, int placeholders) {
            new NtpPacket().wrap(rx, 0, 48).clearHeader().leapVersionMode(0, 4, 3).pollLog2(6).originTs(origin)
                    .receiveTs(receive).transmitTs(transmit);
            byte[] cookie = new byte[CookieJar.MAX_COOKIE];
            int n = jar.take(cookie, 0);
            random.nextBytes(uid);
            byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            return codec.request(rx, 0, 2048, 48, uid, uid.length, cookie, n, placeholders, nonce, 16);
        }

        int check(int replyLength) {
            return codec.response(tx, 0, replyLength, uid, uid.length, jar);
        }
    }

    @Test
    void shouldAuthenticateNtsRepliesWithT3InsideAndNeverLongerThanTheRequest() {
        Responder r = responder(ntsAuth());
        for (int aead : new int[] {Aead.AES_SIV_CMAC_256, Aead.AES_SIV_CMAC_512}) {
            Client c = new Client(aead);
            int length = c.request(0, 0, 0x1122334455667788L, 2);
            assertEquals(Responder.SEAL, r.respond(c.rx, 0, length, 0, CLIENT, 40000, T0, synced, tx, 0));
            long t3 = NtpTimestamp.fromUnixNs(T0 + 30_000);
            assertEquals(Responder.REPLY, r.seal(tx, 0, t3));
            assertEquals(length, r.replyLength, "padded to the request's length, never longer");
            assertEquals(NtsClientCodec.OK, c.check(r.replyLength));
            assertEquals(3, c.jar.size(), "a new cookie for the cookie and each placeholder");
            assertEquals(t3 & ~1L, rep.transmitTs(), "T3 written before the seal, inside the authenticated header");
            assertEquals(0x1122334455667788L, rep.originTs());
            assertEquals(NtpPacket.MODE_SERVER, rep.mode());
            assertEquals(2, rep.stratum());
            // T3 changed after sealing (what a worker stamping late would do): the client refuses the reply.
            rep.transmitTs(t3 + 2);
            assertEquals(NtsClientCodec.NOT_AUTHENTIC, c.check(r.replyLength));
        }
        assertEquals(2, counters.get(Counter.NTS_REPLIED));
        assertEquals(2, counters.get(Counter.REPLIED));
    }

    @Test
    void shouldAnswerAForgedNtsRequestWithAnNtsNak() {
        Responder r = responder(ntsAuth());
        Client c = new Client(Aead.AES_SIV_CMAC_256);
        int length = c.request(0, 0, 42, 0);
        c.rx.set(ValueLayout.JAVA_BYTE, 2, (byte) 9); // the poll changed after the authenticator was computed
        assertEquals(Responder.REPLY, r.respond(c.rx, 0, length, 0, CLIENT, 40000, T0, synced, tx, 0));
        assertTrue(r.replyLength < length);
        assertEquals(48 + 4 + 32, r.replyLength, "the header and the Unique Identifier only");
        assertFalse(r.needsTransmitTs);
        assertEquals(NtpPacket.KISS_NTSN, rep.refId());
        assertEquals(0, rep.stratum());
        assertEquals(NtsClientCodec.NAK, c.check(r.replyLength));
        assertEquals(1, counters.get(Counter.NTS_NAK));
        assertEquals(1, counters.authFailureCount(AuthFailure.NTS_NOT_AUTHENTIC));

        // A cookie under a key this server does not have (another server's): also a NAK, counted apart.
        serverKeys.set(ServerKeySet.empty().rotate(T0 / S, ServerKeySet.Rotation.DEFAULT, random::nextBytes));
        Client stranger = new Client(Aead.AES_SIV_CMAC_256);
        serverKeys.set(ServerKeySet.empty().rotate(T0 / S, ServerKeySet.Rotation.DEFAULT, random::nextBytes));
        length = stranger.request(0, 0, 43, 0);
        assertEquals(Responder.REPLY, r.respond(stranger.rx, 0, length, 0, CLIENT, 40000, T0, synced, tx, 0));
        assertEquals(NtsClientCodec.NAK, stranger.check(r.replyLength));
        assertEquals(1, counters.authFailureCount(AuthFailure.NTS_COOKIE_UNKNOWN_KEY));
        assertEquals(0, counters.get(Counter.NTS_REPLIED));
    }

    @Test
    void shouldServeInterleavedModeOverNts() {
        Responder r = responder(ntsAuth());
        Client c = new Client(Aead.AES_SIV_CMAC_256);
        // First exchange: basic; its T3 and then its kernel TX stamp are remembered under its receive timestamp.
        int length = c.request(0, 0, 1000, 1);
        assertEquals(Responder.SEAL, r.respond(c.rx, 0, length, 0, CLIENT, 40000, T0, synced, tx, 0));
        long key = r.interleaveKey;
        assertEquals(0, key, "a basic request without an origin asks for nothing to be remembered");
        assertEquals(Responder.REPLY, r.seal(tx, 0, NtpTimestamp.fromUnixNs(T0 + 20_000)));
        assertEquals(NtsClientCodec.OK, c.check(r.replyLength));
        long serverRx1 = rep.receiveTs();
        // Second: names the first's receive timestamp: basic answer, remembered for the third.
        length = c.request(serverRx1, 0x5555_0000_0000_0000L, 2000, 1);
        assertEquals(Responder.SEAL, r.respond(c.rx, 0, length, 0, CLIENT, 40000, T0 + S, synced, tx, 0));
        assertTrue(r.interleaveKey != 0);
        long key2 = r.interleaveKey;
        assertEquals(Responder.REPLY, r.seal(tx, 0, NtpTimestamp.fromUnixNs(T0 + S + 20_000)));
        long kernelTx2Ns = T0 + S + 25_000; // the kernel's TX stamp, taken after the seal
        r.transmitted(key2, kernelTx2Ns);
        assertEquals(NtsClientCodec.OK, c.check(r.replyLength));
        long serverRx2 = rep.receiveTs();
        // Third: interleaved: transmit = the kernel TX stamp of the second reply, authenticated.
        long myReceive = 0x6666_0000_0000_0001L;
        length = c.request(serverRx2, myReceive, 3000, 1);
        assertEquals(Responder.SEAL, r.respond(c.rx, 0, length, 0, CLIENT, 40000, T0 + 2 * S, synced, tx, 0));
        assertFalse(r.needsTransmitTs, "an interleaved reply carries the previous TX stamp, known before the seal");
        assertEquals(Responder.REPLY, r.seal(tx, 0, NtpTimestamp.fromUnixNs(T0 + 2 * S + 20_000)));
        assertEquals(NtsClientCodec.OK, c.check(r.replyLength));
        assertEquals(myReceive, rep.originTs(), "interleaved: origin = the request's receive field");
        assertEquals(NtpTimestamp.fromUnixNs(kernelTx2Ns) & ~1L, rep.transmitTs());
        assertEquals(1, counters.get(Counter.INTERLEAVED));
        assertEquals(3, counters.get(Counter.NTS_REPLIED));
    }

    @Test
    void shouldLeavePlainRequestsAndUnknownExtensionFieldsToThePlainPath() {
        Responder r = responder(ntsAuth());
        MemorySegment rx = MemorySegment.ofArray(new byte[128]);
        new NtpPacket().wrap(rx, 0, 48).clearHeader().leapVersionMode(0, 4, 3).transmitTs(7);
        assertEquals(Responder.REPLY, r.respond(rx, 0, 48, 0, CLIENT, 40000, T0, synced, tx, 0));
        // An unknown extension field of 28 bytes (type 0x2005): not NTS, no MAC: a plain 48-byte reply.
        rx.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 48, 0x2005_001C);
        assertEquals(Responder.REPLY, r.respond(rx, 0, 76, 0, CLIENT, 40000, T0, synced, tx, 0));
        assertEquals(48, r.replyLength);
        assertEquals(0, counters.get(Counter.DROPPED_AUTH));
    }
}
