package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.RawNtp;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real daemon (-x) reloads its configuration, by {@code jntpc reload} and by SIGHUP, against three NTP servers
 * on 127.0.0.2, .3 and .4 (a stratum-1 responder in this test that answers with the host's time). A source that a
 * reload keeps keeps its state (its reach, poll and sample count, read from the control socket and the metrics before
 * and after); a source added appears and one removed is gone. A configuration with a syntax error, a semantic error
 * or a changed restart-only setting is refused whole: the daemon keeps its sources, and the reason (file:line) is in
 * the reply and the log. {@code reload} is refused to a user outside the socket's owner and group.
 */
class ReloadTest {
    private static final String A = "127.0.0.2";
    private static final String B = "127.0.0.3";
    private static final String C = "127.0.0.4";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern SOURCE_LINE = Pattern.compile("^(.)(.) (\\S+)\\s+(\\d+)\\s+(-?\\d+)\\s+([0-7]+)\\s");

    private final List<Responder> servers = new ArrayList<>();
    private Path dir;
    private int ntpPort;
    private int metricsPort;

    /** A source as the control socket shows it. */
    private record Line(char state, int pollLog2, int reach) {}

    @BeforeEach
    void startServers() throws IOException {
        dir = Files.createTempDirectory("jntpd-reload");
        ntpPort = JntpdProcess.freePort(A);
        for (String a : List.of(A, B, C)) {
            servers.add(new Responder(a, ntpPort));
        }
        metricsPort = JntpdProcess.freeTcpPort();
    }

    @AfterEach
    void stopServers() {
        servers.forEach(Responder::close);
        TestFiles.deleteTree(dir);
    }

    @Test
    void shouldAddAndRemoveSourcesWithoutDisturbingTheOthersByJntpcAndBySighup() throws Exception {
        try (JntpdProcess jntpd = start(A, B)) {
            Map<String, Line> before = awaitReach(jntpd, A, B);
            long samplesBefore = samples(A);
            assertTrue(samplesBefore >= 8, "8 samples at least: reach 377");

            // A stays (on another line: a comment moved it), B goes, C comes.
            writeConfig(jntpd, "# A moved down a line", server(C), server(A));
            String reply = jntpd.jntpc("reload");
            assertTrue(reply.startsWith("reload (jntpc): " + conf(jntpd) + " applied; added server " + C + " port "
                    + ntpPort + "; removed server " + B + " port " + ntpPort + "; 1 unchanged"), reply);
            jntpd.awaitLog("reload (jntpc): " + conf(jntpd) + " applied", 0);
            jntpd.awaitLog("removed source " + B + ": no longer in the configuration (reload)", 0);
            Map<String, Line> after = sources(jntpd);
            assertNull(after.get(B), "B is gone at once: " + after);
            awaitSource(jntpd, C); // once the resolver's thread has handed its address over
            assertEquals(before.get(A).pollLog2(), after.get(A).pollLog2(), "A's poll is untouched");
            assertTrue(kept(after.get(A)), "A's reach is untouched: " + after);
            assertTrue(samples(A) >= samplesBefore, "A's samples go on counting (a new source would start from 0)");
            awaitReach(jntpd, A, C);

            // SIGHUP: C goes, B comes back, a leap second file and peerstats come; A again untouched.
            long samplesA = samples(A);
            Path leap = Path.of(ReloadTest.class.getResource("/leap-seconds-2025b.list").toURI());
            Path stats = dir.resolve("stats");
            writeConfig(jntpd, server(A), server(B), "leapfile " + leap, "statsdir " + stats, "statistics peerstats");
            jntpd.hangUp();
            String applied = jntpd.awaitLog("reload (SIGHUP): " + conf(jntpd) + " applied", 10_000);
            assertTrue(applied.endsWith("added server " + B + " port " + ntpPort + "; removed server " + C + " port "
                    + ntpPort + "; 1 unchanged; statistics, leapfile " + leap), applied);
            jntpd.awaitLog("leap second file " + leap, 0); // read (and its expiry said) as at start
            awaitPeerstats(stats, A);
            Map<String, Line> last = awaitSource(jntpd, B);
            assertNull(last.get(C), last.toString());
            assertTrue(kept(last.get(A)), last.toString());
            assertTrue(samples(A) >= samplesA);
            assertFalse(jntpd.log().contains("clock stepped"), "no step: the discipline went on as before");
            assertTrue(jntpd.jntpc("tracking").contains("Leap status     : Normal"), "still synchronised");
        }
    }

    @Test
    void shouldRefuseABrokenConfigurationWholeAndKeepRunningOnTheOldOne() throws Exception {
        try (JntpdProcess jntpd = start(A, B)) {
            awaitReach(jntpd, A, B);
            Path conf = conf(jntpd);

            // A syntax error on line 7 (port, bindaddress, controlsocket, metrics, keyfile, C's line, then this one).
            writeConfig(jntpd, server(C), "server " + A + " port " + ntpPort + " minpol 6");
            String reply = jntpd.jntpc("reload");
            assertTrue(reply.startsWith("error: reload (jntpc) refused, still running on the previous configuration: "
                    + conf + ":7: unknown option 'minpol' for server"), reply);
            assertTrue(jntpd.log().contains("ERROR reload (jntpc) refused, still running on the previous configuration: "
                    + conf + ":7: unknown option 'minpol' for server"), jntpd.log());

            // Semantic errors: lines that contradict each other (the parser's check), a key the key file lacks (the
            // start's check, against the key file read at start).
            writeConfig(jntpd, server(C), "rtcfile " + dir.resolve("rtc"), "rtcsync");
            reply = jntpd.jntpc("reload");
            assertTrue(reply.startsWith("error: reload (jntpc) refused, still running on the previous configuration: "
                    + conf + ":8: rtcfile (" + conf + ":7) cannot be used with rtcsync"), reply);
            writeConfig(jntpd, server(A), server(C) + " key 2");
            reply = jntpd.jntpc("reload");
            assertEquals("error: reload (jntpc) refused, still running on the previous configuration: " + conf + ":7: "
                    + "server " + C + " key 2: the key file read at start has no key 2 (a changed key file needs a "
                    + "restart)\n", reply);

            // The same by SIGHUP: logged.
            jntpd.hangUp();
            jntpd.awaitLog("ERROR reload (SIGHUP) refused, still running on the previous configuration: " + conf
                    + ":7: server " + C + " key 2: the key file read at start has no key 2", 10_000);

            // A restart-only setting changed (the serving port) beside a source added: none of it is applied.
            writeConfig(jntpd, server(A), server(B), server(C));
            List<String> lines = new ArrayList<>(Files.readAllLines(conf));
            lines.set(0, "port " + JntpdProcess.freePort("127.0.0.1"));
            Files.write(conf, lines);
            reply = jntpd.jntpc("reload");
            assertEquals("error: reload (jntpc) refused, still running on the previous configuration: " + conf
                    + " changes port, which only a restart applies (systemctl restart jntpd)\n", reply);

            Map<String, Line> now = sources(jntpd);
            assertEquals(List.of(A, B), List.copyOf(now.keySet()), "the old sources, and only them: " + now);
            assertTrue(kept(now.get(A)), now.toString());
            assertTrue(jntpd.isAlive());
        }
    }

    @Test
    void shouldRefuseReloadToAUserOutsideTheSocketsGroupButAnswerItsQueries() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false), "needs root (setpriv)");
        assumeTrue(ExternalProgram.find("setpriv").isPresent() && Files.isExecutable(Path.of("/usr/bin/python3")),
                "needs setpriv and /usr/bin/python3");
        try (JntpdProcess jntpd = start(A)) {
            Path socket = dir.resolve("control.sock");
            // Opened wider for monitoring: nobody may now connect, and may query, but not change the daemon.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            String script = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n"
                    + "s.sendall((sys.argv[2]+'\\n').encode())\nprint(s.makefile().read(),end='')";
            ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(10), "setpriv", "--reuid=65534",
                    "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socket.toString(), "reload");
            // the socket speaks JSON (docs/CONTROL.md): the refusal is the error of the reply
            assertTrue(r.output().startsWith("{\"version\":1,\"command\":\"reload\",\"ok\":false,\"error\":\"permission "
                    + "denied: only root, root and the members of group root"), r.toString());
            ExternalProgram.Result q = ExternalProgram.run(Duration.ofSeconds(10), "setpriv", "--reuid=65534",
                    "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socket.toString(), "tracking");
            assertTrue(q.output().startsWith("{\"version\":1,\"command\":\"tracking\",\"ok\":true,"), q.toString());
            jntpd.awaitLog("control: reload refused: permission denied", 5_000);
            assertTrue(jntpd.jntpc("reload").startsWith("reload (jntpc): "), "root may");
        }
    }

    private JntpdProcess start(String... sources) throws IOException {
        Path keys = dir.resolve("chrony.keys");
        Files.writeString(keys, "1 SHA1 HEX:00112233445566778899AABBCCDDEEFF00112233\n");
        List<String> lines = new ArrayList<>(List.of("controlsocket " + dir.resolve("control.sock"),
                "metrics 127.0.0.1:" + metricsPort, "keyfile " + keys));
        for (String s : sources) {
            lines.add(server(s));
        }
        return JntpdProcess.builder().dir(dir).config(lines.toArray(String[]::new)).start();
    }

    private String server(String address) {
        return "server " + address + " port " + ntpPort + " iburst minpoll -2 maxpoll -2";
    }

    private static Path conf(JntpdProcess jntpd) {
        return jntpd.dir().resolve("jntpd.conf");
    }

    /**
     * Rewrites the configuration: the builder's port and bind address, the control socket, metrics and key file (lines
     * 1 to 5), then {@code lines}.
     */
    private void writeConfig(JntpdProcess jntpd, String... lines) throws IOException {
        List<String> all = new ArrayList<>(Files.readAllLines(conf(jntpd)).subList(0, 5));
        all.addAll(List.of(lines));
        Files.write(conf(jntpd), all);
    }

    /** The sources jntpc shows, by name, in its order. */
    private static Map<String, Line> sources(JntpdProcess jntpd) {
        Map<String, Line> out = new LinkedHashMap<>();
        for (String l : jntpd.jntpc("sources").lines().toList()) {
            Matcher m = SOURCE_LINE.matcher(l);
            if (m.find() && !l.startsWith("MS")) {
                out.put(m.group(3), new Line(m.group(2).charAt(0), Integer.parseInt(m.group(5)),
                        Integer.parseInt(m.group(6), 8)));
            }
        }
        return out;
    }

    /**
     * Whether a source that had reach 377 still has its register: 6 of its last 8 polls answered (a poll whose reply
     * is on its way shows as a 0 in bit 0). A source made again by the reload would have at most a bit or two.
     */
    private static boolean kept(Line source) {
        return source != null && Integer.bitCount(source.reach()) >= 6;
    }

    /** Waits (up to 20 s) until every one of {@code names} answered its last 8 polls; the sources then. */
    private static Map<String, Line> awaitReach(JntpdProcess jntpd, String... names) throws InterruptedException {
        long deadlineNs = System.nanoTime() + 20_000_000_000L;
        while (true) {
            Map<String, Line> s = sources(jntpd);
            if (List.of(names).stream().allMatch(n -> s.get(n) != null && s.get(n).reach() == 0377)) {
                return s;
            }
            assertTrue(System.nanoTime() - deadlineNs < 0, "reach 377 within 20 s: " + s + "\n" + jntpd.log());
            Thread.sleep(200);
        }
    }

    /** Waits (up to 5 s) until jntpc shows {@code name}; the sources then. */
    private static Map<String, Line> awaitSource(JntpdProcess jntpd, String name) throws InterruptedException {
        long deadlineNs = System.nanoTime() + 5_000_000_000L;
        while (true) {
            Map<String, Line> s = sources(jntpd);
            if (s.containsKey(name)) {
                return s;
            }
            assertTrue(System.nanoTime() - deadlineNs < 0, name + " shown within 5 s: " + s + "\n" + jntpd.log());
            Thread.sleep(50);
        }
    }

    /** Waits (up to 5 s) for a peerstats line of {@code address} in {@code statsDir}. */
    private static void awaitPeerstats(Path statsDir, String address) throws Exception {
        long deadlineNs = System.nanoTime() + 5_000_000_000L;
        Path link = statsDir.resolve("peerstats");
        while (!(Files.exists(link) && Files.readString(link).contains(" " + address + " "))) {
            assertTrue(System.nanoTime() - deadlineNs < 0, "a peerstats line of " + address + " within 5 s");
            Thread.sleep(50);
        }
    }

    /** The source's sample count from the exporter. */
    private long samples(String name) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^ntp_source_samples_total\\{[^}]*name=\"" + Pattern.quote(name)
                + "\"[^}]*\\} (\\d+)").matcher(text);
        assertTrue(m.find(), text);
        return Long.parseLong(m.group(1));
    }

    /** A stratum-1 NTP server answering with the host's time (from Instant.now) on one address. */
    private static final class Responder implements AutoCloseable {
        private final DatagramSocket socket;
        private final Thread thread;

        Responder(String address, int port) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(address), port));
            socket.setSoTimeout(200);
            thread = Thread.ofPlatform().name("ntp-" + address).daemon(true).start(this::run);
        }

        private void run() {
            byte[] buf = new byte[512];
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    return;
                }
                if (p.getLength() < RawNtp.HEADER_BYTES || (buf[0] & 7) != RawNtp.MODE_CLIENT) {
                    continue;
                }
                Instant now = Instant.now();
                long t = RawNtp.ntp64(now.getEpochSecond() * 1_000_000_000L + now.getNano());
                ByteBuffer reply = ByteBuffer.allocate(RawNtp.HEADER_BYTES);
                reply.put((byte) (buf[0] & 0x38 | RawNtp.MODE_SERVER)).put((byte) 1).put(buf[2]).put((byte) -20);
                reply.putInt(0).putInt(0x10).putInt(0x47505300); // root delay, root dispersion, "GPS"
                reply.putLong(t).putLong(ByteBuffer.wrap(buf, 40, 8).getLong()).putLong(t).putLong(t);
                try {
                    socket.send(new DatagramPacket(reply.array(), RawNtp.HEADER_BYTES, p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            socket.close();
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
