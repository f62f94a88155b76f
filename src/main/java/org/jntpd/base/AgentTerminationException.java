package org.jntpd.base;

/**
 * Thrown by an {@link Agent} whose work is done (the RTC service after {@code -s} when there is no rtcfile to keep, a
 * device it is told to do without): the {@link LoopRunner} stops the loop as if asked to, without an error.
 */
public final class AgentTerminationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param why for the log (INFO): why the loop has nothing more to do */
    public AgentTerminationException(String why) {
        super(why, null, false, false);
    }
}
