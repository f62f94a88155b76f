package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.RawNtp;
import org.jntpd.testing.UdpClient;
import org.junit.jupiter.api.Test;

/**
 * {@code cpu N} naming a CPU this process may not run on: before, that worker died with a stack trace while its
 * socket stayed bound, so its share of the requests went unanswered (all of them with one such cpu line).
 */
class UnusableCpuTest {
    @Test
    void shouldServeEveryRequestWithAnUnpinnedWorkerInstead() throws Exception {
        try (JntpdProcess jntpd = JntpdProcess.start("cpu 1023", "local stratum 3")) {
            int answered = 0;
            for (int i = 0; i < 20; i++) {
                try (UdpClient client = new UdpClient("127.0.0.1")) { // a new source port each: any worker's share
                    if (client.query(jntpd.address(), 4, 2_000).reply().mode() == RawNtp.MODE_SERVER) {
                        answered++;
                    }
                }
            }
            String log = jntpd.log();
            assertEquals(20, answered, log);
            // Line 3: the builder writes port and bindaddress first.
            assertTrue(log.contains("WARN " + jntpd.dir().resolve("jntpd.conf") + ":3: cpu 1023 is not one this process "
                    + "may run on"), log);
            assertTrue(log.contains("with 1 worker(s)"), log);
            assertFalse(log.contains("Exception"), log);
        }
    }
}
