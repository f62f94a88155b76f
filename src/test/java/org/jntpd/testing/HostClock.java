package org.jntpd.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Timex;

/**
 * The host's clock discipline state, read in the test JVM with {@code clock_adjtime(CLOCK_REALTIME)} and modes 0
 * (read only), to show that a test left it exactly as it found it.
 */
public record HostClock(int status, long freq, long offset, long tick, long constant, int tai) {
    /** Reads the state now; refuses when a libc test double stands in for libc in this JVM (it would not be the host's). */
    public static HostClock read() {
        if (Libc.shimPath() != null) {
            throw new IllegalStateException("this JVM runs on the test double " + Libc.shimPath()
                    + ": it cannot read the host's clock state");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tx = arena.allocate(Timex.LAYOUT);
            Timex.modes(tx, 0);
            Libc.check(Libc.clockAdjtime(Clocks.CLOCK_REALTIME, tx), "clock_adjtime");
            return new HostClock(Timex.status(tx), Timex.freq(tx), Timex.offset(tx), Timex.tick(tx), Timex.constant(tx),
                    Timex.tai(tx));
        }
    }
}
