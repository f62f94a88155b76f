package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.testing.ChronyCommandDir;
import org.jntpd.testing.ChronyServer;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NetNamespace;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * A symmetric peering between jntpd -x ({@code peer 127.0.0.2}, serving on 127.0.0.1:123) and chronyd -x ({@code peer
 * 127.0.0.1}, on 127.0.0.2:123) in a namespace, watched on the wire with tshark: every packet between them goes from
 * port 123 to port 123 (RFC 5905 section 9), both send symmetric-active packets, jntpd synchronises to its peer, and
 * chronyd knows jntpd as its peer (a '=' source it reaches, remote port 123). Before jntpd sent from its client port,
 * each side answered the other as a stranger (mode 2 from port 123 to the ephemeral port, four packets a poll). The
 * same between two jntpd.
 */
class SymmetricPeerTest {
    private static final Pattern WIRE =
            Pattern.compile("(\\S+)\\t(\\d+)\\t(\\S+)\\t(\\d+)\\t(\\d+)\\t([^\\t]*)\\t([^\\t]*)");
    private static final long DEADLINE_NS = 60_000_000_000L;
    /** Packets each side must have sent by then (2 s polls), well under what 20 s give on a busy machine. */
    static final int MIN_PACKETS = 4;

    /** One packet as tshark printed it; {@code origin} and {@code transmit} in its text form, compared as text. */
    record WirePacket(String from, int fromPort, String to, int toPort, int mode, String origin,
            String transmit) {}

