package org.jntpd.base;

/**
 * One thread loop's work, run by a {@link LoopRunner} (Agrona's {@code Agent}): {@link #doWork()} is one pass of the
 * duty cycle and returns how much it did. An agent that waits in the kernel itself (epoll, accept, a device) waits
 * with a bounded timeout inside {@link #doWork()}, so that the runner notices a stop request within it.
 */
public interface Agent {
    /** The loop's name in the log and its thread's name ("jntpd-server-0"). */
    String roleName();

    /**
     * On the loop's thread before the first pass (pinning, opening what the thread owns). An exception here ends the
     * loop as dead (see {@link LoopRunner}).
     */
    default void onStart() throws Exception {}

    /** One pass; returns the work done (packets, samples: 0 = idle, the runner's {@link IdleStrategy} then runs). */
    int doWork() throws Exception;

    /**
     * A pass threw {@code cause} (called on the loop's thread, before the back-off): what was published from this
     * loop must stop claiming what the loop can no longer vouch for (the synchronisation loop publishes
     * "unsynchronised" here). Must not throw.
     */
    default void onError(Throwable cause) {}

    /**
     * After failures, the passes have succeeded for the policy's recovery time (on the loop's thread): what
     * {@link #onError} withdrew may be published again. Must not throw.
     */
    default void onRecovered() {}

    /** On the loop's thread after the last pass, whether it stopped or died: save, close what it owns. */
    default void onClose() {}
}
