package org.jntpd.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PerfOptionsTest {
    private static String error(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> PerfOptions.parse(args)).getMessage();
    }

    @Test
    void shouldDefaultToOneStepAtAThousandPerSecondOnPort123() {
        PerfOptions o = PerfOptions.parse("127.0.0.1");
        assertEquals("127.0.0.1", o.host());
        assertEquals(123, o.port());
        assertArrayEquals(new long[] {1000}, o.stepRates());
        assertEquals(2_000_000_000L, o.stepNs());
        assertEquals(8, o.sockets());
        assertEquals(16, o.batch());
        assertEquals(-1, o.cpu());
        assertEquals(4, o.version());
        assertTrue(o.kernelTxStamps());
        assertFalse(o.xleave());
        assertEquals(500_000_000L, o.timeoutNs());
    }

    @Test
    void shouldParseARampAndEveryOption() {
        PerfOptions o = PerfOptions.parse("--ramp", "100000,50000,300000", "--duration", "1.5", "--warmup", "2",
                "--sockets", "4", "--batch", "32", "--cpu", "1", "--xleave", "--user-tx-stamps", "--timeout-ms", "200",
                "--stop-loss", "5", "--max-requests", "1e6", "--kv", "localhost:4123");
        assertArrayEquals(new long[] {100_000, 150_000, 200_000, 250_000, 300_000}, o.stepRates());
        assertEquals(1_500_000_000L, o.stepNs());
        assertEquals(2_000_000_000L, o.warmUpNs());
        assertEquals(4, o.sockets());
        assertEquals(32, o.batch());
        assertEquals(1, o.cpu());
        assertTrue(o.xleave());
        assertFalse(o.kernelTxStamps());
        assertEquals(200_000_000L, o.timeoutNs());
        assertEquals(5.0, o.stopLossPercent());
        assertEquals(1_000_000, o.maxRequests());
        assertTrue(o.kv());
        assertEquals("localhost", o.host());
        assertEquals(4123, o.port());
    }

    @Test
    void shouldParseIpv6Targets() {
        assertEquals("::1", PerfOptions.parse("[::1]:5123").host());
        assertEquals(5123, PerfOptions.parse("[::1]:5123").port());
        assertEquals("::1", PerfOptions.parse("::1").host());
        assertEquals(123, PerfOptions.parse("::1").port());
    }

    @Test
    void shouldNameWhatWasExpected() {
        assertTrue(error("--rate", "0", "h").contains("--rate: expected 1..10000000, got 0"));
        assertTrue(error("--ramp", "1,2", "h").contains("--ramp: expected START,STEP,MAX"));
        assertTrue(error("--ramp", "500,10,100", "h").contains("--ramp MAX: expected 500.."));
        assertTrue(error("--batch", "2000", "h").contains("--batch: expected 1..1024"));
        assertTrue(error("--version", "5", "h").contains("--version: expected 1..4"));
        assertTrue(error("--duration", "x", "h").contains("--duration: expected a number"));
        assertTrue(error("--frobnicate", "h").contains("unknown option --frobnicate"));
        assertTrue(error().contains("expected HOST[:PORT]"));
        assertTrue(error("a", "b").contains("expected one HOST[:PORT], got a and b"));
        assertTrue(error("h:99999").contains("PORT: expected 1..65535"));
        assertTrue(error("--rate", "5", "--ramp", "1,1,2", "h").contains("--rate and --ramp"));
        assertTrue(error("--xleave", "--version", "3", "h").contains("NTPv4"));
        assertTrue(error("--cpu").contains("--cpu: expected a value"));
        assertNull(PerfOptions.parse("--help"));
    }

    @Test
    void shouldRefuseTargetsOutsideLoopbackUnlessAllowed() {
        PerfOptions outside = PerfOptions.parse("198.18.0.1:123");
        String message = assertThrows(IllegalArgumentException.class, () -> PerfCommand.resolve(outside)).getMessage();
        assertTrue(message.contains("198.18.0.1 is not a loopback address"), message);
        assertEquals(123, PerfCommand.resolve(PerfOptions.parse("--allow-nonloopback", "198.18.0.1")).getPort());
        assertTrue(PerfCommand.resolve(PerfOptions.parse("127.0.0.2:9")).getAddress().isLoopbackAddress());
        assertTrue(PerfCommand.resolve(PerfOptions.parse("[::1]:9")).getAddress().isLoopbackAddress());
    }

    @Test
    void shouldExitWithUsageErrorsAndPrintHelp() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, PerfCommand.main(new String[] {"--help"}, o, e));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--ramp START,STEP,MAX"));
        assertEquals(2, PerfCommand.main(new String[] {"--rate"}, o, e));
        assertEquals(1, PerfCommand.main(new String[] {"10.1.2.3"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not a loopback address"));
    }

    @Test
    void shouldScheduleRequestsEvenlyWithoutOverflow() {
        assertEquals(3000, LoadGenerator.scheduledIn(2000, 1_500_000_000L));
        assertEquals(1, LoadGenerator.dueBy(2000, 0)); // request 0 leaves at the start
        assertEquals(1, LoadGenerator.dueBy(2000, 499_999));
        assertEquals(2, LoadGenerator.dueBy(2000, 500_000));
        assertEquals(500_000, LoadGenerator.scheduledAt(2000, 1));
        assertEquals(1_000_000_000L, LoadGenerator.scheduledAt(3, 3));
        assertEquals(333_333_334L, LoadGenerator.scheduledAt(3, 1));
        // an hour at ten million per second stays exact
        assertEquals(36_000_000_000L, LoadGenerator.scheduledIn(10_000_000, 3_600_000_000_000L));
        assertEquals(3_600_000_000_000L, LoadGenerator.scheduledAt(10_000_000, 36_000_000_000L));
        for (long i = 1; i < 10_000; i += 7) {
            long at = LoadGenerator.scheduledAt(30_007, i);
            assertEquals(i + 1, LoadGenerator.dueBy(30_007, at), "request " + i + " is due at its own time");
            assertEquals(i, LoadGenerator.dueBy(30_007, at - 1), "and not a nanosecond before");
        }
    }
}
