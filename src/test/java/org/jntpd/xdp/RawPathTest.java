package org.jntpd.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.server.linux.ControlQueue;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The raw path in two network namespaces over veth: real clients (ntpdig, python3-ntplib, chronyd -x) answered
 * through XDP and AF_XDP over IPv4 and IPv6; ping and another UDP port still reach the kernel; malformed frames
 * (crafted and sent through an AF_PACKET socket) dropped and counted by reason; the XDP flood filter and the server's
 * rate limiter hold; mode 6 requests go to the mode 6 queue (a full one drops them, counted). Skips with the
 * kernel's reason where XDP or AF_XDP cannot attach.
 */
class RawPathTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT = 123; // ntpdig speaks to 123 only

    @BeforeAll
    static void needsNamespaces() {
        assumeTrue(VethNamespaces.available(), "namespaces and XDP need root and iproute2");
    }

    private static RawServer startOrSkip(VethNamespaces net, List<String> jvmArgs, String... words) throws Exception {
        try {
            return RawServer.start(net.inServer(), PORT, jvmArgs, words);
        } catch (RawServer.Unavailable e) {
            assumeTrue(false, "XDP/AF_XDP cannot attach here: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void shouldAnswerNtpdigAndNtplibOverIpv4AndIpv6ThroughXdp() throws Exception {
        assumeTrue(ExternalProgram.find("ntpdig").isPresent(), "ntpdig is not installed (package ntpsec-ntpdig)");
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of(), "xdp", VethNamespaces.SERVER_DEV)) {
            assertTrue(raw.description().contains("AF_XDP"), raw.description());
            for (String server : List.of(VethNamespaces.SERVER_V4, VethNamespaces.SERVER_V6)) {
                List<Double> offsets = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    ExternalProgram.Result r = net.runInClient(CLIENT_TIMEOUT, ExternalProgram.withoutSysTime(
                            "ntpdig", "-j", "-p", "2", "-t", "2", server).toArray(String[]::new));
                    String where = r + "\n--- raw server\n" + raw.output();
                    assertEquals(0, r.exitCode(), where);
                    String json = r.output().lines().filter(l -> l.startsWith("{")).findFirst().orElse("");
                    assertEquals("2", field(json, "stratum"), where);
                    assertEquals("\"no-leap\"", field(json, "leap"), where);
                    assertEquals("false", field(json, "adjusted"), where);
                    offsets.add(Double.parseDouble(field(json, "offset")));
                }
                // Same clock on both ends: a correct server is measured near 0 (the first exchange of a cold JVM is
                // slow on one leg, hence the median).
                double median = offsets.stream().sorted().toList().get(1);
                assertTrue(Math.abs(median) < 0.002, server + ": ntpdig offsets " + offsets);
            }
            String script = """
                    import ntplib
                    c = ntplib.NTPClient()
                    for host in ('%s', '%s'):
                        r = c.request(host, port=%d, version=4, timeout=2)
                        print(host, r.stratum, r.leap, r.version, r.mode, r.ref_id, '%%.6f' %% r.offset)
                    """.formatted(VethNamespaces.SERVER_V4, VethNamespaces.SERVER_V6, PORT);
            ExternalProgram.Result r = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", script);
            assumeTrue(!r.output().contains("No module named 'ntplib'"), "python3-ntplib is not installed");
            String where = r + "\n--- raw server\n" + raw.output();
            assertEquals(0, r.exitCode(), where);
            // stratum 2, no leap, version 4, mode 4 (server), refid 198.18.0.99 as the test state says
            assertTrue(r.output().contains(VethNamespaces.SERVER_V4 + " 2 0 4 4 3323068515 "), where);
            assertTrue(r.output().contains(VethNamespaces.SERVER_V6 + " 2 0 4 4 3323068515 "), where);
            Map<String, Long> c = raw.stop();
            assertTrue(c.get("ntp.REPLIED") >= 8, c.toString());
            assertEquals(c.get("ntp.REPLIED"), c.get("raw.FRAMES_SENT"), c.toString());
            assertEquals(c.get("ntp.REPLIED"), c.get("ntp.LATENCY_COUNT"), "each reply in the latency histogram: " + c);
            assertEquals(0, c.get("raw.NO_RX_STAMP"), "every frame carried the XDP program's RX stamp: " + c);
            assertEquals(c.get("xdp.REDIRECTED"), c.get("raw.FRAMES_RECEIVED"), c.toString());
        }
    }

    @Test
    void shouldServeInGenericXdpModeTooAndRefuseZeroCopyWhereTheDriverHasNone() throws Exception {
        try (VethNamespaces net = VethNamespaces.create()) {
            try (RawServer raw = startOrSkip(net, List.of(), "xdp", VethNamespaces.SERVER_DEV, "generic")) {
                assertTrue(raw.description().contains("XDP generic (skb)"), raw.description());
                ExternalProgram.Result r = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", BURST_SENDER,
                        VethNamespaces.SERVER_V6, Integer.toString(PORT), "3");
                assertEquals("3", r.output().strip(), r + "\n" + raw.output());
            }
            // veth has no AF_XDP zero-copy: asked for explicitly, the bind fails and says why
            RawServer.Unavailable e = org.junit.jupiter.api.Assertions.assertThrows(RawServer.Unavailable.class,
                    () -> RawServer.start(net.inServer(), PORT, List.of(), "xdp", VethNamespaces.SERVER_DEV, "zerocopy"));
            assertTrue(e.getMessage().contains("bind(AF_XDP)") && e.getMessage().contains("errno 95"), e.getMessage());
        }
    }

    @Test
    void shouldLeavePingAndOtherUdpPortsToTheKernel() throws Exception {
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of(), "xdp", VethNamespaces.SERVER_DEV)) {
            for (String server : List.of(VethNamespaces.SERVER_V4, VethNamespaces.SERVER_V6)) {
                ExternalProgram.Result ping = net.runInClient(CLIENT_TIMEOUT, "ping", "-c", "3", "-i", "0.2", "-W", "2",
                        server);
                assumeTrue(!ping.output().contains("exec of \"ping\" failed"), "ping is not installed (iputils-ping)");
                assertEquals(0, ping.exitCode(), ping.toString());
                assertTrue(ping.output().contains("3 received"), ping.toString());
            }
            // A UDP echo on port 9123 served by the kernel in the server namespace.
            Process echo = new ProcessBuilder(net.inServer(PYTHON, "-c", """
                    import socket
                    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                    s.bind(('::', 9123))
                    s.settimeout(20)
                    for _ in range(2):
                        d, a = s.recvfrom(100)
                        s.sendto(b'echo:' + d, a)
                    """)).redirectErrorStream(true).start();
            try {
                Thread.sleep(500);
                ExternalProgram.Result r = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", """
                        import socket
                        for fam, host in ((socket.AF_INET, '%s'), (socket.AF_INET6, '%s')):
                            s = socket.socket(fam, socket.SOCK_DGRAM)
                            s.settimeout(3)
                            s.sendto(b'hello', (host, 9123))
                            print(s.recvfrom(100)[0].decode())
                        """.formatted(VethNamespaces.SERVER_V4, VethNamespaces.SERVER_V6));
                assertEquals(0, r.exitCode(), r.toString());
                assertEquals("echo:hello\necho:hello", r.output().strip(), r.toString());
            } finally {
                ExternalProgram.kill(echo);
            }
            Map<String, Long> c = raw.stop();
            assertEquals(0, c.get("xdp.REDIRECTED"), "nothing but NTP is redirected: " + c);
            assertTrue(c.get("xdp.PASSED") >= 8, "pings and echoes went through the program to the kernel: " + c);
        }
    }

    @Test
    void shouldDropAndCountMalformedFramesByReason() throws Exception {
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of(), "xdp", VethNamespaces.SERVER_DEV)) {
            String serverMac = mac(net.runInServer(CLIENT_TIMEOUT, "cat", "/sys/class/net/" + VethNamespaces.SERVER_DEV
                    + "/address"));
            ExternalProgram.Result r = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", FRAME_SENDER,
                    VethNamespaces.CLIENT_DEV, serverMac, VethNamespaces.CLIENT_V4, VethNamespaces.SERVER_V4,
                    Integer.toString(PORT));
            assertEquals(0, r.exitCode(), r.toString());
            Thread.sleep(1_000); // sent synchronously; the worker handles them within milliseconds
            Map<String, Long> c = raw.stop();
            String where = c + "\n" + r.output();
            assertEquals(3, c.get("raw.DROPPED_BAD_UDP_CHECKSUM"), where);
            assertEquals(3, c.get("raw.DROPPED_BAD_IP_CHECKSUM"), where);
            assertEquals(3, c.get("raw.DROPPED_TRUNCATED"), where);
            assertEquals(3, c.get("raw.DROPPED_BAD_UDP_LENGTH"), where);
            assertEquals(3, c.get("ntp.DROPPED_MALFORMED"), "a 20-byte NTP payload is the responder's to refuse: " + where);
            assertEquals(3, c.get("ntp.REPLIED"), "the well-formed frames sent beside them were answered: " + where);
            assertEquals(3, c.get("raw.FRAMES_SENT"), where);
        }
    }

    @Test
    void shouldDropAFloodingSourceInXdpAndStillAnswerOthers() throws Exception {
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of(), "xdp", VethNamespaces.SERVER_DEV, "floodlimit", "2", "4")) {
            assertTrue(raw.description().contains("flood filter 2/s burst 4"), raw.description());
            // 300 requests as fast as python sends them (well under a second): about 4-6 are allowed
            ExternalProgram.Result r = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", BURST_SENDER,
                    VethNamespaces.SERVER_V4, Integer.toString(PORT), "300");
            assertEquals(0, r.exitCode(), r.toString());
            int answered = Integer.parseInt(r.output().strip());
            // IPv6 is another source: its first request passes
            ExternalProgram.Result v6 = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", BURST_SENDER,
                    VethNamespaces.SERVER_V6, Integer.toString(PORT), "1");
            Map<String, Long> c = raw.stop();
            String where = c + "\nIPv4 burst answered " + answered + ", IPv6 " + v6.output();
            assertTrue(answered >= 4 && answered <= 20, where);
            assertEquals("1", v6.output().strip(), where);
            assertTrue(c.get("xdp.FLOOD_DROPPED") >= 280, where);
            assertEquals(c.get("xdp.REDIRECTED"), c.get("raw.FRAMES_RECEIVED"), where);
        }
    }

    @Test
    void shouldRateLimitWithTheSocketPathsLimiter() throws Exception {
        // -Dlimit=true: 'ratelimit interval 0 burst 4 leak 4' for everyone (RawServeMain)
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of("-Dlimit=true"), "xdp", VethNamespaces.SERVER_DEV)) {
            ExternalProgram.Result r = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", BURST_SENDER,
                    VethNamespaces.SERVER_V4, Integer.toString(PORT), "200");
            assertEquals(0, r.exitCode(), r.toString());
            int answered = Integer.parseInt(r.output().strip());
            Map<String, Long> c = raw.stop();
            String where = c + "\nanswered " + answered;
            // burst 4, then 1 a second, plus the leak (1 in 16 limited requests): about 4 + 200/16
            assertTrue(answered >= 4 && answered <= 40, where);
            assertTrue(c.get("ntp.RATE_LIMITED") >= 150, where);
            assertEquals(200, c.get("ntp.RECEIVED"), where);
        }
    }

    @Test
    void shouldHandModeSixToTheControlQueueAndCountWhatAFullQueueDrops() throws Exception {
        // -Dmode6=undrained: the worker's mode 6 queue is never drained, so it holds CAPACITY and drops the rest;
        // -Dquery: mode 6 allowed to the client's IPv4 address, its IPv6 one has the default noquery
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of("-Dmode6=undrained", "-Dquery=" + VethNamespaces.CLIENT_V4),
                        "xdp", VethNamespaces.SERVER_DEV)) {
            int sent = ControlQueue.CAPACITY + 5;
            ExternalProgram.Result r = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", BURST_SENDER,
                    VethNamespaces.SERVER_V4, Integer.toString(PORT), Integer.toString(sent), READSTAT);
            ExternalProgram.Result v6 = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", BURST_SENDER,
                    VethNamespaces.SERVER_V6, Integer.toString(PORT), "3", READSTAT);
            Map<String, Long> c = raw.stop();
            String where = c + "\n" + r + "\n" + v6;
            assertEquals("0", r.output().strip(), "nobody answers: " + where);
            assertEquals("0", v6.output().strip(), where);
            assertEquals(3, c.get("ntp.MODE6_DENIED"), "noquery by default, on the raw path too: " + where);
            assertEquals(sent, c.get("ntp.MODE6_RECEIVED"), where);
            assertEquals(ControlQueue.CAPACITY, c.get("mode6.QUEUED"), where);
            assertEquals(ControlQueue.CAPACITY, c.get("mode6.QUEUED_READSTAT_TO_SERVER_V4"),
                    "each the request's 12 bytes, to be answered from the address it was sent to: " + where);
            assertEquals(5, c.get("mode6.DROPPED"), "a full queue drops, counted: " + where);
            assertEquals(0, c.get("raw.FRAMES_SENT"), where);
        }
    }

    @Test
    void shouldHoldTheRestrictList() throws Exception {
        // -Dignore=198.18.0.2: 'restrict 198.18.0.2 ignore'; the same client over IPv6 is not named
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of("-Dignore=" + VethNamespaces.CLIENT_V4), "xdp",
                        VethNamespaces.SERVER_DEV)) {
            ExternalProgram.Result v4 = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", BURST_SENDER,
                    VethNamespaces.SERVER_V4, Integer.toString(PORT), "5");
            ExternalProgram.Result v6 = net.runInClient(CLIENT_TIMEOUT, PYTHON, "-c", BURST_SENDER,
                    VethNamespaces.SERVER_V6, Integer.toString(PORT), "5");
            Map<String, Long> c = raw.stop();
            String where = c + "\nIPv4 " + v4 + "\nIPv6 " + v6;
            assertEquals("0", v4.output().strip(), where);
            assertEquals("5", v6.output().strip(), where);
            assertEquals(5, c.get("ntp.DENIED"), where);
        }
    }

    @Test
    void shouldBeSelectedByChronydInInterleavedModeThroughXdp() throws Exception {
        Path chronyd = ExternalProgram.find("chronyd").orElse(null);
        assumeTrue(chronyd != null, "chrony is not installed");
        Path dir = Files.createTempDirectory("jntpd-raw-chrony");
        Process chrony = null;
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of(), "xdp", VethNamespaces.SERVER_DEV)) {
            dir.toFile().setWritable(true, false);
            Path conf = dir.resolve("chrony.conf");
            Files.write(conf, List.of(
                    "server " + VethNamespaces.SERVER_V4 + " iburst xleave minpoll -3 maxpoll -3",
                    "pidfile " + dir.resolve("chronyd.pid"),
                    "port 0", "cmdport 0", "bindcmdaddress /",
                    "logdir " + dir, "log measurements"));
            Path log = dir.resolve("chronyd.log");
            chrony = new ProcessBuilder(net.inClient(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d",
                    "-u", "root", "-f", conf.toString()).toArray(String[]::new)))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Path measurements = dir.resolve("measurements.log");
            List<String> lines = List.of();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                Thread.sleep(500);
                lines = Files.exists(measurements) ? Files.readAllLines(measurements).stream()
                        .filter(l -> l.contains(" " + VethNamespaces.SERVER_V4 + " ")).toList() : List.of();
                if (lines.stream().filter(RawPathTest::interleavedAndGood).count() >= 10) {
                    break;
                }
            }
            String where = "\n--- measurements\n" + String.join("\n", lines) + "\n--- chronyd\n"
                    + TestFiles.readOrExplain(log) + "\n--- raw\n" + raw.output();
            long good = lines.stream().filter(RawPathTest::interleavedAndGood).count();
            assertTrue(good >= 10, "interleaved replies passing all of chronyd's tests: " + good + where);
            // Same clock: the offsets of the good samples are tiny next to their delay.
            for (String l : lines.stream().filter(RawPathTest::interleavedAndGood).toList()) {
                String[] f = l.trim().split("\\s+");
                double offset = Double.parseDouble(f[11]);
                double delay = Double.parseDouble(f[12]);
                assertTrue(Math.abs(offset) <= delay / 2 + 0.001, l + where);
            }
            Map<String, Long> c = raw.stop();
            assertTrue(c.get("ntp.INTERLEAVED") >= 10, c + where);
        } finally {
            if (chrony != null) {
                ExternalProgram.kill(chrony);
            }
            TestFiles.deleteTree(dir);
        }
    }

    /**
     * A measurements.log line of a server reply (mode 4) in interleaved mode ('I') that passed all of chronyd's
     * tests ("111 111 1111"). Columns: date time ip leap stratum tests(3 groups) lpoll rpoll score offset delay ...
     * mode+interleaved TX-source RX-source.
     */
    private static boolean interleavedAndGood(String line) {
        return line.contains(" 111 111 1111 ") && line.matches(".*\\s4I\\s+\\S+\\s+\\S+\\s*");
    }

    private static String mac(ExternalProgram.Result r) {
        assertEquals(0, r.exitCode(), r.toString());
        return r.output().strip();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\"[^\"]*\"|[^,}]+)").matcher(json);
        return m.find() ? m.group(1) : "(no " + name + " in '" + json + "')";
    }

    /** A mode 6 READSTAT request (version 2, sequence 1, association 0, no data) in hex, for {@link #BURST_SENDER}. */
    static final String READSTAT = "160100010000000000000000";

    /**
     * argv: host port count [hex]. Sends count client requests (or the request in hex) back to back from one socket,
     * prints how many replies came back.
     */
    static final String BURST_SENDER = """
            import socket, struct, sys, time
            host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            fam = socket.AF_INET6 if ':' in host else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            req = bytes([0x23]) + bytes(39) + struct.pack('!Q', 0x1234567800000000)
            if len(sys.argv) > 4:
                req = bytes.fromhex(sys.argv[4])
            for i in range(count):
                s.sendto(req, (host, port))
            s.settimeout(1.0)
            n = 0
            try:
                while True:
                    s.recvfrom(100)
                    n += 1
            except socket.timeout:
                pass
            print(n)
            """;

    /**
     * argv: dev server_mac client_ip server_ip port. Sends, 3 times each through an AF_PACKET socket: a good request,
     * a bad UDP checksum, a bad IPv4 header checksum, an IPv4 total length beyond the frame, a UDP length beyond the IP
     * payload, a 20-byte NTP payload.
     */
    static final String FRAME_SENDER = """
            import socket, struct, sys
            dev, dmac, src, dst, port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
            smac = open('/sys/class/net/%s/address' % dev).read().strip()
            mac = lambda m: bytes(int(x, 16) for x in m.split(':'))
            def csum(b):
                if len(b) % 2: b += b'\\0'
                s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
                while s >> 16: s = (s & 0xffff) + (s >> 16)
                return ~s & 0xffff
            def frame(payload, bad_udp=False, bad_ip=False, ip_len_extra=0, udp_len_extra=0):
                sa, da = socket.inet_aton(src), socket.inet_aton(dst)
                ulen = 8 + len(payload)
                udp = struct.pack('!HHHH', 40000, port, ulen + udp_len_extra, 0) + payload
                c = csum(sa + da + struct.pack('!BBH', 0, 17, ulen) + udp[:4] + struct.pack('!H', ulen) + udp[6:])
                if udp_len_extra: c = csum(sa + da + struct.pack('!BBH', 0, 17, ulen + udp_len_extra) + udp)
                if bad_udp: c ^= 0x5555
                udp = udp[:6] + struct.pack('!H', c) + udp[8:]
                ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp) + ip_len_extra, 1, 0x4000, 64, 17, 0, sa, da)
                ic = csum(ip)
                if bad_ip: ic ^= 0x5555
                ip = ip[:10] + struct.pack('!H', ic) + ip[12:]
                return mac(dmac) + mac(smac) + b'\\x08\\x00' + ip + udp
            ntp = bytes([0x23]) + bytes(39) + struct.pack('!Q', 0x1234567800000000)
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((dev, 0))
            for _ in range(3):
                for f in (frame(ntp), frame(ntp, bad_udp=True), frame(ntp, bad_ip=True), frame(ntp, ip_len_extra=100),
                          frame(ntp, udp_len_extra=40), frame(ntp[:20])):
                    s.send(f)
            print('sent 18')
            """;
}
