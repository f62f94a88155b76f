package org.jntpd.rtc.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Timespec;
import org.jntpd.rtc.RtcSetter;

/**
 * {@link RtcSetter.Sleeper} on the kernel: {@code clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME)}, which wakes at the
 * instant even when the clock is stepped or slewed meanwhile. A signal's EINTR resumes the sleep. The timespec lives in
 * a confined arena: one sleeper per thread. Note that the virtual-clock test double does not virtualise this sleep.
 */
public final class RealtimeSleeper implements RtcSetter.Sleeper, AutoCloseable {
    /** Resumptions after EINTR before giving up: a bound, not a limit any real signal rate reaches. */
    private static final int MAX_RESUMES = 1000;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment until = arena.allocate(Timespec.LAYOUT);

    @Override
    public void sleepUntilNs(long realtimeNs) {
        Timespec.fromNanos(until, realtimeNs);
        for (int i = 0; i < MAX_RESUMES; i++) {
            int err = Libc.clockNanosleep(Clocks.CLOCK_REALTIME, Clocks.TIMER_ABSTIME, until, MemorySegment.NULL);
            if (err == 0) {
                return;
            }
            if (err != Errno.EINTR) {
                throw new NativeException("clock_nanosleep", "until " + realtimeNs + " ns", err);
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
