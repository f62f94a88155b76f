package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.jntpd.auth.MacType;
import org.jntpd.auth.SymmetricKey;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * The MAC and broadcast warm-ups: every configured key type signs and verifies on the scratch engine; and in the daemon
 * (the launcher's flags), the JDK's SHA1 and the broadcast sender's send path are compiled before anything was signed
 * for real, and stay interpreted with both warm-ups off (the control). A compiled path is what keeps T3 from being read
 * 100-400 us before a signed packet leaves (bench/broadcast-cold-mac); the test checks the compilation, not a timing.
 * What the warm-up can do is make the JIT queue a method: on a loaded machine (stress-ng beside the suite) the send
 * path's compile, queued during the warm-up, ran 7 ms after the first broadcast, so a method queued before a compile
 * that ran before the first broadcast counts as warmed up (PrintCompilation's ids number compiles as they are queued).
 */
class MacWarmupTest {
    /** The JDK's SHA1 block function: only a MAC calls it here (no TLS, no NTS in these daemons). */
    static final String DIGEST_COMPILED = "sun.security.provider.SHA::implCompress";
    /** Kept out of line so that -XX:+PrintCompilation names it (inlined, it hides in the warm-up's loop). */
    static final String SEND_COMPILED = "org.jntpd.daemon.BroadcastSender::send";
    private static final String[] SEE = {"-XX:+PrintCompilation",
        "-XX:CompileCommand=dontinline,org.jntpd.daemon.BroadcastSender::send"};

    /**
     * Whether {@code method} was compiled before offset {@code at} of the log, or queued before a compile that started
     * there: its first PrintCompilation line's id is below the highest id printed before {@code at}.
     */
    static boolean queuedBefore(String log, String method, int at) {
        int first = log.indexOf(method);
        if (first < 0) {
            return false;
        }
        if (first < at) {
            return true;
        }
        int highestBefore = -1;
        int methodId = -1;
        int offset = 0;
        for (String line : log.split("\n", -1)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].matches("\\d+") && f[1].matches("\\d+")) {
                int id = Integer.parseInt(f[1]);
                if (offset < at) {
                    highestBefore = Math.max(highestBefore, id);
                } else if (methodId < 0 && line.contains(method)) {
                    methodId = id;
                }
            }
            offset += line.length() + 1;
        }
        return methodId >= 0 && methodId < highestBefore;
    }

    @Test
    void shouldQueueAMethodBeforeACompileThatRanEarlierAsWarmedUp() {
        String log = """
                1287  590             org.jntpd.daemon.BroadcastSender::collectLatencies (156 bytes)
                1436  621 % !         org.jntpd.daemon.BroadcastSender::warmUp @ 162 (600 bytes)
                2026-12-08T02:28:25.440Z INFO broadcast 127.0.0.2: sending
                1515  596             org.jntpd.daemon.BroadcastSender::send (246 bytes)
                1600  640             org.jntpd.daemon.BroadcastSender::runTimer (80 bytes)
                """;
        int at = log.indexOf("INFO broadcast");
        assertTrue(queuedBefore(log, SEND_COMPILED, at), "queued as 596, before 621 ran");
        assertFalse(queuedBefore(log, "BroadcastSender::runTimer", at), "queued as 640, after");
        assertFalse(queuedBefore(log, "BroadcastSender::absent", at));
        assertTrue(queuedBefore(log, "BroadcastSender::collectLatencies", at));
    }

    @Test
    void shouldSignAndVerifyWithEveryKeyType() {
        byte[] secret = HexFormat.of().parseHex("0123456789abcdef0123456789abcdef");
        List<SymmetricKey> keys = List.of(new SymmetricKey(1, MacType.SHA1, secret),
                new SymmetricKey(2, MacType.MD5, secret), new SymmetricKey(3, MacType.AES128, secret),
                new SymmetricKey(4, MacType.SHA256, secret), new SymmetricKey(5, MacType.SHA1, secret));
        MacWarmup.Outcome o = MacWarmup.run(keys);
        assertEquals(0, o.failures(), o.toString());
        assertTrue(o.rounds() >= MacWarmup.WINDOW && o.rounds() <= MacWarmup.MAX_ROUNDS, o.toString());
        assertTrue(o.firstMedianNs() > 0 && o.lastMedianNs() > 0, o.toString());
        assertEquals(new MacWarmup.Outcome(0, 0, 0, 0), MacWarmup.run(List.of()));
    }

    @Test
    void shouldHaveTheDaemonsSigningPathsCompiledBeforeTheFirstBroadcast() throws Exception {
        Path dir = Files.createTempDirectory("jntpd-macwarm");
        try {
            Path keys = dir.resolve("ntp.keys");
            Files.write(keys, List.of("1 SHA1 0123456789abcdef0123456789abcdef01234567"));
            String[] conf = {"local stratum 3", "keys " + keys, "trustedkey 1", "broadcast 127.0.0.2 key 1"};
            try (JntpdProcess jntpd = JntpdProcess.builder().bindAddress("127.0.0.1").config(conf).javaOptions(SEE)
                    .start()) {
                jntpd.awaitLog("broadcast 127.0.0.2: sending", 60_000);
                String log = jntpd.log();
                int sending = log.indexOf("broadcast 127.0.0.2: sending");
                assertTrue(queuedBefore(log, DIGEST_COMPILED, sending), "SHA1 compiled (or queued) before the first"
                        + " broadcast:\n" + log);
                assertTrue(queuedBefore(log, SEND_COMPILED, sending), "the send path compiled (or queued) before the"
                        + " first broadcast:\n" + log);
            }
            try (JntpdProcess jntpd = JntpdProcess.builder().bindAddress("127.0.0.1").config(conf)
                    .javaOptions(SEE[0], SEE[1], "-D" + MacWarmup.ENABLED_PROP_NAME + "=0",
                            "-D" + BroadcastSender.WARMUP_PROP_NAME + "=0").start()) {
                jntpd.awaitLog("broadcast 127.0.0.2: sending", 60_000);
                Thread.sleep(5_000);
                String log = jntpd.log();
                assertFalse(log.contains(DIGEST_COMPILED),
                        "SHA1 compiled without the warm-up: the control proves nothing");
                assertFalse(log.contains(SEND_COMPILED), "compiled without the warm-up: the control proves nothing");
            }
        } finally {
            TestFiles.deleteTree(dir);
        }
    }
}
