package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.time.LeapFiles;
import org.jntpd.time.NtpTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's warnings in the running daemon, read as {@code jntpc warnings} reads them: a leap second file ten
 * days from its expiry, and the clock jntpd disciplines (native/vclock's virtual one) stepped +2 s by "another
 * process" (the shim's JNTPD_VIRTUAL_CLOCK_STEP, triggered by a file once the daemon runs: nothing jntpd asked for).
 * The host's clock is never touched.
 */
class OperatorWarningsDaemonTest {
    @Test
    void shouldNameAStepByAnotherProcessAndALeapFileNearExpiry(@TempDir Path dir) throws Exception {
        NativeBuild.assumeGcc();
        long nowS = System.currentTimeMillis() / 1000;
        Path leap = dir.resolve("leap-seconds.list");
        Files.writeString(leap, LeapFiles.rehash(LeapFiles.tzdata2025b().replaceFirst("(?m)^#@\\s+\\d+",
                "#@\t" + (nowS + 10 * 86_400 + NtpTimestamp.UNIX_EPOCH_NTP_S))));
        Path stepFile = dir.resolve("step-now"); // the shim steps the clock +2 s once this file exists
        try (JntpdProcess upstream = JntpdProcess.start("local stratum 1");
                JntpdProcess jntpd = JntpdProcess.builder().dir(dir).virtualClock("0,0")
                        .env("JNTPD_VIRTUAL_CLOCK_STEP", stepFile + ",2")
                        .config("server 127.0.0.1 port " + upstream.port() + " iburst minpoll -2 maxpoll -2",
                                "leapfile " + leap, "controlsocket " + dir.resolve("control.sock")).start()) {
            String before = awaitWarning(jntpd, "leap second file", 10_000); // from the loop's first publication
            assertTrue(before.matches("(?s)warning: leap second file " + Pattern.quote(leap.toString())
                    + " expires on \\S+Z, in (9\\.9|10\\.0) days: update it .*"), before);
            assertFalse(before.contains("stepped"), before);
            Thread.sleep(2_000); // a few interference checks (one a second) find nothing first
            assertFalse(jntpd.log().contains("the clock was stepped by"), jntpd::log);
            Files.createFile(stepFile);

            jntpd.awaitLog("the clock was stepped by", 40_000);
            String after = awaitWarning(jntpd, "system clock stepped by another process", 10_000);
            Matcher m = Pattern.compile("system clock stepped by another process: ([-+0-9.]+) s at \\S+Z").matcher(after);
            assertTrue(m.find(), after);
            // +2 s, less what the discipline's own slew explains over the second between checks (at most 0.1 s here).
            assertEquals(2.0, Double.parseDouble(m.group(1)), 0.1, after);
            assertTrue(after.contains("leap second file"), "both listed: " + after);
            assertEquals(1, jntpd.logLines("the clock was stepped by").size(), "once:\n" + jntpd.log());

            // The operator updates the leap second file and reloads: its warning ends, the step's stays listed.
            Files.writeString(leap, LeapFiles.rehash(LeapFiles.tzdata2025b().replaceFirst("(?m)^#@\\s+\\d+",
                    "#@\t" + (nowS + 200 * 86_400 + NtpTimestamp.UNIX_EPOCH_NTP_S))));
            String reload = jntpd.jntpc("reload");
            assertTrue(reload.startsWith("reload (jntpc): ") && reload.contains(" applied; "), reload);
            String updated = awaitNoWarning(jntpd, "leap second file", 10_000);
            assertFalse(updated.contains("leap second file"), updated);
            assertTrue(updated.contains("system clock stepped by another process"), updated);
        }
    }

    private static String awaitNoWarning(JntpdProcess jntpd, String text, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        String w = jntpd.jntpc("warnings");
        while (w.contains(text) && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
            w = jntpd.jntpc("warnings");
        }
        return w;
    }

    private static String awaitWarning(JntpdProcess jntpd, String text, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        String w = jntpd.jntpc("warnings");
        while (!w.contains(text) && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
            w = jntpd.jntpc("warnings");
        }
        return w;
    }
}
