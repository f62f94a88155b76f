package org.jntpd.refclock.linux;

import org.jntpd.refclock.RefclockSample;

/**
 * Where a {@link RefclockRunner} hands its samples: once per poll with a measurement. Called on the runner's own thread;
 * the daemon queues the sample to its sync thread. Must not block for long (the runner's next device read waits).
 */
public interface RefclockSink {
    void sample(RefclockRunner clock, RefclockSample sample);
}
