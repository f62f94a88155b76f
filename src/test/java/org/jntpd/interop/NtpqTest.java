package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jntpd.cli.Jntpc;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Timex;
import org.jntpd.testing.ChronyServer;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NetNamespace;
import org.jntpd.testing.Ntpsec;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * NTPsec's real ntpq against the real daemon (-x) in a namespace, serving on 127.0.0.1:123 (ntpq only talks to port
 * 123) with two chronyd -x servers as sources (127.0.0.2 and 127.0.0.3): {@code -p}, {@code rv}, {@code as} and
 * {@code rv &N} print what jntpc shows at the same moment (read before and after ntpq from the control socket; a
 * publication in between makes the test look again), the system peer's tally is '*', telegraf's ntpq input parses our
 * peers table by its documented rules, and who may ask is the restrict list's decision.
 */
class NtpqTest {
    private static final int SERVER_A_PORT = 11123;
    private static final int SERVER_B_PORT = 11124;
    private static final int ATTEMPTS = 40;
    /** Rounding of the two printouts: ntpq's 6 decimals of ms, jntpc's 9 decimals of s; both 1e-6 ms. */
    private static final double ROUNDING_MS = 1.01e-6;

    @Test
    void ntpqShouldShowWhatJntpcShowsAndOnlyToThoseAllowed() throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make a network namespace (ntpq only uses port 123)");
        assumeChronydAndNtpsec();
        Path dir = Files.createTempDirectory("jntpd-ntpq");
        List<Process> chronyds = new ArrayList<>();
        try (NetNamespace ns = NetNamespace.create()) {
            for (String a : List.of("198.18.0.2/32", "198.18.0.3/32", "198.18.1.1/32")) {
                ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(10), "ip", "-n", ns.name(), "addr",
                        "add", a, "dev", "lo");
                assertEquals(0, r.exitCode(), r.toString());
            }
            chronyds.add(chronyd(ns, dir, "127.0.0.2", SERVER_A_PORT, 1));
            chronyds.add(chronyd(ns, dir, "127.0.0.3", SERVER_B_PORT, 2));
            Path socket = dir.resolve("jntpd.sock");
            try (JntpdProcess jntpd = JntpdProcess.builder().commandPrefix("ip", "netns", "exec", ns.name()).port(123)
                    .bindAddress(null).dir(dir).config(
                            "server 127.0.0.2 port " + SERVER_A_PORT + " minpoll 2 maxpoll 2 iburst",
                            "server 127.0.0.3 port " + SERVER_B_PORT + " minpoll 2 maxpoll 2 iburst",
                            "controlsocket " + socket,
                            "restrict 198.18.0.0 mask 255.255.255.0",
                            "restrict 198.18.0.3 noquery").start()) {
                jntpd.awaitLog("synchronised to", 30_000);
                compareWithJntpc(ns, socket);
                checkKernelAndCounters(ns);
                checkAccess(ns, socket);
            }
        } finally {
            chronyds.forEach(ExternalProgram::kill);
            TestFiles.deleteTree(dir);
        }
    }

    /** Skips without chronyd (the sources) or NTPsec (ntpq; unpacked on first use). */
    static void assumeChronydAndNtpsec() {
        assumeTrue(ChronyServer.program().isPresent(), "chronyd is not installed");
        Ntpsec.root(); // skips when NTPsec cannot be had
    }

    /** chronyd -x serving {@code stratum} on address:port in {@code ns} (allows 127.0.0.0/8), logging into dir. */
    static Process chronyd(NetNamespace ns, Path dir, String address, int port, int stratum) throws IOException {
        Path conf = dir.resolve("chronyd-" + port + ".conf");
        Files.write(conf, List.of("local stratum " + stratum, "allow 127.0.0.0/8", "port " + port,
                "bindaddress " + address, "pidfile " + dir.resolve("chronyd-" + port + ".pid"), "cmdport 0",
                "bindcmdaddress /"));
        List<String> cmd = new ArrayList<>(ns.exec());
        cmd.addAll(ExternalProgram.withoutSysTime(ChronyServer.program().orElseThrow().toString(), "-x", "-d", "-f",
                conf.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("chronyd-" + port + ".log").toFile()).start();
    }

    private static void compareWithJntpc(NetNamespace ns, Path socket) throws IOException {
        String last = "";
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            String before = jntpc(socket, "sources") + jntpc(socket, "tracking");
            String ntpq = Ntpsec.ntpq(ns, "-n", "-c", "peers", "-c", "rv", "-c", "as", "-c", "rv &1", "-c", "rv &2",
                    "127.0.0.1");
            String after = jntpc(socket, "sources") + jntpc(socket, "tracking");
            last = "jntpc:\n" + before + "\nntpq:\n" + ntpq + "\njntpc after:\n" + after;
            if (withoutAges(before).equals(withoutAges(after)) && !before.contains("+/- 0.000000000\n")
                    && allReachedTwice(before)) {
                compare(before, ntpq, last);
                return;
            }
            sleep(500);
        }
        throw new AssertionError("no quiet moment with both sources measured in " + ATTEMPTS + " tries; last:\n" + last);
    }

    /**
     * jntpc's text without the LastRx column (characters 61-66 of a source line), which grows while it is read: two
     * printouts equal but for it show the same published state.
     */
    private static String withoutAges(String jntpc) {
        return jntpc.lines().map(l -> l.length() > 67 && "^=#".indexOf(l.charAt(0)) >= 0
                ? l.substring(0, 61) + l.substring(67) : l).collect(java.util.stream.Collectors.joining("\n"));
    }

    private static boolean allReachedTwice(String jntpc) {
        return sourceLines(jntpc).size() == 2 && sourceLines(jntpc).stream().allMatch(s -> s.reach >= 3);
    }

    private static void compare(String jntpc, String ntpq, String context) {
        List<JntpcSource> sources = sourceLines(jntpc);
        Map<String, String> tracking = tracking(jntpc);
        List<String> lines = ntpq.lines().toList();

        // ntpq -p, and telegraf's reading of it
        int header = indexOf(lines, l -> l.contains("remote") && l.contains("refid"), context);
        List<String> peersTable = new ArrayList<>(lines.subList(header, header + 4));
        List<Telegraf.Row> rows = Telegraf.parse(peersTable);
        assertEquals(2, rows.size(), "telegraf's parse of\n" + String.join("\n", peersTable));
        int systemPeers = 0;
        for (Telegraf.Row row : rows) {
            JntpcSource src = sources.stream().filter(s -> names(s, row.tags().get("remote")))
                    .findFirst().orElseThrow(() -> new AssertionError("no jntpc line for " + row + "\n" + context));
            assertEquals(Integer.toString(src.stratum), row.tags().get("stratum"), context);
            assertEquals("u", row.tags().get("type"), context);
            assertEquals((long) (1 << src.pollLog2), row.ints().get("poll"), context);
            assertEquals(Long.parseLong(Integer.toOctalString(src.reach)), row.ints().get("reach"), context);
            assertEquals(src.offsetS * 1e3, row.floats().get("offset"), 0.5e-4 + 1e-9, "offset (4 decimals of ms)\n" + context);
            assertTrue(row.floats().containsKey("delay") && row.floats().containsKey("jitter"), context);
            String tally = row.tags().getOrDefault("state_prefix", " ");
            if (src.state == '*' || src.state == '+' || src.state == 'x') {
                assertEquals(String.valueOf(src.state), tally, "tally of " + src.name + "\n" + context);
            }
            systemPeers += tally.equals("*") ? 1 : 0;
        }
        assertEquals(1, systemPeers, "one system peer, tally '*'\n" + context);

        // ntpq -c rv against jntpc tracking
        Map<String, String> rv = variables(lines, "associd=0 ", context);
        assertEquals(tracking.get("Stratum"), rv.get("stratum"), context);
        assertEquals(tracking.get("Reference ID").split(" ")[0], rv.get("refid"), context);
        assertEquals("Normal", tracking.get("Leap status"), context);
        assertEquals("00", rv.get("leap"), context);
        assertEquals(seconds(tracking.get("Last offset")) * 1e3, Double.parseDouble(rv.get("offset")), ROUNDING_MS, context);
        assertEquals(seconds(tracking.get("Offset sigma")) * 1e3, Double.parseDouble(rv.get("sys_jitter")), ROUNDING_MS,
                context);
        assertEquals(seconds(tracking.get("Root delay")) * 1e3, Double.parseDouble(rv.get("rootdelay")), ROUNDING_MS,
                context);
        assertEquals(seconds(tracking.get("Root dispersion")) * 1e3, Double.parseDouble(rv.get("rootdisp")), ROUNDING_MS,
                context);
        String[] freq = tracking.get("Frequency").split(" ");
        double freqPpm = Double.parseDouble(freq[0]) * (freq[2].equals("fast") ? 1 : -1);
        assertEquals(freqPpm, Double.parseDouble(rv.get("frequency")), 0.0005 + 1e-9, context);
        for (String name : List.of("version", "processor", "system", "precision", "reftime", "clock", "tc", "mintc",
                "clk_jitter", "clk_wander")) {
            assertNotNull(rv.get(name), name + " in rv\n" + context);
        }

        // ntpq -c as: the system peer's association is rv's peer
        int as = indexOf(lines, l -> l.startsWith("ind assid status"), context);
        String sysPeerId = null;
        for (String l : lines.subList(as + 2, as + 4)) {
            String[] f = l.trim().split("\\s+");
            if (l.contains("sys.peer")) {
                sysPeerId = f[1];
            }
        }
        assertEquals(rv.get("peer"), sysPeerId, context);

        // ntpq -c "rv &N" against jntpc sources
        for (int n = 1; n <= 2; n++) {
            Map<String, String> peer = variables(lines, "associd=" + n + " ", context);
            JntpcSource src = sources.get(n - 1); // association ids follow the order of the sources
            assertTrue(names(src, peer.get("srcadr")), src.name + "\n" + context);
            assertEquals(Integer.toString(n == 1 ? SERVER_A_PORT : SERVER_B_PORT), peer.get("srcport"), context);
            assertEquals(Integer.toString(src.stratum), peer.get("stratum"), context);
            assertEquals(String.format("%03o", src.reach), peer.get("reach"), context);
            assertEquals(src.offsetS * 1e3, Double.parseDouble(peer.get("offset")), ROUNDING_MS, context);
            assertEquals(Integer.toString(src.pollLog2), peer.get("hpoll"), context);
        }
    }

    /** kerninfo shows the kernel's own (read-only) clock state; sysinfo and iostats answer with numbers. */
    private static void checkKernelAndCounters(NetNamespace ns) {
        String out = Ntpsec.ntpq(ns, "-n", "-c", "kerninfo", "-c", "sysinfo", "-c", "iostats", "127.0.0.1");
        MemorySegment timex = Arena.ofAuto().allocate(Timex.layout()); // modes 0: reads only
        assertTrue(Libc.clockAdjtime(Clocks.CLOCK_REALTIME, timex) >= 0);
        assertEquals(Timex.freq(timex) / 65536.0, Double.parseDouble(field(out, "pll frequency:")), 1e-6, out);
        assertEquals(Timex.constant(timex), Long.parseLong(field(out, "pll time constant:")), out);
        assertEquals(Timex.maxerror(timex) / 1000.0, Double.parseDouble(field(out, "maximum error:")), 0.5, out);
        assertTrue(Integer.parseInt(field(out, "stratum:")) >= 2, out);
        assertTrue(Long.parseLong(field(out, "received packets:").split("\\s+")[0]) > 0, out);
    }

    private static String field(String out, String label) {
        return out.lines().filter(l -> l.startsWith(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + label + "' in:\n" + out)).substring(label.length()).trim();
    }

    private static void checkAccess(NetNamespace ns, Path socket) throws IOException {
        String allowed = Ntpsec.ntpq(ns, "-n", "-c", "timeout 300", "-c", "rv 0 stratum", "198.18.0.2");
        assertTrue(allowed.contains("stratum="), "a restrict rule without noquery lets 198.18.0.2 ask:\n" + allowed);
        String denied = Ntpsec.ntpq(ns, "-n", "-c", "timeout 300", "-c", "rv 0 stratum", "198.18.0.3");
        assertTrue(denied.contains("timed out") && !denied.contains("stratum="), "noquery:\n" + denied);
        String stranger = Ntpsec.ntpq(ns, "-n", "-c", "timeout 300", "-c", "rv 0 stratum", "198.18.1.1");
        assertTrue(stranger.contains("timed out") && !stranger.contains("stratum="), "no rule: closed\n" + stranger);
        String stats = jntpc(socket, "serverstats");
        long denials = stats.lines().filter(l -> l.startsWith("mode6 denied"))
                .mapToLong(l -> Long.parseLong(l.split(":")[1].trim())).sum();
        assertTrue(denials >= 2, "both refusals counted (ntpq asks twice):\n" + stats);
    }

    // ---------------------------------------------------------------------------------------------- parsing

    private record JntpcSource(char state, String name, int stratum, int pollLog2, int reach, double offsetS) {}

    /** jntpc sources: "^* NAME  STRATUM POLL REACH(octal) LASTRX OFFSET +/- SIGMA". */
    private static List<JntpcSource> sourceLines(String jntpc) {
        List<JntpcSource> out = new ArrayList<>();
        for (String l : jntpc.lines().toList()) {
            if (l.length() < 3 || "^=#".indexOf(l.charAt(0)) < 0 || !l.contains("+/-")) {
                continue;
            }
            String[] f = l.substring(3).trim().split("\\s+");
            int n = f.length;
            String name = String.join(" ", java.util.Arrays.copyOfRange(f, 0, n - 7));
            out.add(new JntpcSource(l.charAt(1), name, Integer.parseInt(f[n - 7]), Integer.parseInt(f[n - 6]),
                    Integer.parseInt(f[n - 5], 8), Double.parseDouble(f[n - 3])));
        }
        return out;
    }

    /** jntpc names a source by its address, and its port when not 123 or ambiguous. */
    private static boolean names(JntpcSource s, String address) {
        return s.name.equals(address) || s.name.startsWith(address + " ") || s.name.startsWith(address + ":");
    }

    private static Map<String, String> tracking(String jntpc) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : jntpc.lines().toList()) {
            int colon = l.indexOf(" : ");
            if (colon > 0 && !l.contains("+/-")) {
                m.put(l.substring(0, colon).trim(), l.substring(colon + 3).trim());
            }
        }
        return m;
    }

    private static double seconds(String text) {
        return Double.parseDouble(text.split(" ")[0]);
    }

    /** ntpq's cooked "name=value, ..." block that starts with {@code first}. */
    private static Map<String, String> variables(List<String> lines, String first, String context) {
        int start = indexOf(lines, l -> l.startsWith(first), context);
        StringBuilder text = new StringBuilder(lines.get(start).substring(lines.get(start).indexOf(',') + 1));
        for (int i = start + 1; i < lines.size() && lines.get(i).contains("=") && !lines.get(i).startsWith("associd="); i++) {
            text.append(',').append(lines.get(i));
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String item : text.toString().split(",")) {
            int eq = item.indexOf('=');
            if (eq > 0) {
                m.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
            }
        }
        return m;
    }

    private static int indexOf(List<String> lines, java.util.function.Predicate<String> p, String context) {
        for (int i = 0; i < lines.size(); i++) {
            if (p.test(lines.get(i))) {
                return i;
            }
        }
        throw new AssertionError("not found in ntpq's output:\n" + context);
    }

    private static String jntpc(Path socket, String command) throws IOException {
        return Jntpc.request(socket.toString(), command);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
