package org.jntpd.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.xdp.ReplyCounterProgram;
import org.jntpd.xdp.VethNamespaces;
import org.junit.jupiter.api.Test;

/**
 * {@code jntpc perf --raw} end to end: AF_XDP requests from 4096 addresses over a veth to {@link FakeServer} in the
 * other namespace, whose T3 - T2 is 50 us exactly; the replies counted in XDP. T3 - T2 is checked against that truth,
 * T3 - T4 against what must hold (the reply arrives after the server received the request); the bucket arithmetic
 * by itself below.
 */
class RawPerfTest {
    private static final int PORT = 10123;
    private static final long SERVER_NS = 50_000;

    @Test
    void shouldMeasureAServerWithKnownTimesThroughTheRawSender() throws Exception {
        assumeTrue(VethNamespaces.available(), "namespaces and XDP need root and iproute2");
        try (VethNamespaces net = VethNamespaces.create()) {
            assertEquals(0, net.runInServer(Duration.ofSeconds(10), "ip", "route", "add", "198.19.0.0/16", "via",
                    VethNamespaces.CLIENT_V4).exitCode());
            String mac = net.runInServer(Duration.ofSeconds(10), "cat", "/sys/class/net/" + VethNamespaces.SERVER_DEV
                    + "/address").output().strip();
            Process server = new ProcessBuilder(net.inServer(java(FakeServerMain.class.getName(),
                    VethNamespaces.SERVER_V4, Integer.toString(PORT), Long.toString(SERVER_NS),
                    Long.toString(Long.MIN_VALUE), "60"))).redirectErrorStream(true).start();
            try {
                BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(),
                        StandardCharsets.UTF_8));
                assertEquals("READY", lines.readLine());
                ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(60), net.inClient(java(
                        "org.jntpd.cli.Jntpc", "perf", "--raw", VethNamespaces.CLIENT_DEV, "--raw-mac", mac,
                        "--raw-sources", "198.19.0.0/4096", "--warmup", "0.5", "--rate", "2000", "--duration", "1",
                        "--kv", "--allow-nonloopback", VethNamespaces.SERVER_V4 + ":" + PORT)));
                assumeTrue(r.exitCode() == 0 || !r.output().contains("--raw " + VethNamespaces.CLIENT_DEV + ": "),
                        "XDP or AF_XDP cannot attach here: " + r);
                assertEquals(0, r.exitCode(), r.toString());
                Map<String, String> step = kv(r.output(), "step=1 ");
                assertEquals(2000, Double.parseDouble(step.get("offered_rps")), 200, r.toString());
                assertTrue(Double.parseDouble(step.get("loss_pct")) < 5, r.toString());
                // 50 us falls in the 2^-20 s bucket [49.6, 50.5) us: p50 and p99 are its upper edge
                assertEquals(50_545, Long.parseLong(step.get("server_p50_ns")), 1, r.toString());
                assertEquals(50_545, Long.parseLong(step.get("server_p99_ns")), 1, r.toString());
                // T3 = T2 + 50 us and the reply arrives after T2 (same clock): T3 - T4 < 50 us; the median within
                // the fake's turnaround on a busy machine (a wrong TAI offset or era would be off by seconds)
                long tx50 = Long.parseLong(step.get("tx_err_p50_ns"));
                long tx99 = Long.parseLong(step.get("tx_err_p99_ns"));
                assertTrue(tx99 <= SERVER_NS + 256, r.toString());
                assertTrue(tx50 > SERVER_NS - 5_000_000, r.toString());
                assertTrue(r.output().contains("summary max_sustained_rps="), r.toString());
            } finally {
                server.getOutputStream().close();
                server.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                server.destroyForcibly();
            }
        }
    }

    @Test
    void shouldReadPercentilesFromTheBuckets() {
        long[] server = new long[ReplyCounterProgram.BUCKETS];
        server[52] = 99;
        server[ReplyCounterProgram.BUCKETS - 1] = 1; // >= 3.9 ms or negative
        long[] error = new long[ReplyCounterProgram.BUCKETS];
        error[ReplyCounterProgram.BUCKETS / 2 - 4] = 50; // [-1024, -768) ns
        error[ReplyCounterProgram.BUCKETS / 2 + 1] = 50; // [256, 512) ns
        RawLoad.Step s = new RawLoad.Step(1, 100, 100, 100, 1, server, error);
        assertEquals(50_545, s.serverNs(0.5), 1);
        assertEquals(50_545, s.serverNs(0.99), 1);
        assertEquals(3_906_250, s.serverNs(1), 1);
        assertEquals(-896, s.txErrorNs(0.5));
        assertEquals(384, s.txErrorNs(0.51));
        assertEquals(0, s.lossPercent());
        assertEquals(-1, RawLoad.bucketAt(new long[4], 0.5));
    }

    private static String[] java(String main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx128m",
                "--enable-native-access=ALL-UNNAMED", "-cp", NativeBuild.buildDir().resolve("classes") + ":"
                        + NativeBuild.buildDir().resolve("test-classes"), main));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    private static Map<String, String> kv(String output, String prefix) {
        String line = output.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + prefix + " in\n" + output));
        Map<String, String> m = new HashMap<>();
        for (String w : line.split(" ")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                m.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return m;
    }
}
