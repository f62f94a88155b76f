package org.jntpd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.cli.Jntpc;
import org.jntpd.testing.ChronyCommandDir;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * The control protocol against the running daemon and against chrony: jntpd -x follows a chronyd -x (local stratum 3)
 * on 127.0.0.1, and every command's JSON reply is checked against docs/CONTROL.md both ways (every field listed is
 * in the reply with the listed type, every field of the reply is listed), then against chronyc's view of the same
 * things: the server's stratum and reference ID, our stratum and reference ID, and, with the source offline (so no
 * packet is in flight), our request count against the packets chronyd counted. Offline also shows that ages grow at
 * read time, and a stopped chronyd that the reach register shifts on each poll without a sample.
 */
class ControlProtocolTest {
    private static final Pattern SECTION = Pattern.compile("^## ([a-z]+)");
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z_0-9\\[\\].]+)` \\| ([^|]+) \\|");
    private static final int CHRONY_STRATUM = 3;
    /** The address the test's own NTP client sends from (loopback, apart from jntpd's own polls of chronyd). */
    private static final String CLIENT = "127.0.0.2";
    private static final int BURST = 20;
    private static final int RATE_INTERVAL_LOG2 = -3;

    /** A documented field: its type ("integer", "number or null", ...). */
    record Field(String name, String type) {}

    /** The fields docs/CONTROL.md lists per command, and those of every reply ("*"). */
    static Map<String, List<Field>> documented() throws IOException {
        Map<String, List<Field>> out = new LinkedHashMap<>();
        String section = "*";
        for (String line : Files.readAllLines(JntpdProcess.projectDir().resolve("docs/CONTROL.md"))) {
            Matcher s = SECTION.matcher(line);
            if (s.find()) {
                section = s.group(1);
                continue;
            }
            Matcher r = ROW.matcher(line);
            if (r.find() && !r.group(1).equals("field")) {
                out.computeIfAbsent(section, k -> new ArrayList<>()).add(new Field(r.group(1), r.group(2).trim()));
            }
        }
        return out;
    }

    @Test
    void shouldDocumentEveryCommandOfTheTable() throws IOException {
        Map<String, List<Field>> doc = documented();
        Set<String> commands = new TreeSet<>();
        ControlCommands.table().forEach(c -> commands.add(c.name()));
        // online, offline and burst share one section, named by its first
        commands.remove("offline");
        commands.remove("burst");
        assertEquals(commands, new TreeSet<>(doc.keySet().stream().filter(k -> !k.equals("*")).toList()),
                "docs/CONTROL.md has a section with a field table for every command, and none for others");
        assertEquals(List.of("version", "command", "ok", "error"), doc.get("*").stream().map(Field::name).toList());
    }

    @Test
    void everyCommandShouldAnswerWhatTheDocumentSaysAndAgreeWithChrony() throws Exception {
        assumeTrue(ExternalProgram.find("chronyd").isPresent() && ExternalProgram.find("chronyc").isPresent(),
                "chrony is not installed");
        Path dir = Files.createTempDirectory("jntpd-control-protocol");
        // chronyd, run as _chrony once started, answers chronyc on a socket in the folder below: it must reach it
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process chronyd = null;
        try {
            Path cmdDir = ChronyCommandDir.create(dir, "chrony");
            Path chronySocket = cmdDir.resolve("chronyd.sock");
            int chronyPort = JntpdProcess.freePort("127.0.0.1");
            Path conf = dir.resolve("chronyd.conf");
            Files.write(conf, List.of("local stratum " + CHRONY_STRATUM, "allow 127.0.0.0/8", "port " + chronyPort,
                    "bindaddress 127.0.0.1", "pidfile " + cmdDir.resolve("chronyd.pid"), "cmdport 0",
                    "bindcmdaddress " + chronySocket));
            chronyd = new ProcessBuilder(ExternalProgram.withoutSysTime(ExternalProgram.find("chronyd").orElseThrow()
                    .toString(), "-x", "-d", "-f", conf.toString())).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("chronyd.log").toFile()).start();
            Path jntpdDir = Files.createDirectory(dir.resolve("jntpd"));
            try (JntpdProcess jntpd = JntpdProcess.builder().dir(jntpdDir).bindAddress("127.0.0.1").config(
                    "server 127.0.0.1 port " + chronyPort + " iburst minpoll -2 maxpoll -2",
                    "controlsocket " + jntpdDir.resolve("control.sock"),
                    // a client table (clients), and kisses for the test's client
                    "ratelimit interval " + RATE_INTERVAL_LOG2 + " burst 4 leak 2", "restrict " + CLIENT + " kod")
                    .start()) {
                String socket = jntpdDir.resolve("control.sock").toString();
                Process chrony = chronyd;
                awaitSystemPeer(socket, () -> "--- chronyd\n"
                        + TestFiles.readOrExplain(dir.resolve("chronyd.log")) + "\n--- jntpd\n" + jntpd.log()
                        + (chrony.isAlive() ? "" : "\nchronyd exited"));
                String address = "127.0.0.1";
                assertTrue(!jntpd.log().contains("clock stepped by"), jntpd.log());
                Burst burst = sendBurst(jntpd.port(), chronyPort);
                checkEveryCommandAgainstTheDocument(socket, address);
                clientsShouldCountTheBurst(socket, chronySocket, burst);
                // makestep (queued while offline) steps the clock at the first update after online, however small
                jntpd.awaitLog("jntpc makestep", 5_000);
                String stepped = jntpd.awaitLog("clock stepped by", 15_000);
                assertTrue(Math.abs(Double.parseDouble(stepped.replaceAll(".*clock stepped by ([-+0-9.]+) s.*", "$1")))
                        < 0.01, stepped);
                compareWithChrony(socket, chronySocket, address);
                agesShouldGrowWhileOffline(socket, address);
                modifyingCommandsShouldBeRefusedToOthers(jntpdDir.resolve("control.sock"));
                assertEquals(0, Jntpc.run(new String[] {"-s", socket, "waitsync", "3", "0", "0", "0.2"}));
                queryShouldMeasureBothServers(chronyPort, jntpd.port());
                reachShouldShiftWhenTheServerStops(socket, chronyd);
            }
        } finally {
            if (chronyd != null) {
                ExternalProgram.kill(chronyd);
            }
            TestFiles.deleteTree(dir);
        }
    }

    private static Map<String, Object> awaitSystemPeer(String socket, java.util.function.Supplier<String> why)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<String, Object> reply = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                reply = Jntpc.requestJson(socket, "sources");
                if (rows(reply, "sources").stream().anyMatch(s -> "*".equals(s.get("state_char")))) {
                    return reply;
                }
            } catch (IOException e) {
                // not yet listening
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no system peer within 30 s: " + reply + "\n" + why.get());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Map<String, Object> reply, String key) {
        return (List<Map<String, Object>>) reply.get(key);
    }

    /** Every command of the table, with arguments that make it answer; the reply against the document, both ways. */
    private static void checkEveryCommandAgainstTheDocument(String socket, String address) throws IOException {
        Map<String, List<Field>> doc = documented();
        Map<String, String[]> args = Map.of("help", new String[] {"tracking"}, "ntpdata", new String[] {address},
                "online", new String[] {address}, "offline", new String[] {address}, "burst", new String[] {address});
        Set<String> checked = new TreeSet<>();
        for (ControlCommands.Command c : ControlCommands.table()) {
            String name = c.name();
            Map<String, Object> reply = Jntpc.requestJson(socket, name, args.getOrDefault(name, new String[0]));
            assertEquals(true, reply.get("ok"), name + ": " + reply);
            String section = name.equals("offline") || name.equals("burst") ? "online" : name;
            List<Field> fields = new ArrayList<>(doc.get("*").stream().filter(f -> !f.name().equals("error")).toList());
            fields.addAll(doc.get(section));
            checkAgainst(name, reply, fields);
            // and as people read it: jntpc's text from the same kind of reply
            String text = Jntpc.request(socket, (name + " " + String.join(" ", args.getOrDefault(name, new String[0]))).trim());
            assertTrue(!text.isBlank() && !text.startsWith("error:"), name + ":\n" + text);
            checked.add(name);
        }
        Map<String, Object> error = Jntpc.requestJson(socket, "ntpdata", "192.0.2.1");
        checkAgainst("an error", error, doc.get("*"));
        assertEquals(false, error.get("ok"));
        assertTrue(checked.containsAll(List.of("tracking", "sources", "sourcestats", "selectdata", "ntpdata",
                "serverstats", "activity", "rtcdata", "online", "offline", "burst", "makestep", "reload")),
                checked.toString());
        Jntpc.requestJson(socket, "online", address); // back online after the table's offline
    }

    /** {@code reply}'s fields are exactly {@code fields} (nested "list[].x" too), each of its documented type. */
    private static void checkAgainst(String command, Map<String, Object> reply, List<Field> fields) {
        Set<String> seen = new TreeSet<>();
        collect("", reply, seen);
        Set<String> listed = new TreeSet<>(fields.stream().map(Field::name).toList());
        // a field documented "only with ..." (an RTC) may be absent, never undocumented
        fields.stream().filter(f -> f.type().contains(", only with") && !seen.contains(f.name()))
                .forEach(f -> listed.remove(f.name()));
        assertEquals(listed, seen, command + ": the reply's fields against docs/CONTROL.md: " + reply);
        for (Field f : fields) {
            for (Object v : values(reply, f.name())) {
                assertTrue(ofType(v, f.type()), command + ": " + f.name() + " = " + v + " is no " + f.type());
            }
        }
    }

    private static void collect(String prefix, Map<?, ?> m, Set<String> out) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String name = prefix + e.getKey();
            out.add(name);
            if (e.getValue() instanceof List<?> l) {
                for (Object element : l) {
                    if (element instanceof Map<?, ?> inner) {
                        collect(name + "[].", inner, out);
                    }
                }
            }
        }
    }

    /** The values at a documented path ("sources[].name": every element's name). */
    private static List<Object> values(Map<?, ?> m, String path) {
        int dot = path.indexOf("[].");
        if (dot < 0) {
            return m.containsKey(path) ? java.util.Collections.singletonList(m.get(path)) : List.of();
        }
        List<Object> out = new ArrayList<>();
        for (Object element : (List<?>) m.get(path.substring(0, dot))) {
            out.addAll(values((Map<?, ?>) element, path.substring(dot + 3)));
        }
        return out;
    }

    private static boolean ofType(Object v, String type) {
        if (type.contains(", only with")) {
            type = type.substring(0, type.indexOf(", only with"));
        }
        if (v == null) {
            return type.endsWith("or null");
        }
        String base = type.replace(" or null", "");
        return switch (base.split(" ")[0]) {
            case "integer" -> v instanceof Long;
            case "number" -> v instanceof Number;
            case "string" -> v instanceof String;
            case "boolean" -> v instanceof Boolean;
            case "array" -> v instanceof List;
            case "object" -> v instanceof Map;
            default -> throw new AssertionError("docs/CONTROL.md: unknown type " + type);
        };
    }

    /** The same things as chronyc sees them: the server's stratum and ID, ours, and the packets between us. */
    private static void compareWithChrony(String socket, Path chronySocket, String address) throws Exception {
        String chronyTracking = ChronyCommandDir.chronyc(chronySocket, "tracking");
        Matcher id = Pattern.compile("Reference ID\\s*: ([0-9A-F]{8})").matcher(chronyTracking);
        Matcher stratum = Pattern.compile("Stratum\\s*: (\\d+)").matcher(chronyTracking);
        assertTrue(id.find() && stratum.find(), chronyTracking);
        Map<String, Object> ntp = rows(Jntpc.requestJson(socket, "ntpdata", address), "sources").getFirst();
        assertEquals(id.group(1), ntp.get("ref_id"), "chronyd's reference ID as our ntpdata shows it:\n" + chronyTracking);
        assertEquals((long) Integer.parseInt(stratum.group(1)), ntp.get("stratum"), chronyTracking);
        assertEquals((long) CHRONY_STRATUM, ntp.get("stratum"));
        Map<String, Object> tracking = Jntpc.requestJson(socket, "tracking");
        assertEquals((long) CHRONY_STRATUM + 1, tracking.get("stratum"), tracking.toString());
        assertEquals("7F000001", tracking.get("ref_id"), tracking.toString());
        assertEquals("127.0.0.1", tracking.get("ref_id_text"), tracking.toString());
        assertEquals(true, tracking.get("synchronised"));
        // chronyc's System time, Residual freq and Update interval: what is left of the last offset to slew (never more,
        // never the other way), nothing left of the frequency with one source, polls of 0.25 s
        double lastOffsetS = ((Number) tracking.get("last_offset_s")).doubleValue();
        double systemTimeS = ((Number) tracking.get("system_time_offset_s")).doubleValue();
        assertTrue(Math.abs(systemTimeS) <= Math.abs(lastOffsetS) && systemTimeS * lastOffsetS >= 0, tracking.toString());
        assertEquals(0, ((Number) tracking.get("residual_frequency_ppm")).doubleValue(), 1e-3, tracking.toString());
        double intervalS = ((Number) tracking.get("update_interval_s")).doubleValue();
        assertTrue(intervalS > 0 && intervalS < 10, tracking.toString());
        // and in chronyc's words: the same line as chronyc's own
        Pattern systemTime = Pattern.compile("(?m)^System time     : \\d+\\.\\d{9} seconds (fast|slow) of NTP time$");
        assertTrue(systemTime.matcher(chronyTracking).find(), chronyTracking);
        String ours = Jntpc.request(socket, "tracking");
        assertTrue(systemTime.matcher(ours).find() && ours.contains("Residual freq   : ")
                && ours.contains("Update interval : "), ours);
        // Offline: no more requests leave, and after a second none is in flight; then every request we count was
        // counted by chronyd, and nothing else reached it but the test client's burst (its command socket is not
        // counted as NTP).
        assertEquals(1L, Jntpc.requestJson(socket, "offline", address).get("sources"));
        Thread.sleep(1_000);
        long txPackets = (Long) rows(Jntpc.requestJson(socket, "ntpdata", address), "sources").getFirst().get("tx_packets");
        long rxPackets = (Long) rows(Jntpc.requestJson(socket, "ntpdata", address), "sources").getFirst().get("rx_packets");
        String serverStats = ChronyCommandDir.chronyc(chronySocket, "serverstats");
        Matcher received = Pattern.compile("NTP packets received\\s*: (\\d+)").matcher(serverStats);
        Matcher dropped = Pattern.compile("NTP packets dropped\\s*: (\\d+)").matcher(serverStats);
        assertTrue(received.find() && dropped.find(), serverStats);
        assertEquals(Long.parseLong(received.group(1)), txPackets + BURST,
                "chronyd received what we sent, and the test client's burst:\n" + serverStats);
        assertEquals(0, Long.parseLong(dropped.group(1)), serverStats);
        assertEquals(txPackets, rxPackets, "every request answered on loopback");
        assertTrue(txPackets >= 1, "polled: " + txPackets);
        // sourcestats' window of residuals: the accepted samples but the first, the last 32 at most
        Map<String, Object> stats = rows(Jntpc.requestJson(socket, "sourcestats"), "sources").getFirst();
        long valid = (Long) rows(Jntpc.requestJson(socket, "ntpdata", address), "sources").getFirst().get("valid_samples");
        long np = (Long) stats.get("np");
        long nr = (Long) stats.get("nr");
        double spanS = ((Number) stats.get("span_s")).doubleValue();
        assertTrue(np >= 2 && np <= Math.min(32, valid - 1) && nr >= 1 && nr <= np, stats + " of " + valid);
        assertTrue(spanS > 0 && spanS < 120, "the samples' times, seconds apart: " + stats);
        assertTrue(Jntpc.request(socket, "sourcestats").lines().anyMatch(l -> l.matches("127\\.0\\.0\\.1\\s+" + np
                + "\\s+" + nr + "\\s.*")), "jntpc sourcestats prints NP and NR: " + stats);
        Map<String, Object> activity = Jntpc.requestJson(socket, "activity");
        assertEquals(0L, activity.get("online"));
        assertEquals(1L, activity.get("offline"));
        assertEquals(txPackets, (Long) rows(Jntpc.requestJson(socket, "ntpdata", address), "sources").getFirst()
                .get("tx_packets"), "offline: nothing sent");
    }

    /** What the test's client got back from jntpd: ordinary replies and kisses (RATE), and when it finished. */
    record Burst(int replies, int kisses, long sentNs, long endNs) {}

    /**
     * {@value #BURST} client requests back to back from {@value #CLIENT} to jntpd (which rate-limits them, with kisses)
     * and the same to chronyd; every answer is read until 1 s passes without one (loopback loses nothing).
     */
    private static Burst sendBurst(int jntpdPort, int chronyPort) throws IOException {
        int replies = 0;
        int kisses = 0;
        long startNs = System.nanoTime();
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(new java.net.InetSocketAddress(CLIENT, 0))) {
            java.net.InetAddress server = java.net.InetAddress.getByName("127.0.0.1");
            for (int port : new int[] {jntpdPort, chronyPort}) {
                for (int i = 0; i < BURST; i++) {
                    byte[] request = new byte[48];
                    request[0] = 0x23; // version 4, mode 3
                    java.nio.ByteBuffer.wrap(request).putLong(40, System.nanoTime() ^ (long) i << 48);
                    s.send(new java.net.DatagramPacket(request, 48, server, port));
                }
            }
            long sentNs = System.nanoTime();
            s.setSoTimeout(1_000);
            byte[] buf = new byte[512];
            while (true) {
                java.net.DatagramPacket reply = new java.net.DatagramPacket(buf, buf.length);
                try {
                    s.receive(reply);
                } catch (java.net.SocketTimeoutException e) {
                    break;
                }
                if (reply.getPort() != jntpdPort) {
                    continue; // chronyd's
                }
                boolean kiss = buf[1] == 0 && new String(buf, 12, 4, java.nio.charset.StandardCharsets.US_ASCII)
                        .equals("RATE");
                kisses += kiss ? 1 : 0;
                replies += kiss ? 0 : 1;
            }
            return new Burst(replies, kisses, sentNs - startNs, sentNs);
        }
    }

    /**
     * jntpc clients shows the burst as the client saw it: every request counted, the refused ones as limited, the
     * kisses it received as KoD sent, a sub-second interval, and the same request count as chronyc clients shows for
     * the same burst to chronyd.
     */
    private static void clientsShouldCountTheBurst(String socket, Path chronySocket, Burst burst) throws Exception {
        Map<String, Object> reply = Jntpc.requestJson(socket, "clients");
        assertEquals(true, reply.get("client_table"), reply.toString());
        Map<String, Object> c = rows(reply, "clients").stream().filter(r -> CLIENT.equals(r.get("address")))
                .findFirst().orElseThrow(() -> new AssertionError("no " + CLIENT + ": " + reply));
        String why = c + " " + burst;
        assertEquals((long) BURST, c.get("ntp_packets"), why);
        assertEquals(BURST - (Long) c.get("ntp_limited"), burst.replies(), "answered = sent - limited: " + why);
        assertEquals((long) burst.kisses(), c.get("ntp_kod_sent"), "kisses received = KoD sent: " + why);
        assertTrue((Long) c.get("ntp_limited") > 0 && burst.kisses() >= 1, "a burst of 20 at 1/8 s burst 4: " + why);
        assertEquals(3L, c.get("mode"), why);
        assertEquals(4L, c.get("version"), why);
        double meanS = ((Number) c.get("ntp_mean_interval_s")).doubleValue();
        assertTrue(meanS >= 0 && meanS < 1, why);
        // requests read in one batch share an arrival time: 0 s apart, shown as the floor
        assertEquals(Math.max(ServedClient.MIN_INTERVAL_LOG2, Math.round(Math.log(Math.max(meanS, 1e-9)) / Math.log(2))),
                c.get("ntp_interval_log2"), why);
        double sinceS = (System.nanoTime() - burst.endNs()) * 1e-9;
        double lastS = ((Number) c.get("last_ago_s")).doubleValue();
        assertTrue(lastS >= 0 && lastS <= sinceS + 0.5 && ((Number) c.get("first_ago_s")).doubleValue() >= lastS, why);
        String text = Jntpc.request(socket, "clients");
        assertTrue(text.lines().anyMatch(l -> l.startsWith(CLIENT + " ") && l.contains(" " + BURST + " ")), text);
        assertTrue(rows(Jntpc.requestJson(socket, "clients", "-p", Integer.toString(BURST + 1)), "clients").stream()
                .noneMatch(r -> CLIENT.equals(r.get("address"))), "-p 21 leaves the client of 20 out");
        assertEquals(false, Jntpc.requestJson(socket, "clients", "-k").get("ok"));
        // chronyd got the same 20 from the same address: chronyc clients counts them alike (no limit there)
        String chrony = ChronyCommandDir.chronyc(chronySocket, "-c", "-n", "clients");
        String row = chrony.lines().filter(l -> l.startsWith(CLIENT + ",")).findFirst()
                .orElseThrow(() -> new AssertionError("chronyc clients:\n" + chrony));
        assertEquals(Long.toString(BURST), row.split(",")[1], "chronyc clients: " + row + "\njntpc: " + text);
    }

    /** Offline (no sample, no poll, so no publication for the source): its age still grows between two asks. */
    private static void agesShouldGrowWhileOffline(String socket, String address) throws Exception {
        Map<String, Object> first = rows(Jntpc.requestJson(socket, "sources"), "sources").getFirst();
        Thread.sleep(1_200);
        Map<String, Object> second = rows(Jntpc.requestJson(socket, "sources"), "sources").getFirst();
        double grownS = ((Number) second.get("last_rx_ago_s")).doubleValue()
                - ((Number) first.get("last_rx_ago_s")).doubleValue();
        assertTrue(grownS >= 1.1 && grownS < 30, "LastRx grew by " + grownS + " s in 1.2 s: " + first + " " + second);
        assertEquals(false, second.get("online"));
        assertTrue(Jntpc.request(socket, "sources").contains("(offline)"));
        Map<String, Object> online = Jntpc.requestJson(socket, "online", address);
        assertEquals(1L, online.get("sources"), online.toString());
        long before = (Long) rows(Jntpc.requestJson(socket, "ntpdata", address), "sources").getFirst().get("tx_packets");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long after = before;
        while (after <= before && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
            after = (Long) rows(Jntpc.requestJson(socket, "ntpdata", address), "sources").getFirst().get("tx_packets");
        }
        assertTrue(after > before, "online again: polled (" + before + " -> " + after + ")");
    }

    /** The socket opened to everyone: another user may read, but not change the daemon. */
    private static void modifyingCommandsShouldBeRefusedToOthers(Path socket) throws Exception {
        assumeTrue(ExternalProgram.find("setpriv").isPresent() && Files.isExecutable(Path.of("/usr/bin/python3")),
                "setpriv and python3 run a client as nobody");
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        String client = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n"
                + "s.sendall((sys.argv[2]+'\\n').encode())\nb=b''\nwhile True:\n  d=s.recv(65536)\n  if not d: break\n"
                + "  b+=d\nprint(b.decode(),end='')\n";
        for (String command : List.of("tracking", "burst", "makestep", "offline", "reload")) {
            ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(20), "setpriv", "--reuid=65534",
                    "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", client, socket.toString(), command);
            assertEquals(0, r.exitCode(), r.toString());
            @SuppressWarnings("unchecked")
            Map<String, Object> reply = (Map<String, Object>) Json.parse(r.output().strip());
            if (command.equals("tracking")) {
                assertEquals(true, reply.get("ok"), reply.toString());
            } else {
                assertEquals(false, reply.get("ok"), reply.toString());
                assertTrue(((String) reply.get("error")).startsWith("permission denied: only root, root and the members "
                        + "of group root"), reply.toString());
            }
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    }

    /** jntpc query against chronyd and against jntpd: the stratum each serves, offsets of a loopback exchange. */
    private static void queryShouldMeasureBothServers(int chronyPort, int jntpdPort) throws Exception {
        for (int[] server : new int[][] {{chronyPort, CHRONY_STRATUM}, {jntpdPort, CHRONY_STRATUM + 1}}) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
            java.io.PrintStream saved = System.out;
            int rc;
            System.setOut(out);
            try {
                rc = Jntpc.run(new String[] {"-j", "query", "127.0.0.1:" + server[0]});
            } finally {
                System.setOut(saved);
            }
            String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, rc, text);
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) Json.parse(text.strip());
            assertEquals((long) server[1], m.get("stratum"), text);
            double offsetS = ((Number) m.get("offset_s")).doubleValue();
            double delayS = ((Number) m.get("delay_s")).doubleValue();
            // Both serve this host's clock (chronyd -x; jntpd -x follows it): only the exchange's asymmetry is left.
            assertTrue(delayS >= 0 && delayS < 0.5, text);
            assertTrue(Math.abs(offsetS) <= delayS / 2 + 0.005, text);
        }
        assertEquals(1, Jntpc.run(new String[] {"query", "127.0.0.1:" + JntpdProcess.freePort("127.0.0.1"), "0.5"}),
                "nobody there: no answer");
    }

    /** chronyd stopped: no sample comes, yet each poll shifts a 0 into the reach register jntpc shows. */
    private static void reachShouldShiftWhenTheServerStops(String socket, Process chronyd) throws Exception {
        ExternalProgram.kill(chronyd);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        long reach = -1;
        while (System.nanoTime() - deadline < 0) {
            reach = (Long) rows(Jntpc.requestJson(socket, "sources"), "sources").getFirst().get("reach");
            if ((reach & 0b11) == 0) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(0, reach & 0b11, "the last two polls unanswered: reach " + Long.toOctalString(reach));
    }
}
