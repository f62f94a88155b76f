package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NetNamespace;
import org.jntpd.testing.Ntpsec;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real daemon (-x) as an NTS client of NTPsec 1.2.2's ntpd (unpacked, in a network namespace of its own, without
 * CAP_SYS_TIME; NTS-KE on 4460 and NTP on 123, which it cannot move): NTS-KE by name (NTPsec's certificate names
 * localhost), no Port record (so NTP on 123), AEAD 15, and NTPsec (serving in orphan mode at stratum 5) selected with
 * every reply authenticated.
 */
class NtpsecNtsServerTest {
    private NetNamespace ns;
    private Path dir;
    private Process ntpd;

    @BeforeAll
    static void needsNamespaces() {
        assumeTrue(NetNamespace.available(), "network namespaces need root and iproute2");
    }

    @BeforeEach
    void setUp() throws Exception {
        Ntpsec.root(); // skips with the reason when NTPsec cannot be fetched
        ns = NetNamespace.create();
        dir = Files.createTempDirectory("jntpd-ntpsec-server");
        for (String f : List.of("server.crt", "server.key")) {
            ChronyAuthClientTest.copyResource("/org/jntpd/nts/" + f, dir.resolve(f));
        }
    }

    @AfterEach
    void tearDown() {
        if (ntpd != null) {
            ExternalProgram.kill(ntpd);
        }
        if (ns != null) {
            ns.close();
        }
        TestFiles.deleteTree(dir);
    }

    private String ntpdLog() {
        return TestFiles.readOrExplain(dir.resolve("ntpd.log")) + TestFiles.readOrExplain(dir.resolve("ntpd.out"));
    }

    @Test
    void shouldSelectNtpsecOverNts() throws Exception {
        Path conf = dir.resolve("ntp.conf");
        Files.write(conf, List.of("interface ignore wildcard", "interface ignore all", "interface listen 127.0.0.1",
                "tos orphan 5 orphanwait 1", "disable kernel", "nts enable",
                "nts key " + dir.resolve("server.key"), "nts cert " + dir.resolve("server.crt"),
                "driftfile " + dir.resolve("ntp.drift"), "restrict default kod limited nomodify noquery",
                "restrict 127.0.0.1"));
        ntpd = new ProcessBuilder(Ntpsec.ntpd(ns, conf, dir.resolve("ntpd.log"))).redirectErrorStream(true)
                .redirectOutput(dir.resolve("ntpd.out").toFile()).start();
        String name = "localhost (127.0.0.1)";
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).commandPrefix(ns.exec().toArray(String[]::new))
                .config("server -4 localhost nts iburst minpoll -2 maxpoll -2", "ntstrustedcerts " + dir.resolve("server.crt"),
                        "controlsocket " + dir.resolve("control.sock")).start()) {
            String sources = "";
            String authdata = "";
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                Thread.sleep(500);
                assertTrue(ntpd.isAlive(), () -> "ntpd exited:\n" + ntpdLog());
                sources = jntpd.jntpc("sources");
                authdata = jntpd.jntpc("authdata");
                if (JntpdAuthClientTest.selected(sources, name) && JntpdAuthClientTest.authenticated(name, authdata) >= 4) {
                    break;
                }
            }
            String where = "\n--- sources\n" + sources + "\n--- authdata\n" + authdata + "\n--- ntpd\n" + ntpdLog()
                    + "\n--- jntpd\n" + jntpd.log();
            assertTrue(JntpdAuthClientTest.selected(sources, name), "NTPsec selected" + where);
            assertTrue(JntpdAuthClientTest.authenticated(name, authdata) >= 4, "its replies authenticated" + where);
            assertEquals(0, JntpdAuthClientTest.refused(authdata, name), where);
            assertTrue(authdata.contains("nts localhost port 4460, AES-SIV-CMAC-256,"), where);
            assertTrue(jntpd.log().contains("NTP at 127.0.0.1 port 123"), "no Port record: NTP on 123" + where);
        }
    }
}
