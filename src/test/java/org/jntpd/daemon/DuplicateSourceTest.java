package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.jntpd.testing.JntpdProcess;
import org.junit.jupiter.api.Test;

/**
 * One address and port named twice: by two equal lines (the parser drops the second) or by two names that resolve to
 * the same address (the loop does not add it again). Before, each made a second association that never got a reply.
 */
class DuplicateSourceTest {
    @Test
    void shouldKeepOneSourcePerAddressAndPortAndNameBothLines() throws Exception {
        try (JntpdProcess jntpd = JntpdProcess.start("server 127.0.0.1 port 9", "server 127.0.0.1 port 9 iburst",
                "server -4 localhost port 9")) {
            Path conf = jntpd.dir().resolve("jntpd.conf"); // lines 3, 4, 5: the builder writes port and bindaddress first
            String dup = jntpd.awaitLog("already a source", 10_000);
            String log = jntpd.log();
            assertTrue(log.contains("WARN " + conf + ":4: server 127.0.0.1 duplicates the server line at " + conf
                    + ":3: this line is ignored"), log);
            // Lines 3 and 5 resolve at the same moment: whichever comes second is the one not added.
            assertTrue(dup.contains(conf + ":5: localhost is 127.0.0.1 port 9, already a source (" + conf + ":3)")
                    || dup.contains(conf + ":3: 127.0.0.1 is 127.0.0.1 port 9, already a source (" + conf + ":5)"), log);
            assertEquals(1, jntpd.logLines("added source").size(), log);
        }
    }
}
