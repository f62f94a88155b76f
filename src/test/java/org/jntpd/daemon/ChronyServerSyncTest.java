package org.jntpd.daemon;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.ChronyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real daemon disciplines a virtual clock against chronyd -x (local stratum 1): see {@link Convergence}. */
class ChronyServerSyncTest {
    @Test
    void shouldStepOnceThenHoldTheVirtualClockWithin100UsOfChronyd(@TempDir Path dir) throws Exception {
        NativeBuild.assumeGcc();
        assumeTrue(ChronyServer.program().isPresent(), "chronyd is not installed (package chrony)");
        try (ChronyServer chronyd = ChronyServer.start(dir, 1)) {
            Convergence.Result r = Convergence.run(dir, chronyd.port(), chronyd::log);
            System.out.println("ChronyServerSyncTest against chronyd: " + r);
        }
    }
}
