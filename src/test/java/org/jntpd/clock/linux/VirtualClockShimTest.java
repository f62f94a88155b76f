package org.jntpd.clock.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds native/vclock (the libc virtual-clock test double) with gcc and runs its C test, then loads the library into
 * this JVM the way the platform layer does ({@code SymbolLookup.libraryLookup(path).or(defaultLookup())}).
 */
class VirtualClockShimTest {
    private static final Path PROJECT = Path.of(System.getProperty("jntpd.projectDir", ".")).toAbsolutePath();
    private static final Path OUT = Path.of(System.getProperty("jntpd.buildDir", "target")).toAbsolutePath()
            .resolve("native");
    private static final Path SHIM = OUT.resolve("libjntpd_vclock.so");
    private static final String[] SCENARIOS = {"guard", "rate", "pll", "leap-insert", "leap-delete", "raw-truth",
        "sockets", "log", "wander-a", "wander-b", "threads", "passthrough", "preload"};

    @BeforeAll
    static void buildShimAndTest() throws Exception {
        assumeTrue(succeeds(List.of("gcc", "--version")),
                "gcc is not installed: the virtual-clock shim cannot be built");
        Result build = run(List.of("sh", PROJECT.resolve("native/vclock/build.sh").toString(), OUT.toString()), 60);
        assertEquals(0, build.exitCode, () -> "native/vclock/build.sh failed:\n" + build.output);
    }

    @Test
    void shouldPassEveryScenarioOfTheNativeTest() throws Exception {
        Result test = run(List.of(OUT.resolve("test_vclock").toString(), SHIM.toString()), 90);
        assertEquals(0, test.exitCode, () -> "test_vclock failed:\n" + test.output);
        assertFalse(test.output.contains("FAIL"), test.output);
        assertTrue(test.output.contains("vclock: " + SCENARIOS.length + " scenarios, 0 failed"), test.output);
        for (String scenario : SCENARIOS) {
            String finished = scenario.equals("guard")
                    ? "ok   guard: the seccomp guard kills a child that calls adjtimex"
                    : "ok   " + scenario + ": scenario finished (status 0x0)";
            assertTrue(test.output.contains(finished), () -> "missing '" + finished + "' in:\n" + test.output);
        }
        assertTrue(test.output.contains("ok   host: host adjtimex state unchanged")
                || test.output.contains("ok   host: the host clock is disciplined by another program"), test.output);
    }

    @Test
    void shouldNeverImportTheHostClockSetters() throws Exception {
        assumeTrue(succeeds(List.of("nm", "--version")), "nm (binutils) is not installed");
        Result imports = run(List.of("nm", "-D", "--undefined-only", SHIM.toString()), 30);
        assertEquals(0, imports.exitCode, imports.output);
        for (String setter : List.of("clock_settime", "settimeofday", "adjtimex", "clock_adjtime", "ntp_adjtime",
                "adjtime", "stime")) {
            assertFalse(imports.output.lines().anyMatch(l -> l.trim().matches("U " + setter + "(@.*)?")),
                    () -> setter + " is linked into the shim:\n" + imports.output);
        }
    }

    /** The JVM dlopen()s the shim RTLD_LOCAL: its clock_gettime stands in for libc's only through this lookup. */
    @Test
    @SuppressWarnings("restricted")
    void shouldStandInForLibcWhenTheJvmLoadsIt() throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup shim = SymbolLookup.libraryLookup(SHIM, Arena.global()).or(linker.defaultLookup());
        FunctionDescriptor gettime = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
        MethodHandle configure = linker.downcallHandle(shim.find("jntpd_vclock_configure").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle virtualGettime = linker.downcallHandle(shim.find("clock_gettime").orElseThrow(), gettime);
        MethodHandle hostGettime = linker.downcallHandle(linker.defaultLookup().find("clock_gettime").orElseThrow(),
                gettime);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16, 8);
            assertEquals(-1, (int) configure.invokeExact(arena.allocateFrom("0.3;50")), "a malformed spec is refused");
            assertEquals(0, (int) configure.invokeExact(arena.allocateFrom("0.3,50")));
            long bestWidthNs = Long.MAX_VALUE;
            long offsetNs = 0;
            for (int i = 0; i < 9; i++) {
                long t1 = realtimeNs(hostGettime, ts);
                long v = realtimeNs(virtualGettime, ts);
                long t2 = realtimeNs(hostGettime, ts);
                if (t2 - t1 < bestWidthNs) {
                    bestWidthNs = t2 - t1;
                    offsetNs = v - (t1 + (t2 - t1) / 2);
                }
            }
            long toleranceNs = bestWidthNs / 2 + 100_000; // 50 ppm over a few ms since configure, plus the bracket
            assertEquals(300_000_000L, offsetNs, toleranceNs, "virtual minus host CLOCK_REALTIME");
        } finally {
            int rc = (int) configure.invokeExact(MemorySegment.NULL);
            assertEquals(0, rc, "back to pass-through");
        }
    }

    private static long realtimeNs(MethodHandle clockGettime, MemorySegment ts) throws Throwable {
        int rc = (int) clockGettime.invokeExact(0, ts);
        if (rc != 0) {
            fail("clock_gettime returned " + rc);
        }
        return ts.get(JAVA_LONG, 0) * 1_000_000_000L + ts.get(JAVA_LONG, 8);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, int timeoutS) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (IOException e) {
                return ("reading the output failed: " + e).getBytes(StandardCharsets.UTF_8);
            }
        });
        if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + timeoutS + " s");
        }
        return new Result(process.exitValue(), new String(output.join(), StandardCharsets.UTF_8));
    }

    private static boolean succeeds(List<String> command) {
        try {
            return run(command, 30).exitCode == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
