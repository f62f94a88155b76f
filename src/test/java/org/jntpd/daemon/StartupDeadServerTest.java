package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.JntpdProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Start-up with two servers configured, one of them down (a loopback port where nothing listens), the other a
 * jntpd serving local stratum 1; the client runs on the virtual clock with the default polling and iburst, as a new
 * user would configure it. A source that never answers must not hold the live one back once iburst has had its
 * chance: chronyd synchronises in about 4 s here, NTPsec in about 10 s; jntpd took 205 s (the dead source counted as
 * a vote still to come for three regular polls).
 */
class StartupDeadServerTest {
    /** Generous for a loaded machine; the iburst exchanges take a few seconds. */
    private static final long SYNC_WITHIN_MS = 30_000;

    @BeforeAll
    static void needsTheShim() {
        NativeBuild.assumeGcc();
    }

    @Test
    void shouldSynchroniseToTheLiveServerWithinSecondsWhenTheOtherNeverAnswers() throws Exception {
        int dead = JntpdProcess.freePort("127.0.0.1");
        try (JntpdProcess server = JntpdProcess.start("local stratum 1");
                JntpdProcess client = JntpdProcess.builder().virtualClock("0.05,20")
                        .config("server 127.0.0.1 port " + dead + " iburst",
                                "server 127.0.0.1 port " + server.port() + " iburst")
                        .start()) {
            Supplier<String> logs = () -> "\n--- jntpd\n" + client.log();
            String added = client.awaitLog("added source", 10_000);
            String synced = client.awaitLog("synchronised to", SYNC_WITHIN_MS);
            double afterS = JntpdProcess.logTimeS(synced) - JntpdProcess.logTimeS(added);
            assertTrue(synced.contains("port " + server.port()) || synced.contains("synchronised to 127.0.0.1"),
                    () -> synced + logs.get());
            System.out.printf(java.util.Locale.ROOT, "StartupDeadServerTest: synchronised %.1f s after the sources were added%n",
                    afterS);
            assertTrue(afterS < 15, () -> "synchronised only after " + afterS + " s" + logs.get());
        }
    }
}
