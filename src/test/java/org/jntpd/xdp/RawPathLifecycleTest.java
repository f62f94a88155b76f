package org.jntpd.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Starting and stopping the raw path: a program of ours left attached by rtnetlink (a crashed jntpd) is replaced,
 * anybody else's is not touched; the daemon falls back to its sockets with one log line when XDP cannot attach, and
 * detaches its program when it stops.
 */
class RawPathLifecycleTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @BeforeAll
    static void needsNamespaces() {
        assumeTrue(VethNamespaces.available(), "namespaces and XDP need root and iproute2");
    }

    private static ExternalProgram.Result leaveAttached(VethNamespaces net, String which) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(net.inServer(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                NativeBuild.buildDir().resolve("classes") + ":" + NativeBuild.buildDir().resolve("test-classes"),
                StaleAttachMain.class.getName(), VethNamespaces.SERVER_DEV, which));
        return ExternalProgram.run(TIMEOUT, cmd);
    }

    private static String xdpOnServerDevice(VethNamespaces net) {
        return net.runInServer(TIMEOUT, "ip", "link", "show", VethNamespaces.SERVER_DEV).output();
    }

    @Test
    void shouldReplaceItsOwnProgramLeftByACrashButNotAForeignOne() throws Exception {
        try (VethNamespaces net = VethNamespaces.create()) {
            ExternalProgram.Result left = leaveAttached(net, "ours");
            assumeTrue(left.exitCode() == 0, "cannot attach XDP here: " + left);
            assertTrue(xdpOnServerDevice(net).contains("prog/xdp"), xdpOnServerDevice(net));
            try (RawServer raw = RawServer.start(net.inServer(), 123, List.of(), "xdp", VethNamespaces.SERVER_DEV)) {
                assertTrue(raw.description().contains("replaced a stale jntpd_xdp"), raw.description());
                ExternalProgram.Result q = net.runInClient(TIMEOUT, "/usr/bin/python3", "-c",
                        "import ntplib; print(ntplib.NTPClient().request('" + VethNamespaces.SERVER_V4
                                + "', version=4, timeout=2).stratum)");
                assertEquals("2", q.output().strip(), q + "\n" + raw.output());
            }
            assertFalse(xdpOnServerDevice(net).contains("prog/xdp"), "detached on exit: " + xdpOnServerDevice(net));

            assertEquals(0, leaveAttached(net, "foreign").exitCode());
            RawServer.Unavailable e = assertThrows(RawServer.Unavailable.class,
                    () -> RawServer.start(net.inServer(), 123, List.of(), "xdp", VethNamespaces.SERVER_DEV));
            assertTrue(e.getMessage().contains("already runs XDP program 'other_xdp'"), e.getMessage());
            assertTrue(xdpOnServerDevice(net).contains("name other_xdp"), "left alone: " + xdpOnServerDevice(net));
        }
    }

    @Test
    void shouldServeThroughXdpAndDetachWhenTheDaemonStops() throws Exception {
        try (VethNamespaces net = VethNamespaces.create()) {
            try (JntpdProcess jntpd = JntpdProcess.builder().port(123).bindAddress(VethNamespaces.SERVER_V4)
                    .commandPrefix(net.inServer().toArray(String[]::new))
                    .javaOptions("-D" + RawPathService.PROP_NAME + "=xdp," + VethNamespaces.SERVER_DEV)
                    .config("local stratum 3").start()) {
                String line = jntpd.awaitLog("raw path on " + VethNamespaces.SERVER_DEV, 20_000);
                assumeTrue(!jntpd.log().contains("cannot attach"), "XDP cannot attach here: " + jntpd.log());
                assertTrue(line != null && line.contains("AF_XDP"), jntpd.log());
                assertTrue(xdpOnServerDevice(net).contains("name jntpd_xdp"), xdpOnServerDevice(net));
                ExternalProgram.Result q = net.runInClient(TIMEOUT, ExternalProgram.withoutSysTime("ntpdig", "-j",
                        "-t", "2", VethNamespaces.SERVER_V4).toArray(String[]::new));
                assertTrue(q.output().contains("\"stratum\":3"), q + "\n" + jntpd.log());
                assertEquals(0, jntpd.terminate(10_000), jntpd.log());
            }
            assertFalse(xdpOnServerDevice(net).contains("prog/xdp"), "detached on exit: " + xdpOnServerDevice(net));
        }
    }

    @Test
    void shouldFallBackToTheSocketsWithOneLogLineWhenXdpCannotAttach() throws Exception {
        try (VethNamespaces net = VethNamespaces.create();
                JntpdProcess jntpd = JntpdProcess.builder().port(123).bindAddress(VethNamespaces.SERVER_V4)
                        .commandPrefix(net.inServer().toArray(String[]::new))
                        .javaOptions("-D" + RawPathService.PROP_NAME + "=xdp,nosuch0")
                        .config("local stratum 3").start()) {
            List<String> warnings = jntpd.logLines("rawpath xdp nosuch0: cannot attach");
            assertEquals(1, warnings.size(), jntpd.log());
            assertTrue(warnings.getFirst().contains("no network device nosuch0")
                    && warnings.getFirst().contains("serving through the kernel's UDP sockets only"), jntpd.log());
            ExternalProgram.Result q = net.runInClient(TIMEOUT, ExternalProgram.withoutSysTime("ntpdig", "-j",
                    "-t", "2", VethNamespaces.SERVER_V4).toArray(String[]::new));
            assertTrue(q.output().contains("\"stratum\":3"), q + "\n" + jntpd.log());
            assertFalse(xdpOnServerDevice(net).contains("prog/xdp"));
        }
    }
}
