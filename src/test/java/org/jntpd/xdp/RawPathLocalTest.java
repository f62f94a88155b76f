package org.jntpd.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jntpd.testing.ExternalProgram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The raw path answers only for the addresses it serves (issue 15/14): a client request (mode 3) that reaches the XDP
 * device with another destination address (the client routes 198.18.5.0/24 and 2001:2:0:5::/64 through the server, so
 * the frame carries the server's MAC and a foreign IP) goes on to the kernel, which does not forward here and drops
 * it, instead of being answered from an address this host does not own. Requests to the server's own addresses are
 * still answered through XDP. The workers check again (a frame the program steers by mistake is dropped, counted),
 * and the served set follows addresses added to and removed from the device.
 */
class RawPathLocalTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT = 123;
    private static final String FOREIGN_V4 = "198.18.5.5";
    private static final String FOREIGN_V6 = "2001:2:0:5::5";

    /** argv: target...: one mode 3 request to each (its own socket), 1.5 s for replies; prints who replied. */
    private static final String REQUESTS = """
            import socket, sys
            for target in sys.argv[1:]:
                v6 = ':' in target
                s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(1.5)
                s.sendto(b'\\x23' + bytes(47), (target, 123))
                replies = 0
                try:
                    while True:
                        r, a = s.recvfrom(512)
                        replies += 1
                        print('%s: reply from %s mode %d' % (target, a[0], r[0] & 7))
                except socket.timeout:
                    if replies == 0:
                        print('%s: no reply' % target)
            """;

    @BeforeAll
    static void needsNamespaces() {
        assumeTrue(VethNamespaces.available(), "namespaces and XDP need root and iproute2");
    }

    private static RawServer startOrSkip(VethNamespaces net, List<String> jvmArgs) throws Exception {
        try {
            return RawServer.start(net.inServer(), PORT, jvmArgs, "xdp", VethNamespaces.SERVER_DEV);
        } catch (RawServer.Unavailable e) {
            assumeTrue(false, "XDP/AF_XDP cannot attach here: " + e.getMessage());
            throw e;
        }
    }

    /** The client sends 198.18.5.0/24 and 2001:2:0:5::/64 to the server end as its gateway. */
    private static void routeForeignThroughServer(VethNamespaces net) {
        for (String[] route : new String[][] {{"-4", "198.18.5.0/24", VethNamespaces.SERVER_V4},
                {"-6", "2001:2:0:5::/64", VethNamespaces.SERVER_V6}}) {
            ExternalProgram.Result r = net.runInClient(TIMEOUT, "ip", route[0], "route", "add", route[1], "via",
                    route[2], "dev", VethNamespaces.CLIENT_DEV);
            assertEquals(0, r.exitCode(), r.toString());
        }
    }

    private static String request(VethNamespaces net, String... targets) {
        String[] cmd = new String[3 + targets.length];
        cmd[0] = "python3";
        cmd[1] = "-c";
        cmd[2] = REQUESTS;
        System.arraycopy(targets, 0, cmd, 3, targets.length);
        ExternalProgram.Result r = net.runInClient(TIMEOUT, cmd);
        assertEquals(0, r.exitCode(), r.toString());
        return r.output().strip();
    }

    @Test
    void shouldLeaveRequestsToAForeignDestinationToTheKernelAndAnswerItsOwn() throws Exception {
        try (VethNamespaces net = VethNamespaces.create(); RawServer raw = startOrSkip(net, List.of())) {
            assertTrue(raw.description().contains("answering for [198.18.0.1, 2001:2:0:0:0:0:0:1, fe80:"),
                    raw.description());
            routeForeignThroughServer(net);
            String out = request(net, VethNamespaces.SERVER_V4, FOREIGN_V4, VethNamespaces.SERVER_V6, FOREIGN_V6);
            Map<String, Long> c = raw.stop();
            String where = out + "\n" + c + "\n--- raw server\n" + raw.output();
            assertEquals(String.join("\n",
                    VethNamespaces.SERVER_V4 + ": reply from " + VethNamespaces.SERVER_V4 + " mode 4",
                    FOREIGN_V4 + ": no reply",
                    VethNamespaces.SERVER_V6 + ": reply from " + VethNamespaces.SERVER_V6 + " mode 4",
                    FOREIGN_V6 + ": no reply"), out, where);
            assertEquals(2, c.get("xdp.NOT_LOCAL"), "the foreign ones handed to the kernel: " + where);
            assertEquals(2, c.get("xdp.REDIRECTED"), where);
            assertEquals(2, c.get("raw.FRAMES_RECEIVED"), where);
            assertEquals(2, c.get("ntp.RECEIVED"), "only the server's own addresses counted as served: " + where);
            assertEquals(2, c.get("ntp.REPLIED"), where);
            assertEquals(2, c.get("raw.FRAMES_SENT"), where);
            assertEquals(0, c.get("raw.NOT_LOCAL"), where);
        }
    }

    @Test
    void shouldDropInTheWorkerWhatTheProgramSteersForAnAddressNotServed() throws Exception {
        // The program's map has 198.18.5.5, the workers' set does not: the frame reaches a worker, which drops it.
        try (VethNamespaces net = VethNamespaces.create();
                RawServer raw = startOrSkip(net, List.of("-DprogramOnly=" + FOREIGN_V4))) {
            routeForeignThroughServer(net);
            String out = request(net, FOREIGN_V4, VethNamespaces.SERVER_V4);
            Map<String, Long> c = raw.stop();
            String where = out + "\n" + c + "\n--- raw server\n" + raw.output();
            assertEquals(FOREIGN_V4 + ": no reply\n" + VethNamespaces.SERVER_V4 + ": reply from "
                    + VethNamespaces.SERVER_V4 + " mode 4", out, where);
            assertEquals(2, c.get("xdp.REDIRECTED"), "both steered to the worker: " + where);
            assertEquals(1, c.get("raw.NOT_LOCAL"), "the worker's own check: " + where);
            assertEquals(1, c.get("ntp.RECEIVED"), "not counted as served: " + where);
            assertEquals(1, c.get("raw.FRAMES_SENT"), where);
        }
    }

    @Test
    void shouldFollowAnAddressAddedToAndRemovedFromTheDevice() throws Exception {
        String added = "198.18.0.7";
        try (VethNamespaces net = VethNamespaces.create(); RawServer raw = startOrSkip(net, List.of())) {
            assertEquals(added + ": no reply", request(net, added), "not the device's yet");
            ExternalProgram.Result r = net.runInServer(TIMEOUT, "ip", "addr", "add", added + "/24", "dev",
                    VethNamespaces.SERVER_DEV);
            assertEquals(0, r.exitCode(), r.toString());
            String reply = added + ": reply from " + added + " mode 4";
            String out = awaitRequest(net, added, reply);
            assertEquals(reply, out, "answered once the raw path read the device again\n" + raw.output());
            r = net.runInServer(TIMEOUT, "ip", "addr", "del", added + "/24", "dev", VethNamespaces.SERVER_DEV);
            assertEquals(0, r.exitCode(), r.toString());
            // the client still has the server's MAC for it (its neighbour entry): the frames keep coming
            out = awaitRequest(net, added, added + ": no reply");
            Map<String, Long> c = raw.stop();
            String where = out + "\n" + c + "\n--- raw server\n" + raw.output();
            assertEquals(added + ": no reply", out, "no longer answered for once removed: " + where);
            assertTrue(c.get("xdp.NOT_LOCAL") >= 2, "before it was added and after it was removed: " + where);
            assertTrue(raw.output().lines().anyMatch(l -> l.contains("raw path on " + VethNamespaces.SERVER_DEV
                    + ": answering for [") && l.contains(added)), "the change logged: " + where);
        }
    }

    /** Asks {@code target} about once a second until the outcome is {@code expected} (20 s at most); the last one. */
    private static String awaitRequest(VethNamespaces net, String target, String expected) throws Exception {
        String out = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() - deadline < 0) {
            out = request(net, target);
            if (out.equals(expected)) {
                return out;
            }
            Thread.sleep(200);
        }
        return out;
    }
}
