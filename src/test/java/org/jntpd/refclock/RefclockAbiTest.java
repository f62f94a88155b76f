package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compiles native/refclock/refclock_abi.c with gcc and compares the C layouts of {@code struct shmTime} and
 * {@code struct sock_sample} with {@link ShmTime} and {@link SockSample}, and decodes a datagram the C struct filled.
 */
class RefclockAbiTest {
    private static final Path PROJECT = Path.of(System.getProperty("jntpd.projectDir", ".")).toAbsolutePath();
    private static final Path OUT = Path.of(System.getProperty("jntpd.buildDir", "target")).toAbsolutePath()
            .resolve("native");
    private static Map<String, String> abi;

    @BeforeAll
    static void compileAndRun() throws Exception {
        assumeTrue(exitCode(List.of("gcc", "--version")) == 0, "gcc is not installed: the C layouts cannot be read");
        Files.createDirectories(OUT);
        Path exe = OUT.resolve("refclock_abi");
        assertEquals(0, exitCode(List.of("gcc", "-O0", "-Wall", "-Werror", "-o", exe.toString(),
                PROJECT.resolve("native/refclock/refclock_abi.c").toString())), "gcc failed on refclock_abi.c");
        Process p = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertEquals(0, waitFor(p), out);
        abi = new LinkedHashMap<>();
        out.lines().map(l -> l.split("=", 2)).forEach(kv -> abi.put(kv[0], kv[1]));
    }

    @Test
    void shouldMatchTheShmTimeLayoutOfTheCCompiler() {
        assertEquals(ShmTime.sizeof(), num("shmTime.sizeof"));
        assertEquals(ShmTime.MODE, num("shmTime.mode"));
        assertEquals(ShmTime.COUNT, num("shmTime.count"));
        assertEquals(ShmTime.CLOCK_SEC, num("shmTime.clockTimeStampSec"));
        assertEquals(ShmTime.CLOCK_USEC, num("shmTime.clockTimeStampUSec"));
        assertEquals(ShmTime.RECEIVE_SEC, num("shmTime.receiveTimeStampSec"));
        assertEquals(ShmTime.RECEIVE_USEC, num("shmTime.receiveTimeStampUSec"));
        assertEquals(ShmTime.LEAP, num("shmTime.leap"));
        assertEquals(ShmTime.PRECISION, num("shmTime.precision"));
        assertEquals(ShmTime.NSAMPLES, num("shmTime.nsamples"));
        assertEquals(ShmTime.VALID, num("shmTime.valid"));
        assertEquals(ShmTime.CLOCK_NSEC, num("shmTime.clockTimeStampNSec"));
        assertEquals(ShmTime.RECEIVE_NSEC, num("shmTime.receiveTimeStampNSec"));
        assertEquals(ShmTime.DUMMY, num("shmTime.dummy"));
    }

    @Test
    void shouldMatchTheSockSampleLayoutOfTheCCompiler() {
        assertEquals(SockSample.sizeof(), num("sock_sample.sizeof"));
        assertEquals(SockSample.TV_SEC, num("sock_sample.tv_sec"));
        assertEquals(SockSample.TV_USEC, num("sock_sample.tv_usec"));
        assertEquals(SockSample.OFFSET, num("sock_sample.offset"));
        assertEquals(SockSample.PULSE, num("sock_sample.pulse"));
        assertEquals(SockSample.LEAP, num("sock_sample.leap"));
        assertEquals(SockSample.PAD, num("sock_sample._pad"));
        assertEquals(SockSample.MAGIC_OFFSET, num("sock_sample.magic"));
    }

    @Test
    void shouldDecodeADatagramFilledThroughTheCStruct() {
        byte[] bytes = HexFormat.of().parseHex(abi.get("sock_sample.bytes"));
        SockSample s = new SockSample();
        assertEquals(SockSample.Status.OK, s.decode(MemorySegment.ofArray(bytes), bytes.length));
        assertEquals(1_700_000_123_456_789_000L, s.systemTimeNs());
        assertEquals(-0.0123456789, s.offsetSeconds());
        assertEquals(-12_345_679L, s.offsetNs());
        assertEquals(1, s.leap());
        assertEquals(false, s.pulse());

        byte[] encoded = new byte[(int) SockSample.sizeof()];
        SockSample.encode(MemorySegment.ofArray(encoded), 1_700_000_123L, 456_789, -0.0123456789, false, 1);
        assertEquals(abi.get("sock_sample.bytes"), HexFormat.of().formatHex(encoded), "encode writes the C bytes");
    }

    private static long num(String key) {
        return Long.parseLong(abi.get(key));
    }

    private static int exitCode(List<String> cmd) throws IOException, InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return waitFor(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static int waitFor(Process p) throws InterruptedException {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
