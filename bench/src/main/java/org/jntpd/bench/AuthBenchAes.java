package org.jntpd.bench;

import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * The JDK AES primitives the NTS path is built from, one call each: what a {@code Cipher.update} costs for one block
 * and for an NTS-sized message, and what re-keying ({@code Cipher.init} with another key) costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class AuthBenchAes {
    private static final IvParameterSpec ZERO_IV = new IvParameterSpec(new byte[16]);
    private final byte[] in = new byte[256];
    private final byte[] out = new byte[256];
    private final byte[][] keys = new byte[2][16];
    private final SecretKeySpec[] specs = new SecretKeySpec[2];
    private int flip;
    private Cipher cbc;
    private Cipher ecb;
    private Cipher cbcInit;
    private Cipher ecbInit;

    @Setup
    public void setUp() throws Exception {
        keys[1][0] = 1;
        specs[0] = new SecretKeySpec(keys[0], "AES");
        specs[1] = new SecretKeySpec(keys[1], "AES");
        cbc = Cipher.getInstance("AES/CBC/NoPadding");
        cbc.init(Cipher.ENCRYPT_MODE, specs[0], ZERO_IV);
        ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, specs[0]);
        cbcInit = Cipher.getInstance("AES/CBC/NoPadding");
        ecbInit = Cipher.getInstance("AES/ECB/NoPadding");
    }

    @Benchmark
    public byte cbcUpdate16() throws Exception {
        cbc.update(in, 0, 16, out, 0);
        return out[0];
    }

    @Benchmark
    public byte cbcUpdate192() throws Exception {
        cbc.update(in, 0, 192, out, 0);
        return out[0];
    }

    @Benchmark
    public byte cbcDoFinal16() throws Exception {
        cbc.doFinal(in, 0, 16, out, 0);
        return out[0];
    }

    @Benchmark
    public byte ecbUpdate16() throws Exception {
        ecb.update(in, 0, 16, out, 0);
        return out[0];
    }

    @Benchmark
    public byte ecbUpdate112() throws Exception {
        ecb.update(in, 0, 112, out, 0);
        return out[0];
    }

    /** A new key every call (two keys alternate, so the JDK's same-key shortcut never applies), then one block. */
    @Benchmark
    public byte cbcInitNewKey() throws Exception {
        flip ^= 1;
        cbcInit.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys[flip], 0, 16, "AES"), ZERO_IV);
        cbcInit.update(in, 0, 16, out, 0);
        return out[0];
    }

    @Benchmark
    public byte ecbInitNewKey() throws Exception {
        flip ^= 1;
        ecbInit.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys[flip], 0, 16, "AES"));
        ecbInit.update(in, 0, 16, out, 0);
        return out[0];
    }

    /** Re-init with the key already installed: the JDK skips the key expansion. */
    @Benchmark
    public byte ecbInitSameKey() throws Exception {
        ecbInit.init(Cipher.ENCRYPT_MODE, specs[0]);
        ecbInit.update(in, 0, 16, out, 0);
        return out[0];
    }
}
