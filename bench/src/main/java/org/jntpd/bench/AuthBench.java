package org.jntpd.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jntpd.auth.Aead;
import org.jntpd.auth.KeyFile;
import org.jntpd.auth.MacEngine;
import org.jntpd.nts.CookieCodec;
import org.jntpd.nts.NonceSource;
import org.jntpd.nts.NtsClientCodec;
import org.jntpd.nts.NtsServerCodec;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.wire.Malformation;
import org.jntpd.wire.NtpPacket;
import org.jntpd.wire.NtpPacketValidator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-packet cost of the authenticated server paths against the plain one, on the same requests in native memory:
 * <ul>
 *   <li>{@code plain}: classify a 48-byte request and build the 48-byte reply (the wire work of every reply);</li>
 *   <li>{@code nts}: the same plus NTS: open the cookie, verify the request's authenticator, seal a reply with one new
 *       cookie (a 228-byte request, as chronyd sends, from one of 64 clients whose key schedules are cached);</li>
 *   <li>{@code nts-miss}: as {@code nts} but every request from another of 4096 clients, so each one re-keys AES;</li>
 *   <li>{@code md5}, {@code aes128}: symmetric-key MAC verify and sign (68-byte requests).</li>
 * </ul>
 * Run with {@code bench/jmh -prof gc AuthBench} for B/op (0 expected except {@code nts-miss}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class AuthBench {
    private static final long NOW_NS = 1_795_633_000_000_000_000L;

    @Param({"plain", "nts", "nts-miss", "md5", "aes128"})
    public String path;

    private Arena arena;
    private MemorySegment[] requests;
    private int[] lengths;
    private MemorySegment out;
    private int next;
    private NtsServerCodec nts;
    private MacEngine mac;
    private final NtpPacket request = new NtpPacket();
    private final NtpPacket reply = new NtpPacket();
    private long nowNtp = 0xEEB1C19D_00000000L;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        arena = Arena.ofConfined();
        out = arena.allocate(2048, 64);
        Random random = new Random(11);
        ServerKeySet keys = ServerKeySet.empty().rotate(NOW_NS / 1_000_000_000L, ServerKeySet.Rotation.DEFAULT,
                random::nextBytes);
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        NonceSource nonces = new NonceSource(seed);
        int clients = switch (path) {
            case "nts-miss" -> 4096;
            case "nts" -> 64;
            default -> 1;
        };
        requests = new MemorySegment[clients];
        lengths = new int[clients];
        if (path.startsWith("nts")) {
            nts = new NtsServerCodec(() -> keys, nonces, path.equals("nts") ? 1024 : 256);
            CookieCodec issuer = new CookieCodec(() -> keys, nonces);
            for (int i = 0; i < clients; i++) {
                byte[] both = new byte[64];
                random.nextBytes(both);
                if (path.equals("nts")) {
                    both[0] = (byte) (2 * i); // one cache set each: this case measures hits
                    both[1] = 0;
                    both[2] = 0;
                }
                NtsClientCodec client = new NtsClientCodec();
                client.keys(Aead.AES_SIV_CMAC_256, java.util.Arrays.copyOf(both, 32), java.util.Arrays.copyOfRange(both, 32, 64));
                byte[] cookie = new byte[CookieCodec.MAX_LENGTH];
                int n = issuer.seal(Aead.AES_SIV_CMAC_256, both, 0, NOW_NS / 1_000_000_000L, cookie, 0);
                byte[] uid = new byte[32];
                byte[] nonce = new byte[16];
                random.nextBytes(uid);
                random.nextBytes(nonce);
                requests[i] = arena.allocate(2048, 64);
                header(requests[i], random.nextLong());
                lengths[i] = client.request(requests[i], 0, 2048, 48, uid, 32, cookie, n, 0, nonce, 16);
            }
        } else {
            requests[0] = arena.allocate(2048, 64);
            header(requests[0], random.nextLong());
            lengths[0] = 48;
            if (!path.equals("plain")) {
                mac = new MacEngine(KeyFile.parse("bench.keys", List.of("1 MD5 HEX:7c49d1280512431cb950fccb0cf457eaee01e358",
                        "3 AES128 HEX:dc0071ba3e77421bb0bba66ce46dab2c"), KeyFile.Dialect.CHRONY).keys(), null);
                int key = mac.keyIndex(path.equals("md5") ? 1 : 3);
                lengths[0] = mac.sign(requests[0], 0, 48, key, 16);
            }
        }
        for (int i = 0; i < 2 * clients; i++) {
            if (serve() <= 0) {
                throw new IllegalStateException(path + ": request not served");
            }
        }
    }

    private static void header(MemorySegment s, long transmit) {
        new NtpPacket().wrap(s, 0, 48).clearHeader().leapVersionMode(0, 4, 3).pollLog2(6).transmitTs(transmit);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** One request through the path; returns the reply length. */
    @Benchmark
    public int serve() {
        int i = next;
        next = next + 1 == requests.length ? 0 : next + 1;
        MemorySegment in = requests[i];
        int length = lengths[i];
        if (NtpPacketValidator.classify(in, 0, length) != Malformation.OK) {
            return -1;
        }
        if (nts != null && nts.open(in, 0, length, NOW_NS) != NtsServerCodec.OK) {
            return -2;
        }
        if (mac != null && mac.verify(in, 0, length) != MacEngine.OK) {
            return -3;
        }
        request.wrap(in, 0, length);
        long now = nowNtp += 4295;
        reply.wrap(out, 0, NtpPacket.HEADER_LENGTH)
                .replyTo(request, NtpPacket.MODE_SERVER)
                .leap(NtpPacket.LEAP_NONE).stratum(2).precisionLog2(-24)
                .rootDelay(0x0000_0123).rootDispersion(0x0000_0456).refId(0xC0000201)
                .referenceTs(now - (16L << 32)).receiveTs(now).transmitTs(now + 42950);
        if (nts != null) {
            return nts.seal(out, 0, NtpPacket.HEADER_LENGTH, length, NOW_NS);
        }
        if (mac != null) {
            return mac.signLikeRequest(out, 0, NtpPacket.HEADER_LENGTH);
        }
        return NtpPacket.HEADER_LENGTH;
    }
}
