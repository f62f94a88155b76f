package org.jntpd.perf;

/**
 * What one rate step of a {@link LoadGenerator} run saw: counts of requests and replies, and histograms of the
 * server's response time (T3 - T2), the network delay (T4 - T1 - (T3 - T2)) and the round trip (T4 - T1), all in
 * nanoseconds. Replies are counted in the step their request was sent in, whenever they arrive (within the timeout).
 * Written by the generator thread only; read once the step is final.
 */
public final class StepStats {
    /** 1-based step number; 0 for the warm-up. */
    public final int number;
    /** Offered rate asked for, requests/s. */
    public final long targetRate;
    public final LogLinearHistogram serverNs = new LogLinearHistogram();
    public final LogLinearHistogram delayNs = new LogLinearHistogram();
    public final LogLinearHistogram roundTripNs = new LogLinearHistogram();
    /**
     * The server's receive stamp against the request's departure: T2 - T1. Client and server read one clock here
     * (loopback, or namespaces of one machine), and on loopback and veth the client's kernel TX stamp is taken in
     * the same call that hands the packet to the server's device: this is how late (positive) the server stamped its
     * receipt. With --user-tx-stamps T1 is a clock reading before sendmmsg and this includes the send call.
     */
    public final SignedHistogram rxStampErrorNs = new SignedHistogram();
    /**
     * The server's transmit stamp against the reply's arrival: T3 - T4, T4 being the client's kernel RX stamp,
     * taken (loopback, veth without NAPI on the client's end) in the server's transmit call as its packet crosses to
     * the client: the error of T3 against the wire, negative when the server stamped before sending (basic mode
     * reads the clock before sendmsg). In interleaved mode T3 is the precise stamp of an earlier reply, compared
     * with that reply's arrival.
     */
    public final SignedHistogram txStampErrorNs = new SignedHistogram();

    /** Requests handed to the kernel. */
    long sent;
    /** Requests sendmmsg did not take (send buffer full, error): never left, not counted in {@link #sent}. */
    long sendFailures;
    /** Requests scheduled in the step that the generator did not get out before the step ended (it lagged). */
    long behind;
    /** Replies matched to a request of this step within the timeout (not counting kiss-o'-death). */
    long replies;
    /** Replies in interleaved mode among {@link #replies}. */
    long interleavedReplies;
    /** Kiss-o'-death replies (stratum 0) to requests of this step. */
    long kissOfDeath;
    /** Replies that came after the timeout. */
    long late;
    /** Requests whose T1 is a clock reading before the send, for want of a kernel TX stamp. */
    long userT1;
    /** Replies whose T4 is a clock reading after the receive, for want of a kernel RX stamp. */
    long userT4;
    /** Monotonic time of the step's start and of its end (the last scheduled send). */
    long startNs;
    long endNs;
    /** Bytes the generator thread allocated during the step, not counting its own reporting. */
    long allocatedBytes = -1;
    /** The step was cut short by the request limit or ended the run after too much loss. */
    boolean truncated;

    StepStats(int number, long targetRate) {
        this.number = number;
        this.targetRate = targetRate;
    }

    public long sent() {
        return sent;
    }

    public long sendFailures() {
        return sendFailures;
    }

    public long behind() {
        return behind;
    }

    public long replies() {
        return replies;
    }

    public long interleavedReplies() {
        return interleavedReplies;
    }

    public long kissOfDeath() {
        return kissOfDeath;
    }

    public long late() {
        return late;
    }

    public long userT1() {
        return userT1;
    }

    public long userT4() {
        return userT4;
    }

    public long allocatedBytes() {
        return allocatedBytes;
    }

    public boolean truncated() {
        return truncated;
    }

    /** Seconds the step sent for. */
    public double durationS() {
        return Math.max(1, endNs - startNs) / 1e9;
    }

    /** Requests sent per second. */
    public double offeredRate() {
        return sent / durationS();
    }

    /** Replies (to this step's requests) per second of the step. */
    public double replyRate() {
        return replies / durationS();
    }

    /** Percentage of the requests sent that got no timely reply (kiss-o'-death replies count as lost). */
    public double lossPercent() {
        return sent == 0 ? 0 : 100.0 * (sent - replies) / sent;
    }
}
