package org.jntpd.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jntpd.io.KernelStamping;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * {@code jntpc perf --nts} against the real daemon serving NTS: one NTS-KE exchange per socket, every request sealed,
 * every reply's authenticator checked ({@code --nts-verify 1}) and found authentic, each request answered once.
 */
class PerfNtsTest {
    @Test
    void shouldLoadAnNtsServerWithAuthenticatedRequests() throws Exception {
        KernelStamping.ensureEnabled();
        Path dir = Files.createTempDirectory("jntpd-perf-nts");
        try {
            for (String f : new String[] {"server.crt", "server.key"}) {
                try (var in = getClass().getResourceAsStream("/org/jntpd/nts/" + f)) {
                    Files.copy(in, dir.resolve(f));
                }
            }
            int kePort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                kePort = s.getLocalPort();
            }
            try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).config("local stratum 1",
                    "ntsservercert " + dir.resolve("server.crt"), "ntsserverkey " + dir.resolve("server.key"),
                    "ntsport " + kePort, "controlsocket " + dir.resolve("control.sock")).start()) {
                PerfResult r = LoadGeneratorTest.run("--nts", "127.0.0.1:" + kePort, "--nts-ca",
                        dir.resolve("server.crt").toString(), "--nts-verify", "1", "--rate", "1000", "--duration", "1",
                        // Every request must be answered, not answered fast: under load the server's p50 T3 - T2 was
                        // 215 ms and most replies came after the default 500 ms. The step ends as soon as all are in.
                        "--timeout-ms", "30000",
                        "--sockets", "4", "127.0.0.1:" + jntpd.port());
                StepStats s = r.steps().getFirst();
                assertEquals(0, r.ntsNotAuthentic(), "every reply authenticated");
                assertEquals(s.sent(), s.replies(), "every request answered with an authentic reply");
                assertEquals(0, s.kissOfDeath(), "no NTS NAK");
                String authdata = jntpd.jntpc("authdata");
                assertTrue(authdata.matches("(?s).*ke served\\s*: 4\\b.*"), "one NTS-KE per socket\n" + authdata);
                assertTrue(authdata.matches("(?s).*nts replied\\s*: [1-9][0-9]{2,}.*"), authdata);
            }
        } finally {
            TestFiles.deleteTree(dir);
        }
    }
}
