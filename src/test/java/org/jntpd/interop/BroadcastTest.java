package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jntpd.proto.Association;
import org.jntpd.testing.ChronyServer;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NetNamespace;
import org.jntpd.testing.Ntpsec;
import org.jntpd.testing.TestFiles;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.timefile.TimeFile;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * Broadcast and multicast (RFC 5905 mode 5) between two network namespaces joined by a veth pair, 198.18.0.1/24 (the
 * server) and 198.18.0.2/24 (the client), with a route for 224.0.0.0/4 on each end. Every daemon runs with clock
 * control off on the host clock, so the truth is known: the broadcast server serves the host clock ({@code local
 * stratum 3}, or chronyd's {@code local stratum 1}), and the jntpd client's error is the correction it publishes in
 * its time file (true time = CLOCK_REALTIME + correction), which must come to tens of microseconds once it follows
 * the broadcasts. tshark on the client's end shows the modes on the wire, and when each broadcast arrived against the
 * transmit time it carried: its lateness, which no broadcast client can see (a broadcast carries T3 alone) and which
 * shows in its error one for one. On this host it moved by hundreds of microseconds from one broadcast to the next
 * (-390..+770 us from jntpd, which adds its median send latency to T3; +60..+410 us from chronyd, which does not: the
 * vCPUs are taken away for 50-340 us at a time, often, between a server's clock reading and its send), so the
 * client's error is judged against the median lateness of the broadcasts it followed, the bound widened by half their
 * interquartile range. NTPsec 1.2.2 cannot take part: it dropped broadcast clients in 0.9.5 and broadcast servers in
 * 1.1.0 ({@code broadcastclient} is a syntax error to its ntpd).
 */
class BroadcastTest {
    private static final String SERVER = "198.18.0.1";
    private static final String CLIENT = "198.18.0.2";
    /** The IPv6 ends (the benchmarking range 2001:2::/48, only inside these namespaces), added without DAD. */
    private static final String SERVER6 = "2001:2::1";
    private static final String CLIENT6 = "2001:2::2";
    private static final long DEADLINE_NS = 90_000_000_000L;
    /** Time-file readings of the client's error after it took broadcasts, 1 s apart. */
    private static final int READINGS = 10;
    /**
     * The median error bound: tens of microseconds, the error of delay/2 as the one-way delay (measured here: +17 us
     * multicast, -42 us from chronyd, +36..+110 us signed, where the server stamps its cold keyed answers early and the
     * calibrated delay comes out long); ntpd's 4 ms default would be 2 ms off.
     */
    private static final long MEDIAN_ERROR_NS = 150_000;
    /**
     * Signed, the server's answers to the calibration were stamped before a cold SHA1 ran (medians of +65..+80 us over
     * three runs, one reading of +149 us), and this bound was twice the others; with the MAC warm-up (MacWarmup) the
     * signed run read -17..+47 us, and the bound is the others'. MacWarmupTest checks the warm-up itself.
     */
    private static final long SIGNED_MEDIAN_ERROR_NS = MEDIAN_ERROR_NS;
    private static final String KEY = "1 SHA1 0123456789abcdef0123456789abcdef01234567";

    /** Two namespaces with the veth pair between them; closed in reverse. */
    private record Link(NetNamespace server, NetNamespace client) implements AutoCloseable {
        static Link create() throws IOException {
            NetNamespace s = NetNamespace.create();
            NetNamespace c;
            try {
                c = NetNamespace.create();
            } catch (IOException e) {
                s.close();
                throw e;
            }
            Link l = new Link(s, c);
            try {
                ip("link", "add", "bcs0", "netns", s.name(), "type", "veth", "peer", "name", "bcc0", "netns", c.name());
                ip("-n", s.name(), "addr", "add", SERVER + "/24", "brd", "198.18.0.255", "dev", "bcs0");
                ip("-n", c.name(), "addr", "add", CLIENT + "/24", "brd", "198.18.0.255", "dev", "bcc0");
                ip("-n", s.name(), "link", "set", "bcs0", "up");
                ip("-n", c.name(), "link", "set", "bcc0", "up");
                ip("-n", s.name(), "route", "add", "224.0.0.0/4", "dev", "bcs0");
                ip("-n", c.name(), "route", "add", "224.0.0.0/4", "dev", "bcc0");
                ip("-n", s.name(), "-6", "addr", "add", SERVER6 + "/64", "dev", "bcs0", "nodad");
                ip("-n", c.name(), "-6", "addr", "add", CLIENT6 + "/64", "dev", "bcc0", "nodad");
                awaitNoTentative(s, c);
            } catch (IOException | RuntimeException e) {
                l.close();
                throw e;
            }
            return l;
        }

        @Override
        public void close() {
            try (server) {
                client.close();
            }
        }
    }

    /**
     * Waits (at most 10 s) until no IPv6 address on either end is tentative: the link-local ones go through DAD
     * (about a second) and cannot be sent from before, which an ff02::101 server needs.
     */
    private static void awaitNoTentative(NetNamespace... namespaces) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (NetNamespace ns : namespaces) {
            while (true) {
                ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(10),
                        List.of("ip", "-n", ns.name(), "-6", "addr", "show", "tentative"));
                if (r.exitCode() != 0 || r.output().isBlank() || System.nanoTime() - deadline > 0) {
                    break;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(10), cmd);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r);
        }
    }

    /**
     * A jntpd broadcast server signing with key 1, a jntpd broadcast client trusting key 1 (auth on, ntpd's default):
     * the client calibrates with signed client requests, then follows the signed broadcasts to within tens of
     * microseconds.
     */
    @Test
    void jntpdShouldFollowASignedJntpdBroadcastServer() throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make network namespaces (port 123)");
        Path dir = Files.createTempDirectory("jntpd-bcast");
        try {
            Path keys = dir.resolve("ntp.keys");
            Files.write(keys, List.of(KEY));
            Run r = run(dir, List.of("local stratum 3", "keys " + keys, "trustedkey 1",
                    "broadcast 198.18.0.255 key 1 minpoll 1"), List.of("broadcastclient", "keys " + keys, "trustedkey 1"),
                    " (key 1)");
            assertTrue(r.clientLog().contains("(measured); taking its broadcasts"), "calibrated" + r.where());
            assertTrue(seen(r.packets(), SERVER, "123", "198.18.0.255", "123", 5, true),
                    "signed mode 5 from the server's port 123 to the broadcast address" + r.where());
            assertTrue(seen(r.packets(), CLIENT, null, SERVER, "123", 3, true), "signed calibration requests" + r.where());
            assertTrue(seen(r.packets(), SERVER, "123", CLIENT, null, 4, true), "signed answers" + r.where());
            assertSmall(r, SIGNED_MEDIAN_ERROR_NS);
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    /**
     * {@code broadcastclient novolley}: no calibration exchange (the server answers no client request, and none is on
     * the wire), and the path's round trip taken as ntpd's default broadcastdelay of 4 ms, so the client, on the server's
     * clock, believes itself 2 ms minus the real one-way delay (tens of microseconds) behind.
     */
    @Test
    void jntpdShouldTakeBroadcastsWithoutCalibratingWithNovolley() throws Exception {
        Run r = runInTempDir("jntpd-novolley", List.of("local stratum 3", "broadcast 198.18.0.255 minpoll 1"),
                List.of("broadcastclient novolley", "disable auth"), " (unauthenticated)");
        assertTrue(r.clientLog().contains("path delay 4.0 ms (novolley: ntpd's default broadcastdelay); taking its"
                + " broadcasts"), "no calibration" + r.where());
        assertTrue(!r.clientLog().contains("(measured)"), "no calibration" + r.where());
        // (the server's sockets on port 123 receive its own broadcasts too: counted received, dropped by mode)
        assertEquals(0, NtpqRawPathTest.count(r.serverStats(), "replied"), "no client request answered" + r.where());
        assertTrue(!seen(r.packets(), CLIENT, null, SERVER, "123", 3, false), "no mode 3 on the wire" + r.where());
        assertTrue(seen(r.packets(), SERVER, "123", "198.18.0.255", "123", 5, false) || r.packets().getFirst()
                .startsWith("(tshark"), "mode 5 broadcasts" + r.where());
        long[] sorted = Arrays.stream(r.errors()).map(e -> e + r.late().medianNs()).sorted().toArray();
        long medianNs = sorted[sorted.length / 2];
        long boundNs = MEDIAN_ERROR_NS + r.late().halfSpreadNs();
        assertTrue(Math.abs(medianNs - Association.DEFAULT_BROADCAST_DELAY_NS / 2) <= boundNs,
                "median correction (plus the broadcasts' median lateness) +2 ms (delay/2) within " + boundNs / 1000
                        + " us: " + medianNs + " ns" + r.where());
    }

    /** Multicast to 224.0.1.1 (ntpd's group), unauthenticated, which the client takes after {@code disable auth}. */
    @Test
    void jntpdShouldFollowAJntpdMulticastServerWithAuthDisabled() throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make network namespaces (port 123)");
        Path dir = Files.createTempDirectory("jntpd-mcast");
        try {
            Run r = run(dir, List.of("local stratum 3", "broadcast 224.0.1.1 minpoll 1 ttl 1"),
                    List.of("multicastclient", "disable auth"), " (unauthenticated)");
            assertTrue(seen(r.packets(), SERVER, "123", "224.0.1.1", "123", 5, false), "mode 5 to the group, no MAC"
                    + r.where());
            if (!r.ntpq().startsWith("(no NTPsec")) { // ntpq shows the association heard as a broadcast one, type b
                assertTrue(r.ntpq().lines().anyMatch(l -> l.matches("\\*198\\.18\\.0\\.1\\s+\\S+\\s+3\\s+b\\s.*")),
                        "ntpq -pn: *198.18.0.1 ... 3 b" + r.where());
            }
            assertSmall(r, MEDIAN_ERROR_NS);
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    /**
     * IPv6 multicast to ff05::101 (site scope) with a hop limit of 3: the server sends from its global address with
     * IPV6_MULTICAST_HOPS 3, the client joins the group on its interface (IPV6_JOIN_GROUP), calibrates with client
     * exchanges over IPv6 and follows the broadcasts to within tens of microseconds.
     */
    @Test
    void jntpdShouldFollowAJntpdIpv6MulticastServer() throws Exception {
        Run r = runInTempDir("jntpd-mcast6", List.of("local stratum 3", "broadcast ff05::101 minpoll 1 ttl 3"),
                List.of("multicastclient ff05::101", "disable auth"), SERVER6, " (unauthenticated)");
        assertTrue(r.clientLog().contains("(measured); taking its broadcasts"), "calibrated" + r.where());
        assertTrue(hopLimits(r.packets(), SERVER6, "ff05::101", 5).equals(List.of("3")),
                "mode 5 from [2001:2::1]:123 to [ff05::101]:123, hop limit 3 and only 3" + r.where());
        assertTrue(seen(r.packets(), CLIENT6, null, SERVER6, "123", 3, false), "calibration requests" + r.where());
        assertSmall(r, MEDIAN_ERROR_NS);
    }

    /**
     * IPv6 multicast to the link-local group ff02::101: the server names its interface (IPV6_MULTICAST_IF: no route
     * leads to a link-local group) and sends from its link-local address with the default hop limit of 1; the client
     * joins on its interface by index and calibrates with that link-local address, scoped to the interface the
     * broadcasts came in on.
     */
    @Test
    void jntpdShouldFollowAJntpdLinkLocalMulticastServer() throws Exception {
        Run r = runInTempDir("jntpd-mcast6ll", List.of("local stratum 3", "broadcast ff02::101 minpoll 1"),
                List.of("multicastclient ff02::101", "disable auth"), "fe80:", "");
        assertTrue(r.clientLog().contains("(measured); taking its broadcasts"), "calibrated" + r.where());
        List<String> fromLinkLocal = r.packets().stream().map(p -> p.split("\t", -1))
                .filter(f -> f.length == 7 && f[0].startsWith("fe80:") && f[2].equals("ff02::101") && f[4].equals("5"))
                .map(f -> f[6]).distinct().toList();
        assertTrue(fromLinkLocal.equals(List.of("1")) || r.packets().getFirst().startsWith("(tshark"),
                "mode 5 from a link-local address to ff02::101, hop limit 1: " + fromLinkLocal + r.where());
        assertSmall(r, MEDIAN_ERROR_NS);
    }

    /** The distinct hop limits of mode {@code mode} packets from {@code src} to {@code dst} port 123 on the wire. */
    private static List<String> hopLimits(List<String> packets, String src, String dst, int mode) {
        if (!packets.isEmpty() && packets.getFirst().startsWith("(tshark")) {
            return List.of("3"); // no capture: said by the wire's report
        }
        return packets.stream().map(p -> p.split("\t", -1)).filter(f -> f.length == 7 && f[0].equals(src)
                && f[1].equals("123") && f[2].equals(dst) && f[3].equals("123") && f[4].equals(Integer.toString(mode)))
                .map(f -> f[6]).distinct().toList();
    }

    /** {@link #run} in a temporary directory of its own, deleted after; skips where namespaces cannot be made. */
    private static Run runInTempDir(String prefix, List<String> serverConf, List<String> clientConf, String authText)
            throws Exception {
        return runInTempDir(prefix, serverConf, clientConf, SERVER, authText);
    }

    /** As above, for a server heard from {@code serverName} (an address, or its start). */
    private static Run runInTempDir(String prefix, List<String> serverConf, List<String> clientConf, String serverName,
            String authText) throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make network namespaces (port 123)");
        Path dir = Files.createTempDirectory(prefix);
        try {
            return run(dir, serverConf, clientConf, serverName, authText);
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    /**
     * What a jntpd server and client pair did: the client's errors, the lateness of the broadcasts they were made of
     * (zero without a capture), the wire, its log, the server's serverstats, and all of it for messages.
     */
    private record Run(long[] errors, Lateness late, List<String> packets, String clientLog, String ntpq,
            String serverStats, String where) {}

    /** The median lateness of the broadcasts in the readings' span and half their interquartile range, ns. */
    private record Lateness(long medianNs, long halfSpreadNs) {
        static Lateness of(List<Long> latenessNs) {
            long[] l = latenessNs.stream().mapToLong(Long::longValue).sorted().toArray();
            return l.length == 0 ? new Lateness(0, 0)
                    : new Lateness(l[l.length / 2], (l[l.length * 3 / 4] - l[l.length / 4]) / 2);
        }
    }

    /**
     * A jntpd server ({@code serverConf}) and client ({@code clientConf} and a time file) on the two ends of a fresh
     * link, the wire captured on the client's end; the client's error is read once its association for the server
     * (logged with {@code authText}) takes broadcasts.
     */
    private static Run run(Path dir, List<String> serverConf, List<String> clientConf, String authText) throws Exception {
        return run(dir, serverConf, clientConf, SERVER, authText);
    }

    private static Run run(Path dir, List<String> serverConf, List<String> clientConf, String serverName,
            String authText) throws Exception {
        try (Link link = Link.create()) {
            Path sDir = Files.createDirectory(dir.resolve("server"));
            Path cDir = Files.createDirectory(dir.resolve("client"));
            List<String> client = new ArrayList<>(clientConf);
            client.add("timefile " + cDir.resolve("time"));
            Capture wire = Capture.start(link.client(), dir);
            try (JntpdProcess s = jntpd(link.server(), sDir, serverConf.toArray(String[]::new));
                    JntpdProcess c = jntpd(link.client(), cDir, client.toArray(String[]::new))) {
                Readings readings = follow(c, cDir.resolve("time"), "added broadcast server " + serverName + authText);
                String ntpq;
                try {
                    ntpq = Ntpsec.ntpq(link.client(), "-n", "-p");
                } catch (org.opentest4j.TestAbortedException e) {
                    ntpq = "(no NTPsec ntpq: " + e.getMessage() + ")";
                }
                System.out.println("BroadcastTest ntpq -pn:\n" + ntpq);
                List<String> packets = wire.stop();
                Lateness late = Lateness.of(wire.latenessNs(readings));
                String stats = s.jntpc("serverstats");
                return new Run(readings.errorsNs(), late, packets, c.log(), ntpq, stats, report(readings, wire, packets, s,
                        c) + "\n--- ntpq -pn\n" + ntpq + "\n--- server's serverstats\n" + stats);
            } finally {
                wire.stop();
            }
        }
    }

    /**
     * chronyd -x as the broadcast server ({@code broadcast 2 198.18.0.255}, unauthenticated): with auth on (the
     * default) jntpd refuses it and says why, and so it does with {@code disable auth} under {@code restrict ... nopeer};
     * with {@code disable auth} alone it calibrates against chronyd's answers and follows its broadcasts.
     */
    @Test
    void jntpdShouldFollowChronydsBroadcastsOnlyWithAuthDisabled() throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make network namespaces (port 123)");
        assumeTrue(ChronyServer.program().isPresent(), "chronyd is not installed");
        Path dir = Files.createTempDirectory("jntpd-bcast-chrony");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // chronyd runs as _chrony
        Process chronyd = null;
        try (Link link = Link.create()) {
            Path conf = dir.resolve("chronyd.conf");
            Files.write(conf, List.of("local stratum 1", "broadcast 2 198.18.0.255", "allow 198.18.0.0/15", "port 123",
                    "cmdport 0", "bindcmdaddress /", "pidfile " + dir.resolve("chronyd.pid")));
            List<String> cmd = new ArrayList<>(link.server().exec());
            cmd.addAll(ExternalProgram.withoutSysTime(ChronyServer.program().orElseThrow().toString(), "-x", "-d", "-f",
                    conf.toString()));
            chronyd = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile())
                    .start();
            Path refused = Files.createDirectory(dir.resolve("refused"));
            try (JntpdProcess client = jntpd(link.client(), refused, "broadcastclient")) {
                client.awaitLog("broadcast server " + SERVER + " ignored: not authenticated", 30_000);
            }
            Path restricted = Files.createDirectory(dir.resolve("restricted"));
            try (JntpdProcess client = jntpd(link.client(), restricted, "broadcastclient", "disable auth",
                    "restrict 198.18.0.0 mask 255.255.255.0 nopeer")) {
                client.awaitLog("broadcast server " + SERVER + " ignored: not authenticated, and restricted nopeer", 30_000);
            }
            Path cDir = Files.createDirectory(dir.resolve("client"));
            Capture wire = Capture.start(link.client(), dir);
            try (JntpdProcess client = jntpd(link.client(), cDir, "broadcastclient", "disable auth",
                    "timefile " + cDir.resolve("time"))) {
                Readings readings = follow(client, cDir.resolve("time"), "added broadcast server " + SERVER
                        + " (unauthenticated)");
                List<String> packets = wire.stop();
                String where = report(readings, wire, packets, null, client) + "\n--- chronyd\n"
                        + TestFiles.readOrExplain(dir.resolve("chronyd.log"));
                assertTrue(client.log().contains("(measured); taking its broadcasts"), "chronyd answered the calibration" + where);
                assertSmall(readings.errorsNs(), Lateness.of(wire.latenessNs(readings)), MEDIAN_ERROR_NS, where);
            } finally {
                wire.stop();
            }
        } finally {
            if (chronyd != null) {
                ExternalProgram.kill(chronyd);
            }
            TestFiles.deleteTree(dir);
        }
    }

    private static JntpdProcess jntpd(NetNamespace ns, Path dir, String... config) throws IOException {
        List<String> lines = new ArrayList<>(List.of(config));
        lines.add("controlsocket " + dir.resolve("control.sock"));
        return JntpdProcess.builder().commandPrefix(ns.exec().toArray(String[]::new)).port(123).bindAddress(null)
                .dir(dir).config(lines.toArray(String[]::new)).start();
    }

    /**
     * The client's errors, ns, and the wall-clock span (ms since the epoch) of the broadcasts they can be made of: from
     * {@link #SETTLE_MS} before the first reading to the last.
     */
    private record Readings(long[] errorsNs, long fromEpochMs, long toEpochMs) {}

    /**
     * Fifteen broadcasts (2 s apart) past the calibration, so the estimate follows them rather than the calibration:
     * after six, a client whose calibration replies were delayed by this host's stalls still drifted by 6 us/s (+210..
     * +276 us over the readings, the broadcasts' median lateness -1.4 us, three of eleven beyond 40 us); broadcasts as
     * noisy as the stalls make them are worth little each.
     */
    private static final long SETTLE_MS = 30_000;

    /**
     * Waits (bounded) for the client to mobilise the server's association and take its broadcasts, then reads its
     * error (the time file's correction) {@link #READINGS} times, 1 s apart.
     */
    private static Readings follow(JntpdProcess client, Path timeFile, String added) throws Exception {
        client.awaitLog(added, 30_000);
        client.awaitLog("taking its broadcasts", 30_000);
        long deadline = System.nanoTime() + DEADLINE_NS;
        Thread.sleep(SETTLE_MS);
        long[] errors = new long[READINGS];
        long fromMs = System.currentTimeMillis() - SETTLE_MS;
        try (TimeFile.Reader r = new TimeFile.Reader(timeFile)) {
            for (int i = 0; i < READINGS && System.nanoTime() - deadline < 0; i++) {
                TimeFile.Update u = r.read();
                assertTrue(u.synchronised(), "the client says it is synchronised\n" + client.log());
                errors[i] = u.correctionNs();
                Thread.sleep(1_000);
            }
        }
        return new Readings(errors, fromMs, System.currentTimeMillis());
    }

    /** Whether a packet from {@code src:sport} to {@code dst:dport} (null: any port) in {@code mode} was seen, with a MAC or without. */
    private static boolean seen(List<String> packets, String src, String sport, String dst, String dport, int mode,
            boolean mac) {
        for (String p : packets) {
            String[] f = p.split("\t", -1);
            if (f.length >= 6 && f[0].equals(src) && (sport == null || f[1].equals(sport)) && f[2].equals(dst)
                    && (dport == null || f[3].equals(dport)) && f[4].equals(Integer.toString(mode))
                    && f[5].isEmpty() != mac) {
                return true;
            }
        }
        return false;
    }

    private static void assertSmall(Run r, long boundNs) {
        assertSmall(r.errors(), r.late(), boundNs, r.where());
    }

    /**
     * The client's error, plus the broadcasts' median lateness (a broadcast late by L reads L low, and a client that
     * follows it corrects by -L), has a median within {@code boundNs} and half the lateness's interquartile range (a
     * client that weighs the broadcasts well sits anywhere among them).
     */
    private static void assertSmall(long[] errors, Lateness late, long boundNs, String where) {
        long[] abs = Arrays.stream(errors).map(e -> Math.abs(e + late.medianNs())).sorted().toArray();
        long widenedNs = boundNs + late.halfSpreadNs();
        assertTrue(abs[abs.length / 2] <= widenedNs, "median |error + broadcasts' median lateness "
                + String.format(Locale.ROOT, "%+.1f", late.medianNs() / 1e3) + " us| within " + widenedNs / 1000
                + " us" + where);
    }

    private static String report(Readings readings, Capture wire, List<String> packets, JntpdProcess server,
            JntpdProcess client) {
        StringBuilder b = new StringBuilder("\n--- client error (us):");
        for (long e : readings.errorsNs()) {
            b.append(String.format(Locale.ROOT, " %+.1f", e / 1e3));
        }
        b.append("\n--- broadcasts' lateness (us; wire time - T3) in the readings' span:");
        for (long l : wire.latenessNs(readings)) {
            b.append(String.format(Locale.ROOT, " %+.1f", l / 1e3));
        }
        System.out.println("BroadcastTest" + b);
        b.append("\n--- wire (src, port, dst, port, mode, key id)\n").append(String.join("\n", packets));
        if (server != null) {
            b.append("\n--- server\n").append(server.log());
        }
        return b.append("\n--- client\n").append(client.log()).toString();
    }

    /**
     * tshark on the client's end of the veth pair, NTP packets as "src, sport, dst, dport, mode, keyid" lines (IPv6
     * ones with the hop limit after), and each broadcast's lateness: its capture time (the kernel's receive stamp on
     * the client's end, as the client's own) less the transmit timestamp it carries.
     */
    private static final class Capture {
        private final Process tshark;
        private final Path out;
        private List<String> lines;
        /** Mode 5 packets: capture time (ns since the epoch), lateness (ns). */
        private final List<long[]> broadcasts = new ArrayList<>();

        private Capture(Process tshark, Path out) {
            this.tshark = tshark;
            this.out = out;
        }

        /** A capture, or one that sees nothing when tshark is not installed (the wire assertions then say so). */
        static Capture start(NetNamespace ns, Path dir) throws Exception {
            Path out = dir.resolve("wire.txt");
            Files.createFile(out);
            if (ExternalProgram.find("tshark").isEmpty()) {
                Files.write(out, List.of("(tshark is not installed)"));
                return new Capture(null, out);
            }
            Path log = dir.resolve("tshark.log");
            Process p = new ProcessBuilder(ns.exec("tshark", "-i", "bcc0", "-n", "-l", "-f", "udp port 123", "-T",
                    "fields", "-e", "ip.src", "-e", "udp.srcport", "-e", "ip.dst", "-e", "udp.dstport", "-e",
                    "ntp.flags.mode", "-e", "ntp.keyid", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.hlim", "-e",
                    "frame.time_epoch", "-e", "udp.payload"))
                    .redirectOutput(out.toFile()).redirectError(log.toFile()).start();
            for (int i = 0; i < 300 && !TestFiles.readOrExplain(log).contains("Capturing on"); i++) {
                assertTrue(p.isAlive(), () -> "tshark exited: " + TestFiles.readOrExplain(log));
                Thread.sleep(100);
            }
            return new Capture(p, out);
        }

        List<String> stop() throws Exception {
            if (lines == null) {
                if (tshark != null) {
                    ExternalProgram.kill(tshark);
                    tshark.waitFor();
                }
                lines = new ArrayList<>();
                // IPv6: its addresses in the IPv4 columns, the hop limit last
                for (String l : Files.readAllLines(out)) {
                    String[] f = l.split("\t", -1);
                    if (f.length == 11) {
                        broadcast(f);
                        f = Arrays.copyOf(f, 9);
                    }
                    lines.add(f.length == 9 && f[0].isEmpty() && !f[6].isEmpty()
                            ? String.join("\t", f[6], f[1], f[7], f[3], f[4], f[5], f[8])
                            : f.length == 9 ? String.join("\t", Arrays.copyOf(f, 6)) : l);
                }
            }
            return lines;
        }

        /** A mode 5 packet's capture time and lateness, from frame.time_epoch and the payload's bytes 40-47 (T3). */
        private void broadcast(String[] f) {
            if (!f[4].equals("5") || f[10].length() < 2 * NtpPacket.HEADER_LENGTH) {
                return;
            }
            long t3Ntp64 = Long.parseUnsignedLong(f[10].substring(80, 96), 16);
            String[] epoch = f[9].split("\\.");
            long wireNs = Long.parseLong(epoch[0]) * 1_000_000_000L
                    + Long.parseLong(((epoch.length > 1 ? epoch[1] : "") + "000000000").substring(0, 9));
            broadcasts.add(new long[] {wireNs, wireNs - NtpTimestamp.toUnixNs(t3Ntp64, wireNs)});
        }

        /** The lateness of the broadcasts captured in the readings' span, ns, in order ({@link #stop} first). */
        List<Long> latenessNs(Readings r) {
            return broadcasts.stream().filter(b -> b[0] / 1_000_000 >= r.fromEpochMs() && b[0] / 1_000_000 <= r.toEpochMs())
                    .map(b -> b[1]).toList();
        }
    }
}
