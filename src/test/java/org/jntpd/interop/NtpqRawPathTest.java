package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.Ntpsec;
import org.jntpd.testing.TestFiles;
import org.jntpd.xdp.RawPathService;
import org.jntpd.xdp.VethNamespaces;
import org.junit.jupiter.api.Test;

/**
 * NTPsec's real ntpq against the daemon (-x) serving through the AF_XDP raw path: two namespaces over a veth
 * (VethNamespaces), the XDP program on the server end steering every UDP datagram to port 123 past the kernel. The
 * raw path hands mode 6 to the same mode 6 thread as the sockets, and the replies leave through the kernel's socket
 * (XDP only sees what comes in): {@code -c rv} and {@code -p} answered over IPv4, {@code rv} over IPv6, a
 * {@code noquery} address refused, and the counters say the requests came through the raw path. The source is a
 * chronyd -x (stratum 1) on the server namespace's loopback, which the program leaves alone.
 */
class NtpqRawPathTest {
    private static final int SOURCE_PORT = 11123;
    private static final String SOURCE = "127.0.0.2";
    private static final String NOQUERY_CLIENT = "198.18.0.3";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** argv: source server. One READSTAT from source to server:123; prints the replies seen within 1.5 s. */
    private static final String READSTAT_FROM = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[1], 0))
            s.settimeout(1.5)
            s.sendto(bytes.fromhex('160100010000000000000000'), (sys.argv[2], 123))
            n = 0
            try:
                while True:
                    s.recvfrom(1000)
                    n += 1
            except socket.timeout:
                pass
            print(n)
            """;

    /** argv: source port target n. n NTP client requests from source:port to target:123; prints the replies. */
    private static final String NTP_FROM = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[1], int(sys.argv[2])))
            s.settimeout(1.5)
            got = 0
            for i in range(int(sys.argv[4])):
                s.sendto(b'\\x23' + bytes(47), (sys.argv[3], 123))
                try:
                    s.recvfrom(512)
                    got += 1
                except socket.timeout:
                    pass
            print(got)
            """;

    /**
     * With {@code ratelimit} on, mrulist lists the clients the raw path answered (the raw workers' limiter tables) as
     * well as those the sockets answered: 198.18.0.2:40002 over the veth (XDP) and 127.0.0.1:40001 on the server's
     * loopback (the kernel's socket), each with its count, mode 3 and version 4.
     */
    @Test
    void mrulistShouldListTheRawPathsClientsBesideTheSocketsOnes() throws Exception {
        assumeTrue(VethNamespaces.available(), "namespaces and XDP need root and iproute2");
        Ntpsec.root(); // skips when NTPsec cannot be had
        Path dir = Files.createTempDirectory("jntpd-mrulist-raw");
        try (VethNamespaces net = VethNamespaces.create();
                JntpdProcess jntpd = JntpdProcess.builder().port(123).bindAddress(null).dir(dir)
                        .commandPrefix(net.inServer().toArray(String[]::new))
                        .javaOptions("-D" + RawPathService.PROP_NAME + "=xdp," + VethNamespaces.SERVER_DEV)
                        .config("local stratum 2", "controlsocket " + dir.resolve("control.sock"),
                                "ratelimit interval -4 burst 16", "restrict 198.18.0.0 mask 255.255.255.0")
                        .start()) {
            String attached = jntpd.awaitLog("raw path on " + VethNamespaces.SERVER_DEV, 20_000);
            assumeTrue(attached != null && !jntpd.log().contains("cannot attach"), "XDP cannot attach: " + jntpd.log());
            ExternalProgram.Result raw = net.runInClient(TIMEOUT, "python3", "-c", NTP_FROM, VethNamespaces.CLIENT_V4,
                    "40002", VethNamespaces.SERVER_V4, "3");
            ExternalProgram.Result socket = net.runInServer(TIMEOUT, "python3", "-c", NTP_FROM, "127.0.0.1", "40001",
                    "127.0.0.1", "2");
            String stats = jntpd.jntpc("serverstats");
            String where = "\n--- serverstats\n" + stats + "\n--- jntpd\n" + jntpd.log();
            assertEquals("3", raw.output().strip(), raw + where);
            assertEquals("2", socket.output().strip(), socket + where);
            assertTrue(count(stats, "raw frames sent") >= 3, "the veth client was answered through XDP" + where);

            String out = Ntpsec.ntpq(net.clientNamespace(), "-n", "-c", "mrulist", VethNamespaces.SERVER_V4);
            List<String[]> rows = NtpqMrulistTest.rows(out);
            where = "\n--- mrulist\n" + out + where;
            assertEquals(2, rows.size(), where);
            // newest first: " lstint avgint rstr r m v  count    score   drop rport remote address"
            String[] socketRow = rows.get(0);
            String[] rawRow = rows.get(1);
            assertEquals(List.of("3", "4", "2", "40001", "127.0.0.1"),
                    List.of(socketRow[4], socketRow[5], socketRow[6], socketRow[9], socketRow[10]), where);
            assertEquals(List.of("3", "4", "3", "40002", VethNamespaces.CLIENT_V4),
                    List.of(rawRow[4], rawRow[5], rawRow[6], rawRow[9], rawRow[10]), where);
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    @Test
    void ntpqShouldBeAnsweredThroughTheRawPathAndOnlyToThoseAllowed() throws Exception {
        assumeTrue(VethNamespaces.available(), "namespaces and XDP need root and iproute2");
        NtpqTest.assumeChronydAndNtpsec();
        Path dir = Files.createTempDirectory("jntpd-ntpq-raw");
        Process chronyd = null;
        try (VethNamespaces net = VethNamespaces.create()) {
            ExternalProgram.Result added = ExternalProgram.run(TIMEOUT, "ip", "-n", net.client(), "addr", "add",
                    NOQUERY_CLIENT + "/24", "dev", VethNamespaces.CLIENT_DEV);
            assertEquals(0, added.exitCode(), added.toString());
            chronyd = NtpqTest.chronyd(net.serverNamespace(), dir, SOURCE, SOURCE_PORT, 1);
            try (JntpdProcess jntpd = JntpdProcess.builder().port(123).bindAddress(null).dir(dir)
                    .commandPrefix(net.inServer().toArray(String[]::new))
                    .javaOptions("-D" + RawPathService.PROP_NAME + "=xdp," + VethNamespaces.SERVER_DEV)
                    .config("server " + SOURCE + " port " + SOURCE_PORT + " minpoll 2 maxpoll 2 iburst",
                            "controlsocket " + dir.resolve("control.sock"),
                            "restrict 198.18.0.0 mask 255.255.255.0",
                            "restrict " + NOQUERY_CLIENT + " noquery",
                            "restrict 2001:2::/64")
                    .start()) {
                String attached = jntpd.awaitLog("raw path on " + VethNamespaces.SERVER_DEV, 20_000);
                assumeTrue(attached != null && !jntpd.log().contains("cannot attach"),
                        "XDP cannot attach here: " + jntpd.log());
                assertTrue(jntpd.awaitLog("synchronised to", 30_000) != null, jntpd.log());
                String before = jntpd.jntpc("serverstats");

                String v4 = Ntpsec.ntpq(net.clientNamespace(), "-n", "-c", "rv", "-c", "peers",
                        VethNamespaces.SERVER_V4);
                String where = v4 + "\n--- serverstats before\n" + before + "\n--- jntpd\n" + jntpd.log();
                assertTrue(v4.contains("version=\"jntpd"), "rv names the daemon:\n" + where);
                assertTrue(v4.contains("stratum=2,"), "one above its stratum-1 source:\n" + where);
                assertTrue(v4.contains("refid=" + SOURCE + ","), where);
                List<String> peers = v4.lines().dropWhile(l -> !(l.contains("remote") && l.contains("refid")))
                        .toList();
                assertTrue(peers.size() == 3, "header, rule and one source:\n" + where);
                List<Telegraf.Row> rows = Telegraf.parse(peers);
                assertEquals(1, rows.size(), where);
                assertEquals(SOURCE, rows.getFirst().tags().get("remote"), where);
                assertEquals("1", rows.getFirst().tags().get("stratum"), where);
                assertTrue(peers.get(2).startsWith("*" + SOURCE), "the system peer's tally:\n" + where);

                String v6 = Ntpsec.ntpq(net.clientNamespace(), "-n", "-c", "rv 0 stratum,leap",
                        VethNamespaces.SERVER_V6);
                assertTrue(v6.contains("stratum=2") && v6.contains("leap=00"), "over IPv6:\n" + v6 + "\n" + where);

                ExternalProgram.Result allowed = net.runInClient(TIMEOUT, "python3", "-c", READSTAT_FROM,
                        VethNamespaces.CLIENT_V4, VethNamespaces.SERVER_V4);
                ExternalProgram.Result refused = net.runInClient(TIMEOUT, "python3", "-c", READSTAT_FROM,
                        NOQUERY_CLIENT, VethNamespaces.SERVER_V4);
                assertEquals("1", allowed.output().strip(), allowed + "\n" + where);
                assertEquals("0", refused.output().strip(), "restrict noquery: " + refused + "\n" + where);

                String after = jntpd.jntpc("serverstats");
                String stats = "--- serverstats after\n" + after + "\n" + where;
                assertEquals(1, count(after, "mode6 denied") - count(before, "mode6 denied"), stats);
                long mode6 = count(after, "mode6 received") - count(before, "mode6 received");
                assertTrue(mode6 >= 4, "rv, peers (and its readvars), IPv6 rv, the READSTAT: " + stats);
                assertTrue(count(after, "raw frames received") - count(before, "raw frames received") >= mode6 + 1,
                        "every request came through the raw path: " + stats);
                assertEquals(0, count(after, "raw frames sent") - count(before, "raw frames sent"),
                        "mode 6 is answered through the socket, not the TX ring: " + stats);
            }
        } finally {
            if (chronyd != null) {
                ExternalProgram.kill(chronyd);
            }
            TestFiles.deleteTree(dir);
        }
    }

    /** A counter of jntpc serverstats' text ({@code name : N}), the raw path's included. */
    static long count(String serverstats, String name) {
        return serverstats.lines().filter(l -> l.matches(java.util.regex.Pattern.quote(name) + "\\s*:\\s*\\d+"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + name + "' in\n" + serverstats));
    }
}
