/**
 * Reference clocks on Linux: the device adapters that implement what {@link org.jntpd.refclock} asks of the platform
 * ({@link org.jntpd.refclock.linux.LinuxPpsDevice}, {@link org.jntpd.refclock.linux.LinuxPhcDevice},
 * {@link org.jntpd.refclock.linux.ShmSegment}, {@link org.jntpd.refclock.linux.SockReceiver},
 * {@link org.jntpd.refclock.linux.SerialPort}; all through {@link org.jntpd.platform.Libc}), and the runners that
 * drive them.
 *
 * <h2>What the daemon calls</h2>
 * <pre>{@code
 * RefclockRunners clocks = RefclockRunners.create(config.refclocks(), systemPrecisionNs,
 *         clock::nowNs,                 // the disciplined CLOCK_REALTIME, thread-safe
 *         publishedSystemReference,     // root distance and leap, thread-safe
 *         (runner, sample) -> syncQueue.offer(...));   // on the runner's thread
 * clocks.start();
 * clocks.onClockStep(stepNs);           // from the sync thread, right after a step (posted)
 * clocks.dropSamples();                 // after an unknown jump (posted)
 * runner.counters();                    // any thread
 * clocks.close();
 * }</pre>
 * One platform thread per clock ({@code refclock-REFID}), never a serving thread. Clocks joined by {@code lock} share
 * one monitor around every {@link org.jntpd.refclock.Refclock} call; waits on devices never hold it.
 *
 * <p>May use: {@code time}, {@code config}, {@code platform}, {@code base}, {@code refclock}. Must not: judge samples
 * (the drivers in {@code refclock} do) or touch the system clock: samples go to the daemon's queue.
 */
package org.jntpd.refclock.linux;
