package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jntpd.testing.JntpdProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pidfile}: parsed and never written before; now written at start and removed at exit, if still ours. */
class PidFileTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteThePidAtStartAndRemoveItAtExit() throws Exception {
        Path pidFile = dir.resolve("run/jntpd.pid"); // its folder is made too
        try (JntpdProcess jntpd = JntpdProcess.start("pidfile " + pidFile)) {
            assertEquals(jntpd.pid() + "\n", Files.readString(pidFile));
            assertEquals(0, jntpd.terminate(10_000), jntpd.log());
        }
        assertFalse(Files.exists(pidFile));
    }

    @Test
    void shouldLeaveAPidFileThatAnotherProcessTookOver() throws Exception {
        Path pidFile = dir.resolve("jntpd.pid");
        try (JntpdProcess jntpd = JntpdProcess.start("pidfile " + pidFile)) {
            Files.writeString(pidFile, "4194303\n");
            assertEquals(0, jntpd.terminate(10_000), jntpd.log());
        }
        assertEquals("4194303\n", Files.readString(pidFile));
    }

    @Test
    void shouldRefuseToStartWhenThePidFileCannotBeWritten() throws Exception {
        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "");
        try (JntpdProcess jntpd = JntpdProcess.builder().config("pidfile " + notADir.resolve("jntpd.pid")).noWait()
                .start()) {
            assertEquals(1, jntpd.awaitExit(30_000), jntpd.log());
            assertEquals(true, jntpd.log().contains("jntpd: cannot write pid file " + notADir.resolve("jntpd.pid") + ": "
                    + notADir + " exists and is not a directory"), jntpd.log());
        }
    }
}
