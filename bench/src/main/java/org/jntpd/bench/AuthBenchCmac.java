package org.jntpd.bench;

import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.jntpd.auth.AesCmac;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Why {@link AesCmac} chains on the JDK's AES/CBC: the CMAC of a 228-byte message (an NTS request's associated data)
 * with the chain on {@code AES/CBC/NoPadding} (one call per message) against the same chain made of one
 * {@code AES/ECB} call per block. Both give the RFC 4493 tag (checked at setup).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class AuthBenchCmac {
    private static final int LENGTH = 228;
    private final byte[] message = new byte[LENGTH];
    private final byte[] key = new byte[16];
    private final byte[] tag = new byte[16];
    private final byte[] x = new byte[16];
    private final byte[] k1 = new byte[16];
    private AesCmac cbc;
    private Cipher ecb;

    @Setup
    public void setUp() throws Exception {
        for (int i = 0; i < LENGTH; i++) {
            message[i] = (byte) i;
        }
        cbc = new AesCmac(LENGTH);
        cbc.key(key, 0, 16);
        ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        ecb.update(new byte[16], 0, 16, k1, 0);
        doubleBlock(k1); // K1; 228 is not a multiple of 16, so K2 = dbl(K1) is the one used
        doubleBlock(k1);
        byte[] a = new byte[16];
        cbc.mac(message, 0, LENGTH, a, 0);
        ecbChain();
        if (!java.util.Arrays.equals(a, tag)) {
            throw new IllegalStateException("the two CMACs differ");
        }
    }

    private static void doubleBlock(byte[] b) {
        int carry = (b[0] & 0x80) != 0 ? 0x87 : 0;
        for (int i = 0; i < 15; i++) {
            b[i] = (byte) (b[i] << 1 | (b[i + 1] & 0xFF) >>> 7);
        }
        b[15] = (byte) (b[15] << 1 ^ carry);
    }

    @Benchmark
    public byte cbcChain() {
        cbc.mac(message, 0, LENGTH, tag, 0);
        return tag[0];
    }

    @Benchmark
    public byte ecbChain() throws Exception {
        java.util.Arrays.fill(x, (byte) 0);
        int full = (LENGTH - 1) / 16;
        for (int b = 0; b < full; b++) {
            for (int i = 0; i < 16; i++) {
                x[i] ^= message[16 * b + i];
            }
            ecb.update(x, 0, 16, tag, 0);
            System.arraycopy(tag, 0, x, 0, 16);
        }
        int rest = LENGTH - 16 * full;
        for (int i = 0; i < 16; i++) {
            int m = i < rest ? message[16 * full + i] : i == rest ? 0x80 : 0;
            x[i] ^= (byte) (m ^ k1[i]);
        }
        ecb.update(x, 0, 16, tag, 0);
        return tag[0];
    }
}
