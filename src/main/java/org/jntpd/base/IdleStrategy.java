package org.jntpd.base;

import java.util.concurrent.locks.LockSupport;

/** What a {@link LoopRunner} does after a pass that found nothing to do (Agrona's {@code IdleStrategy}). */
@FunctionalInterface
public interface IdleStrategy {
    /** Called after every pass with its work count; idles when it is 0. */
    void idle(int workCount);

    /** Spins ({@link Thread#onSpinWait()}): lowest latency, one whole CPU (a pinned busy-polling worker). */
    static IdleStrategy busySpin() {
        return work -> {
            if (work == 0) {
                Thread.onSpinWait();
            }
        };
    }

    /** Nothing: the agent waits in the kernel itself, with a timeout (epoll, accept, a device read). */
    static IdleStrategy waitsInAgent() {
        return work -> {};
    }

    /** Parks the thread {@code parkNs} after an idle pass. */
    static IdleStrategy park(long parkNs) {
        if (parkNs <= 0) {
            throw new IllegalArgumentException("parkNs: expected > 0, got " + parkNs);
        }
        return work -> {
            if (work == 0) {
                LockSupport.parkNanos(parkNs);
            }
        };
    }
}
