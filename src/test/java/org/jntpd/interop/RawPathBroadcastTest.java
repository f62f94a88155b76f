package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.jntpd.xdp.RawPathService;
import org.jntpd.xdp.VethNamespaces;
import org.junit.jupiter.api.Test;

/**
 * A client request sent to a broadcast address (the subnet's, 198.18.0.255, and 255.255.255.255, with SO_BROADCAST)
 * over the veth into a jntpd -x serving through the AF_XDP raw path: the raw path must not answer it (turned around,
 * the reply would leave from the broadcast address and MAC, which the client's kernel drops as a martian source). The
 * XDP program hands frames not addressed to one host (a group MAC, an IPv4 multicast or broadcast destination, an
 * IPv6 multicast one) to the kernel, counted, whose socket answers as without the raw path: from the served unicast
 * address.
 */
class RawPathBroadcastTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /**
     * argv: source target [device]. One NTP client request (SO_BROADCAST; IPv6 when the target has a colon); prints
     * each reply's source address.
     */
    private static final String BROADCAST_REQUEST = """
            import socket, sys
            v6 = ':' in sys.argv[2]
            s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
            if not v6:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            if len(sys.argv) > 3:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[3].encode())
            s.bind((sys.argv[1], 0))
            s.settimeout(1.5)
            s.sendto(b'\\x23' + bytes(47), (sys.argv[2], 123))
            try:
                while True:
                    r, a = s.recvfrom(512)
                    print('reply from %s:%d mode %d' % (a[0], a[1], r[0] & 7))
            except socket.timeout:
                pass
            print('done')
            """;

    @Test
    void requestsToABroadcastAddressShouldNotBeAnsweredFromIt() throws Exception {
        assumeTrue(VethNamespaces.available(), "namespaces and XDP need root and iproute2");
        Path dir = Files.createTempDirectory("jntpd-raw-broadcast");
        try (VethNamespaces net = VethNamespaces.create();
                JntpdProcess jntpd = JntpdProcess.builder().port(123).bindAddress(null).dir(dir)
                        .commandPrefix(net.inServer().toArray(String[]::new))
                        .javaOptions("-D" + RawPathService.PROP_NAME + "=xdp," + VethNamespaces.SERVER_DEV)
                        .config("local stratum 2", "controlsocket " + dir.resolve("control.sock")).start()) {
            String attached = jntpd.awaitLog("raw path on " + VethNamespaces.SERVER_DEV, 20_000);
            assumeTrue(attached != null && !jntpd.log().contains("cannot attach"), "XDP cannot attach: " + jntpd.log());
            ExternalProgram.Result unicast = net.runInClient(TIMEOUT, "python3", "-c", BROADCAST_REQUEST,
                    VethNamespaces.CLIENT_V4, VethNamespaces.SERVER_V4);
            ExternalProgram.Result subnet = net.runInClient(TIMEOUT, "python3", "-c", BROADCAST_REQUEST,
                    VethNamespaces.CLIENT_V4, "198.18.0.255");
            ExternalProgram.Result limited = net.runInClient(TIMEOUT, "python3", "-c", BROADCAST_REQUEST,
                    "0.0.0.0", "255.255.255.255", VethNamespaces.CLIENT_DEV);
            ExternalProgram.Result multicast = net.runInClient(TIMEOUT, "python3", "-c", BROADCAST_REQUEST,
                    VethNamespaces.CLIENT_V6, "ff02::1", VethNamespaces.CLIENT_DEV);
            String stats = jntpd.jntpc("serverstats");
            String where = "\n--- unicast\n" + unicast + "\n--- subnet broadcast\n" + subnet
                    + "\n--- 255.255.255.255\n" + limited + "\n--- ff02::1\n" + multicast + "\n--- serverstats\n"
                    + stats + "\n--- jntpd\n" + jntpd.log();
            String fromServer = "reply from " + VethNamespaces.SERVER_V4 + ":123 mode 4\ndone";
            assertEquals(fromServer, unicast.output().strip(), where);
            assertEquals(fromServer, subnet.output().strip(), "answered from the unicast address" + where);
            assertEquals(fromServer, limited.output().strip(), "answered from the unicast address" + where);
            assertEquals("reply from " + VethNamespaces.SERVER_V6 + ":123 mode 4\ndone", multicast.output().strip(),
                    "answered from the unicast address" + where);
            assertEquals(1, NtpqRawPathTest.count(stats, "raw frames sent"), "only the unicast request through XDP" + where);
            assertEquals(3, NtpqRawPathTest.count(stats, "xdp not unicast"), "the others to the kernel" + where);
        } finally {
            TestFiles.deleteTree(dir);
        }
    }
}
