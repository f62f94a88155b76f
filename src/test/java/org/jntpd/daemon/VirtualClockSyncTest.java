package org.jntpd.daemon;

import java.nio.file.Path;
import org.jntpd.platform.NativeBuild;
import org.jntpd.testing.JntpdProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real daemon disciplines a virtual clock against another jntpd (-x, local stratum 1): see {@link Convergence}. */
class VirtualClockSyncTest {
    @Test
    void shouldStepOnceThenHoldTheVirtualClockWithin100UsOfAJntpdServer(@TempDir Path dir) throws Exception {
        NativeBuild.assumeGcc();
        try (JntpdProcess server = JntpdProcess.start("local stratum 1")) {
            Convergence.Result r = Convergence.run(dir, server.port(), server::log);
            System.out.println("VirtualClockSyncTest against jntpd: " + r);
        }
    }
}
