package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jntpd.interop.SymmetricPeerTest.WirePacket;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.jntpd.xdp.RawPathService;
import org.jntpd.xdp.VethNamespaces;
import org.junit.jupiter.api.Test;

/**
 * Two jntpd -x peering over a veth, A (198.18.0.1) serving through the AF_XDP raw path on its end, B (198.18.0.2,
 * {@code local stratum 3}) through sockets, each with a {@code peer} line for the other. The steering program hands
 * symmetric-mode packets to the kernel, so A's association hears B on its socket on port 123: both reach each other,
 * A synchronises to B, and on the wire (tshark on B's end) every packet goes 123 to 123 in mode 1 or 2, each side's
 * carrying the other's last transmit time. Before, XDP took B's packets to the raw worker, which answered them as a
 * stranger's (mode 2) while A's association stayed at reach 0.
 */
class RawPathPeerTest {
    @Test
    void peersShouldHearEachOtherWhenOneServesThroughTheRawPath() throws Exception {
        assumeTrue(VethNamespaces.available(), "namespaces and XDP need root and iproute2");
        SymmetricPeerTest.assumeTshark();
        Path dir = Files.createTempDirectory("jntpd-raw-peer");
        Path capture = dir.resolve("wire.txt");
        Process tshark = null;
        try (VethNamespaces net = VethNamespaces.create()) {
            tshark = SymmetricPeerTest.capture(net.clientNamespace(), VethNamespaces.CLIENT_DEV,
                    VethNamespaces.SERVER_V4, dir, capture);
            Path dirA = Files.createDirectory(dir.resolve("a"));
            Path dirB = Files.createDirectory(dir.resolve("b"));
            try (JntpdProcess b = JntpdProcess.builder().commandPrefix(net.inClient().toArray(String[]::new))
                    .port(123).bindAddress(VethNamespaces.CLIENT_V4).dir(dirB)
                    .config("local stratum 3", "peer " + VethNamespaces.SERVER_V4 + " minpoll 1 maxpoll 1 iburst",
                            "controlsocket " + dirB.resolve("control.sock")).start();
                    JntpdProcess a = JntpdProcess.builder().commandPrefix(net.inServer().toArray(String[]::new))
                            .port(123).bindAddress(null).dir(dirA)
                            .javaOptions("-D" + RawPathService.PROP_NAME + "=xdp," + VethNamespaces.SERVER_DEV)
                            .config("peer " + VethNamespaces.CLIENT_V4 + " minpoll 1 maxpoll 1 iburst",
                                    "controlsocket " + dirA.resolve("control.sock")).start()) {
                String attached = a.awaitLog("raw path on " + VethNamespaces.SERVER_DEV, 20_000);
                assumeTrue(attached != null && !a.log().contains("cannot attach"), "XDP cannot attach: " + a.log());
                List<WirePacket> wire = SymmetricPeerTest.watchPeering(a, tshark, capture, VethNamespaces.SERVER_V4,
                        VethNamespaces.CLIENT_V4);
                String sourcesA = a.jntpc("sources");
                String sourcesB = b.jntpc("sources");
                String stats = a.jntpc("serverstats");
                String where = "\n--- A sources\n" + sourcesA + "\n--- B sources\n" + sourcesB
                        + "\n--- A serverstats\n" + stats + "\n--- wire\n"
                        + String.join("\n", Files.readAllLines(capture)) + "\n--- A\n" + a.log() + "\n--- B\n" + b.log();
                assertTrue(a.log().contains("synchronised to " + VethNamespaces.CLIENT_V4), "A follows B" + where);
                assertTrue(JntpdAuthClientTest.reach(sourcesA, VethNamespaces.CLIENT_V4) > 0, "A reaches B" + where);
                assertTrue(JntpdAuthClientTest.reach(sourcesB, VethNamespaces.SERVER_V4) > 0, "B reaches A" + where);
                SymmetricPeerTest.assertSymmetricOnTheWire(wire, VethNamespaces.SERVER_V4, VethNamespaces.CLIENT_V4,
                        where);
                assertTrue(NtpqRawPathTest.count(stats, "xdp mode passed") >= SymmetricPeerTest.MIN_PACKETS,
                        "B's packets went past the raw path to the kernel" + where);
                assertEquals(0, NtpqRawPathTest.count(stats, "raw frames sent"), "the raw path answered nobody" + where);
            }
        } finally {
            if (tshark != null) {
                ExternalProgram.kill(tshark);
            }
            TestFiles.deleteTree(dir);
        }
    }
}
