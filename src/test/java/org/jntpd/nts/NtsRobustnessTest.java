package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.jntpd.auth.Aead;
import org.jntpd.wire.Malformation;
import org.jntpd.wire.NtpPacketValidator;
import org.junit.jupiter.api.Test;

/**
 * Mutated input never breaks the parsers: 50,000 mutations of a valid NTS request (bit flips, overwritten lengths,
 * cuts, growth) through the server codec and 50,000 of a KE request and response through the KE codec. Only the
 * documented outcomes come back (a verdict, a {@link KeException}); a request that still authenticates gets a reply
 * no longer than itself.
 */
class NtsRobustnessTest {
    private static final long NOW_NS = 1_795_633_000_000_000_000L;

    @Test
    void shouldSurviveMutatedNtpRequests() {
        Random random = new Random(99);
        AtomicReference<ServerKeySet> keys = new AtomicReference<>(ServerKeySet.empty()
                .rotate(NOW_NS / 1_000_000_000L, ServerKeySet.Rotation.DEFAULT, random::nextBytes));
        NonceSource nonces = new NonceSource(new byte[32]);
        NtsServerCodec server = new NtsServerCodec(keys::get, nonces, 16);
        CookieCodec issuer = new CookieCodec(keys::get, nonces);
        byte[] both = new byte[64];
        random.nextBytes(both);
        NtsClientCodec client = new NtsClientCodec();
        client.keys(Aead.AES_SIV_CMAC_256, java.util.Arrays.copyOf(both, 32), java.util.Arrays.copyOfRange(both, 32, 64));
        byte[] cookie = new byte[CookieCodec.MAX_LENGTH];
        int cookieLength = issuer.seal(Aead.AES_SIV_CMAC_256, both, 0, NOW_NS / 1_000_000_000L, cookie, 0);
        MemorySegment good = MemorySegment.ofArray(new byte[2048]);
        good.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        int length = client.request(good, 0, 2048, 48, new byte[32], 32, cookie, cookieLength, 2, new byte[16], 16);
        byte[] original = good.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        MemorySegment rx = MemorySegment.ofArray(new byte[2048]);
        MemorySegment tx = MemorySegment.ofArray(new byte[2048]);
        int[] verdicts = new int[4];
        for (int i = 0; i < 50_000; i++) {
            byte[] m = original.clone();
            int n = m.length;
            switch (random.nextInt(4)) {
                case 0 -> m[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
                case 1 -> { // a field length overwritten
                    int at = 48 + 4 * random.nextInt((n - 48) / 4);
                    m[at + 2] = (byte) random.nextInt(256);
                    m[at + 3] = (byte) random.nextInt(256);
                }
                case 2 -> n = 48 + 4 * random.nextInt((n - 48) / 4); // cut at a word
                default -> { // grown with random words
                    int extra = 4 * random.nextInt(64);
                    m = java.util.Arrays.copyOf(m, n + extra);
                    for (int k = n; k < n + extra; k++) {
                        m[k] = (byte) random.nextInt(256);
                    }
                    n += extra;
                }
            }
            MemorySegment.copy(m, 0, rx, ValueLayout.JAVA_BYTE, 0, n);
            if (NtpPacketValidator.classify(rx, 0, n) != Malformation.OK) {
                continue; // the serving loop drops these before NTS sees them
            }
            int verdict = server.open(rx, 0, n, NOW_NS);
            verdicts[verdict]++;
            if (verdict == NtsServerCodec.OK) {
                MemorySegment.copy(rx, 0, tx, 0, 48);
                int reply = server.seal(tx, 0, 48, n, NOW_NS);
                assertTrue(reply <= n, "reply of " + reply + " to a request of " + n);
            } else if (verdict == NtsServerCodec.NAK) {
                assertTrue(server.nak(tx, 0, 48) <= n);
            }
        }
        assertTrue(verdicts[NtsServerCodec.DROP] > 0 && verdicts[NtsServerCodec.NAK] > 0,
                java.util.Arrays.toString(verdicts));
    }

    @Test
    void shouldSurviveMutatedKeMessages() {
        Random random = new Random(98);
        byte[] request = KeRequest.ntpv4(15, 17).encode();
        byte[] response = new KeResponse(15, List.of(new byte[104], new byte[104]), "ntp.example", 1123).encode();
        int parsed = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] m = (i % 2 == 0 ? request : response).clone();
            for (int f = 1 + random.nextInt(3); f > 0; f--) {
                m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(4) == 0) {
                m = java.util.Arrays.copyOf(m, random.nextInt(m.length + 1));
            }
            try {
                List<KeRecord> records = KeRecord.split(m);
                if (i % 2 == 0) {
                    KeRequest.parse(records);
                } else {
                    KeResponse.parse(records, List.of(15, 17));
                }
                parsed++;
            } catch (KeException expected) {
                // refused with a reason
            }
        }
        assertTrue(parsed > 0 && parsed < 50_000, "some mutations still parse, most do not: " + parsed);
    }
}
