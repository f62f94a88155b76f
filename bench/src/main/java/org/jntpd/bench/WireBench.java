package org.jntpd.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.jntpd.wire.ExtensionFieldCursor;
import org.jntpd.wire.LegacyMac;
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
 * Per-packet cost of the wire layer on the server path: classify a received request, walk its extension fields
 * and MAC, and build a mode 4 reply into a preallocated segment. Requests are real captures (golden tests):
 * a plain chronyd request (48 B), a chronyd AES-CMAC keyed request (68 B), a chronyd NTS request (228 B).
 * Run with {@code bench/jmh -prof gc WireBench} to see B/op (expected 0).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class WireBench {
    private static final String PLAIN = "23000620000000000000000000000000000000000000000000000000000000000000000000000000"
            + "3ac2d9b85fb88355";
    private static final String KEYED = "23000020000000000000000000000000000000000000000000000000000000000000000000000000"
            + "c6062c7347d384fe000000036cd927d40d0d6f7c04f2c39b8832cdc0";
    private static final String NTS = "2300fc2000000000000000000000000000000000000000000000000000000000000000000000000045d4de805b3c60cf01040024"
            + "729abcf64cde481397e6e38c25c9e4c79522bf3f6394c59894bc629c85c9e0d702040068255499f7d4d44c19310640a25fb072c2"
            + "2ba9128d5f70960748eefc61d494f7cfa7c24fba1df75467860e5ffe98c350b0de70b4caca00df189fe43f30cbfd5e9140e10fe4"
            + "f7b55c95de67af4ebefb9442bfd7bdb655fabb8e8d3a7f76b6995ba599b74b0604040028001000108aa0560e7c76b73666149ed4"
            + "309822ed0806fba93b2efa67001d60e320f87f64";

    @Param({"heap", "native"})
    public String memory;

    @Param({"plain", "keyed", "nts"})
    public String request;

    private Arena arena;
    private MemorySegment in;
    private MemorySegment out;
    private int length;
    private long nowNtp = 0xEEB1C19D_00000000L;

    private final NtpPacket requestPacket = new NtpPacket();
    private final NtpPacket reply = new NtpPacket();
    private final ExtensionFieldCursor cursor = new ExtensionFieldCursor();
    private final LegacyMac mac = new LegacyMac();

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = HexFormat.of().parseHex(switch (request) {
            case "plain" -> PLAIN;
            case "keyed" -> KEYED;
            default -> NTS;
        });
        length = bytes.length;
        if (memory.equals("native")) {
            arena = Arena.ofConfined();
            in = arena.allocate(2048, 64);
            out = arena.allocate(2048, 64);
        } else {
            in = MemorySegment.ofArray(new byte[2048]);
            out = MemorySegment.ofArray(new byte[2048]);
        }
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, in, 0, length);
        if (handle() != NtpPacket.HEADER_LENGTH) {
            throw new IllegalStateException(request + " request not accepted");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (arena != null) {
            arena.close();
        }
    }

    /** Classify, parse, reply: returns the reply length plus what was read, so nothing is dead code. */
    @Benchmark
    public long handle() {
        if (NtpPacketValidator.classify(in, 0, length) != Malformation.OK) {
            return 0;
        }
        requestPacket.wrap(in, 0, length);
        long seen = 0;
        cursor.wrap(in, 0, length);
        while (cursor.next()) {
            seen += cursor.type() ^ cursor.valueLength();
        }
        if (cursor.mac(mac)) {
            seen += mac.keyId();
        }
        long now = nowNtp += 4295; // ~1 us
        reply.wrap(out, 0, NtpPacket.HEADER_LENGTH)
                .replyTo(requestPacket, NtpPacket.MODE_SERVER)
                .leap(NtpPacket.LEAP_NONE).stratum(2).precisionLog2(-24)
                .rootDelay(0x0000_0123).rootDispersion(0x0000_0456).refId(0xC0000201)
                .referenceTs(now - (16L << 32)).receiveTs(now).transmitTs(now + 42950);
        return NtpPacket.HEADER_LENGTH + (seen & 0x10000L);
    }
}
