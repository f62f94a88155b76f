package org.jntpd.server.linux;

import org.jntpd.io.PacketBatch;
import org.jntpd.platform.Net;

/**
 * For tests of another package that feeds mode 6 queues (the raw path): a {@link ControlQueue} that takes requests
 * but that nobody drains, and a look at what it holds.
 */
public final class ControlQueueProbe {
    private ControlQueueProbe() {
    }

    /** A queue whose consumer is the calling thread (which is only ever unparked): it fills and then drops. */
    public static ControlQueue undrained() {
        ControlQueue q = new ControlQueue();
        q.consumer(Thread.currentThread());
        return q;
    }

    /**
     * Takes every waiting request (consumer side): {taken, of them IPv4 requests of {@code length} bytes to
     * {@code localIpv4} to be answered by the socket serving that address}.
     */
    public static long[] take(ControlQueue q, int localIpv4, int length) {
        long taken = 0;
        long matching = 0;
        int slot;
        while ((slot = q.peek()) >= 0) {
            PacketBatch s = q.slots();
            taken++;
            if (s.localFamily(slot) == Net.AF_INET && s.localIpv4(slot) == localIpv4 && s.length(slot) == length
                    && q.socketIndex(slot) == ControlQueue.BY_LOCAL_ADDRESS) {
                matching++;
            }
            q.release();
        }
        return new long[] {taken, matching};
    }
}
