package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NetNamespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request whose reply cannot be sent must not cost the replies of the clients behind it in the same receive batch.
 * The real daemon serves in a network namespace; a spoofing sender there (raw sockets, src/test/resources/spoof)
 * puts one request whose source is unanswerable in front of 8 legitimate ones, 200 times per kind: source port 0
 * (IPv4 and IPv6: dropped on arrival and counted), the broadcast address of the namespace's subnet (the reply gets
 * EACCES), an address without a route (ENETUNREACH, IPv4 and IPv6). Every legitimate reply must arrive. (Before the
 * worker skipped a failing reply, sendmmsg's first error ended the batch: 94-565 of each 1600 arrived.)
 */
class SpoofedSourceTest {
    private static final int ROUNDS = 200;
    private static final Pattern SUMMARY = Pattern.compile("legitimate (\\d+) answered (\\d+)");

    @Test
    void shouldAnswerEveryLegitimateClientBehindAnUnanswerableSpoofedRequest(@TempDir Path dir) throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and iproute2 for a network namespace");
        assumeTrue(ExternalProgram.find("python3").isPresent(), "the spoofing sender is a python3 script");
        Path script = NativeBuild.projectDir().resolve("src/test/resources/spoof/spoof_and_ask.py");
        Path socket = dir.resolve("control.sock");
        try (NetNamespace ns = NetNamespace.create()) {
            // A subnet with a broadcast address: a veth pair inside the namespace, 198.18.0.1/24 on one end.
            ip("-n", ns.name(), "link", "add", "v0", "type", "veth", "peer", "name", "v1");
            ip("-n", ns.name(), "addr", "add", "198.18.0.1/24", "dev", "v0");
            ip("-n", ns.name(), "link", "set", "v0", "up");
            ip("-n", ns.name(), "link", "set", "v1", "up");
            try (JntpdProcess jntpd = JntpdProcess.builder().commandPrefix(ns.exec().toArray(String[]::new)).port(123)
                    .bindAddress(null).dir(dir).config("local stratum 3", "controlsocket " + socket).start()) {
                String[][] cases = {
                    {"4", "127.0.0.1", "port0"}, {"4", "127.0.0.1", "broadcast"}, {"4", "127.0.0.1", "unreachable"},
                    {"6", "::1", "port0"}, {"6", "::1", "unreachable"}};
                for (String[] c : cases) {
                    ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(120), ns.exec("python3",
                            script.toString(), c[0], c[1], "123", c[2], Integer.toString(ROUNDS)));
                    Matcher m = SUMMARY.matcher(r.output());
                    assertEquals(true, r.exitCode() == 0 && m.find(), () -> "IPv" + c[0] + " " + c[2] + ": " + r);
                    assertEquals(8 * ROUNDS, Integer.parseInt(m.group(2)),
                            () -> "IPv" + c[0] + " " + c[2] + ": legitimate replies lost\n" + r.output());
                }
                String stats = query(socket, "serverstats");
                assertEquals(2 * ROUNDS, counter(stats, "dropped port zero"), stats);
                assertEquals(3 * ROUNDS, counter(stats, "send errors"), stats);
                // Built and counted as replied: the legitimate ones and the three kinds whose reply the kernel refused.
                assertEquals(5 * 8 * ROUNDS + 3 * ROUNDS, counter(stats, "replied"), stats);
            }
        }
    }

    private static void ip(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(20), cmd);
        assumeTrue(r.exitCode() == 0, () -> String.join(" ", cmd) + ": " + r);
    }

    private static long counter(String stats, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s*: (\\d+)$").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String query(Path socket, String command) throws Exception {
        return org.jntpd.cli.Jntpc.request(socket.toString(), command); // serverstats as jntpc prints it
    }
}