    @Test
    void peersShouldTalkFromPort123ToPort123AndKnowEachOther() throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make a network namespace (port 123)");
        assumeTrue(ChronyServer.program().isPresent(), "chronyd is not installed");
        assumeTshark();
        Path dir = Files.createTempDirectory("jntpd-peer");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // chronyd runs as _chrony
        Process chronyd = null;
        Process tshark = null;
        try (NetNamespace ns = NetNamespace.create()) {
            Path capture = dir.resolve("wire.txt");
            tshark = capture(ns, dir, capture);

            Path run = ChronyCommandDir.create(dir, "run");
            Path socket = run.resolve("chronyd.sock");
            Path chronyLog = dir.resolve("chronyd.log");
            Path conf = dir.resolve("chronyd.conf");
            Files.write(conf, List.of("local stratum 3", "peer 127.0.0.1 minpoll 1 maxpoll 1", "port 123",
                    "bindaddress 127.0.0.2", "allow 127.0.0.0/8", "pidfile " + run.resolve("chronyd.pid"),
                    "cmdport 0", "bindcmdaddress " + socket));
            List<String> chrony = new ArrayList<>(ns.exec());
            chrony.addAll(ExternalProgram.withoutSysTime(ChronyServer.program().orElseThrow().toString(), "-x", "-d",
                    "-f", conf.toString()));
            chronyd = new ProcessBuilder(chrony).redirectErrorStream(true).redirectOutput(chronyLog.toFile()).start();

            try (JntpdProcess jntpd = JntpdProcess.builder().commandPrefix(ns.exec().toArray(String[]::new)).port(123)
                    .bindAddress("127.0.0.1").dir(dir).config("peer 127.0.0.2 minpoll 1 maxpoll 1 iburst",
                            "controlsocket " + dir.resolve("control.sock")).start()) {
                String sources = "";
                String ntpdata = "";
                long deadline = System.nanoTime() + DEADLINE_NS;
                while (System.nanoTime() - deadline < 0) {
                    Thread.sleep(1_000);
                    sources = ChronyCommandDir.chronyc(socket, "-n", "sources");
                    ntpdata = ChronyCommandDir.chronyc(socket, "-n", "ntpdata", "127.0.0.1");
                    if (jntpd.log().contains("synchronised to") && reach(sources) >= 017
                            && count(ntpdata, "Total valid RX") >= MIN_PACKETS) {
                        break;
                    }
                }
                ExternalProgram.kill(tshark);
                tshark.waitFor();
                List<WirePacket> wire = parse(capture);
                String where = "\n--- chronyc sources\n" + sources + "\n--- ntpdata\n" + ntpdata + "\n--- wire\n"
                        + String.join("\n", Files.readAllLines(capture)) + "\n--- chronyd\n"
                        + TestFiles.readOrExplain(chronyLog) + "\n--- jntpd\n" + jntpd.log();

                assertTrue(jntpd.log().contains("synchronised to 127.0.0.2"), "jntpd follows its peer" + where);
                assertTrue(reach(sources) >= 017, "chronyd reaches its peer jntpd ('=' source)" + where);
                assertTrue(ntpdata.matches("(?s).*Remote port\\s*: 123\\b.*"), where);
                assertTrue(count(ntpdata, "Total valid RX") >= MIN_PACKETS, where);
                assertSymmetricOnTheWire(wire, "127.0.0.1", "127.0.0.2", where);
            }
        } finally {
            if (tshark != null) {
                ExternalProgram.kill(tshark);
            }
            if (chronyd != null) {
                ExternalProgram.kill(chronyd);
            }
            TestFiles.deleteTree(dir);
        }
    }

    /**
     * Two jntpd -x peering with each other: B (127.0.0.2, {@code local stratum 3}) and A (127.0.0.1), each with a
     * {@code peer} line for the other; on the wire the same as with chronyd, and A synchronises to B.
     */
    @Test
    void twoJntpdPeersShouldTalkFromPort123ToPort123() throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make a network namespace (port 123)");
        assumeTshark();
        Path dir = Files.createTempDirectory("jntpd-peers");
        Process tshark = null;
        try (NetNamespace ns = NetNamespace.create()) {
            Path capture = dir.resolve("wire.txt");
            tshark = capture(ns, dir, capture);
            Path dirB = Files.createDirectory(dir.resolve("b"));
            Path dirA = Files.createDirectory(dir.resolve("a"));
            String[] prefix = ns.exec().toArray(String[]::new);
            try (JntpdProcess b = JntpdProcess.builder().commandPrefix(prefix).port(123).bindAddress("127.0.0.2")
                    .dir(dirB).config("local stratum 3", "peer 127.0.0.1 minpoll 1 maxpoll 1 iburst",
                            "controlsocket " + dirB.resolve("control.sock")).start();
                    JntpdProcess a = JntpdProcess.builder().commandPrefix(prefix).port(123).bindAddress("127.0.0.1")
                            .dir(dirA).config("peer 127.0.0.2 minpoll 1 maxpoll 1 iburst",
                                    "controlsocket " + dirA.resolve("control.sock")).start()) {
                List<WirePacket> wire = watchPeering(a, tshark, capture, "127.0.0.1", "127.0.0.2");
                String where = "\n--- wire\n" + String.join("\n", Files.readAllLines(capture)) + "\n--- A\n" + a.log()
                        + "\n--- B\n" + b.log();
                assertTrue(a.log().contains("synchronised to 127.0.0.2"), "A follows its peer B" + where);
                assertSymmetricOnTheWire(wire, "127.0.0.1", "127.0.0.2", where);
            }
        } finally {
            if (tshark != null) {
                ExternalProgram.kill(tshark);
            }
            TestFiles.deleteTree(dir);
        }
    }

    static void assumeTshark() {
        assumeTrue(ExternalProgram.find("tshark").isPresent(), "tshark is not installed");
    }

    /**
     * Waits (at most {@link #DEADLINE_NS}) until {@code follower} has synchronised and {@code one} and {@code other}
     * have each sent {@link #MIN_PACKETS} packets carrying the other's transmit time, then stops the capture and
     * returns what it saw.
     */
    static List<WirePacket> watchPeering(JntpdProcess follower, Process tshark, Path capture, String one, String other)
            throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NS;
        while (System.nanoTime() - deadline < 0) {
            Thread.sleep(1_000);
            List<WirePacket> wire = parse(capture);
            if (follower.log().contains("synchronised to") && answered(wire, one) >= MIN_PACKETS
                    && answered(wire, other) >= MIN_PACKETS) {
                break;
            }
        }
        ExternalProgram.kill(tshark);
        tshark.waitFor();
        return parse(capture);
    }

    /**
     * Every packet between {@code one} and {@code other} goes from port 123 to port 123 in a symmetric mode, and each
     * side sent symmetric-active packets carrying the other's last transmit time as their origin (an association on
     * both).
     */
    static void assertSymmetricOnTheWire(List<WirePacket> wire, String one, String other, String where) {
        for (WirePacket p : wire) {
            assertEquals(123, p.fromPort(), "from port 123: " + p + where);
            assertEquals(123, p.toPort(), "to port 123: " + p + where);
            assertTrue(p.mode() == 1 || p.mode() == 2, "symmetric modes only: " + p + where);
        }
        for (String side : List.of(one, other)) {
            assertTrue(sent(wire, side, 1) >= MIN_PACKETS, side + " sent symmetric active" + where);
            assertTrue(answered(wire, side) >= MIN_PACKETS - 1, side + "'s packets carry the other's" + where);
        }
    }

    /** tshark on the namespace's loopback, the packets to and from 127.0.0.2 written to {@code out} as they come. */
    private static Process capture(NetNamespace ns, Path dir, Path out) throws Exception {
        return capture(ns, "lo", "127.0.0.2", dir, out);
    }

    /** tshark on {@code device} of {@code ns}, the UDP packets to and from {@code host} written to {@code out}. */
    static Process capture(NetNamespace ns, String device, String host, Path dir, Path out) throws Exception {
        Path log = dir.resolve("tshark.log");
        List<String> cmd = new ArrayList<>(ns.exec("tshark", "-i", device, "-n", "-l", "-f",
                "udp and host " + host, "-T", "fields", "-e", "ip.src", "-e", "udp.srcport", "-e", "ip.dst",
                "-e", "udp.dstport", "-e", "ntp.flags.mode", "-e", "ntp.org", "-e", "ntp.xmt"));
        Process tshark = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        awaitCapturing(tshark, log);
        return tshark;
    }

    /** Waits (bounded) for tshark to say it captures, so the first packets are seen. */
    private static void awaitCapturing(Process tshark, Path log) throws Exception {
        for (int i = 0; i < 300; i++) {
            if (TestFiles.readOrExplain(log).contains("Capturing on")) {
                return;
            }
            assertTrue(tshark.isAlive(), () -> "tshark exited: " + TestFiles.readOrExplain(log));
            Thread.sleep(100);
        }
        throw new AssertionError("tshark did not start capturing in 30 s: " + TestFiles.readOrExplain(log));
    }

    private static List<WirePacket> parse(Path capture) throws IOException {
        List<WirePacket> out = new ArrayList<>();
        for (String l : Files.readAllLines(capture)) {
            Matcher m = WIRE.matcher(l);
            if (m.matches()) {
                out.add(new WirePacket(m.group(1), Integer.parseInt(m.group(2)), m.group(3),
                        Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), m.group(6), m.group(7)));
            }
        }
        return out;
    }

    private static long sent(List<WirePacket> wire, String from, int mode) {
        return wire.stream().filter(p -> p.from().equals(from) && p.mode() == mode).count();
    }

    /**
     * Symmetric-active packets from {@code from} whose origin is the transmit time of the last packet the other side
     * sent before: what a symmetric association keeps (a stateless answer is a mode-2 packet).
     */
    private static int answered(List<WirePacket> wire, String from) {
        int n = 0;
        String lastFromOther = null;
        for (WirePacket p : wire) {
            if (!p.from().equals(from)) {
                lastFromOther = p.transmit();
            } else if (p.mode() == 1 && lastFromOther != null && p.origin().equals(lastFromOther)) {
                n++;
            }
        }
        return n;
    }

    /** The reach register (octal) of chronyc's '=' (peer) line for 127.0.0.1; -1 when there is none. */
    private static int reach(String sources) {
        Matcher m = Pattern.compile("(?m)^=.\\s+127\\.0\\.0\\.1\\s+\\d+\\s+-?\\d+\\s+([0-7]+)\\s").matcher(sources);
        return m.find() ? Integer.parseInt(m.group(1), 8) : -1;
    }

    /** A "Name : N" count of chronyc ntpdata; -1 when absent. */
    private static long count(String ntpdata, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s*: (\\d+)$").matcher(ntpdata);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
