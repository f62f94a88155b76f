package org.jntpd.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.jntpd.platform.Errno;
import org.jntpd.platform.ForkedJvm;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeBuild;
import org.junit.jupiter.api.Test;

/** A kernel that refuses SO_TIMESTAMPING (played by a libc test double in a forked JVM) gets SO_TIMESTAMPNS. */
class TimestampFallbackTest {
    @Test
    void shouldFallBackToTimestampNsWhenTimestampingIsRefused() throws Exception {
        NativeBuild.assumeGcc();
        Path shim = NativeBuild.compile("no_timestamping_shim.c", "libno_timestamping_shim.so", "-shared", "-fPIC",
                "-ldl");
        ForkedJvm.Result r = ForkedJvm.run(List.of(Libc.NATIVE_ACCESS_FLAG, "-D" + Libc.SHIM_PROP_NAME + "=" + shim),
                IoProbe.class);
        assertEquals(0, r.exitCode(), r::toString);
        String out = r.stdout();
        assertTrue(out.contains("mode TIMESTAMPNS\n"), out);
        assertTrue(out.contains("refused_errno " + Errno.ENOPROTOOPT + "\n"), out);
        assertTrue(out.contains("sent 48\n") && out.contains("received 48\n"), out);
        assertTrue(out.contains("rx_in_window true\n"), "RX stamps still come, through SCM_TIMESTAMPNS: " + out);
        assertTrue(out.contains("tx_reports -" + Errno.EAGAIN + "\n"), "no TX stamps without SO_TIMESTAMPING: " + out);
    }

    @Test
    void shouldUseTimestampingWithoutTheTestDouble() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of(Libc.NATIVE_ACCESS_FLAG), IoProbe.class, "stamping-on");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("mode TIMESTAMPING\n") && r.stdout().contains("tx_reports 1\n"), r::toString);
        assertTrue(r.stdout().contains("rx_in_window true\n"), r::toString);
    }
}
