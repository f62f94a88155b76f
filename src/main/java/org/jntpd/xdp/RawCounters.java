package org.jntpd.xdp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One raw-path worker's frame-level counters (the NTP-level ones are the server's): written by the worker alone
 * with opaque stores, read by anyone.
 */
public final class RawCounters {
    /**
     * What is counted. The DROPPED_ ones follow {@link FrameCodec}'s parse outcomes in order. NOT_LOCAL: a well-formed
     * frame to an address the raw path does not serve ({@link ServedAddresses}), which the XDP program should have
     * handed to the kernel: dropped unanswered.
     */
    public enum Counter {
        FRAMES_RECEIVED, DROPPED_TRUNCATED, DROPPED_BAD_IP_HEADER, DROPPED_BAD_IP_CHECKSUM, DROPPED_BAD_UDP_LENGTH,
        DROPPED_BAD_UDP_CHECKSUM, DROPPED_NOT_UDP, FRAMES_SENT, NO_RX_STAMP, TX_RING_FULL, TX_KICK_ERRORS, BATCHES,
        NOT_LOCAL
    }

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int PAD = 8;
    private final long[] values = new long[Counter.values().length + 2 * PAD];

    public void add(Counter c, long n) {
        int i = PAD + c.ordinal();
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + n);
    }

    public void increment(Counter c) {
        add(c, 1);
    }

    /** Counts a frame {@link FrameCodec#parse} refused with {@code reason} (1..6). */
    public void dropped(int reason) {
        int i = PAD + Counter.DROPPED_TRUNCATED.ordinal() + reason - FrameCodec.TRUNCATED;
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + 1);
    }

    public long get(Counter c) {
        return (long) LONGS.getOpaque(values, PAD + c.ordinal());
    }

    /** Frames dropped as malformed, all reasons. */
    public long malformed() {
        long n = 0;
        for (int c = Counter.DROPPED_TRUNCATED.ordinal(); c <= Counter.DROPPED_NOT_UDP.ordinal(); c++) {
            n += (long) LONGS.getOpaque(values, PAD + c);
        }
        return n;
    }
}
