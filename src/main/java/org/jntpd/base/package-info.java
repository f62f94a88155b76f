/**
 * What every layer may need and none owns: the daemon's log ({@link org.jntpd.base.Log}, one line per event on
 * stderr, the journal or the {@code logfile}), a log for repeating problems ({@link org.jntpd.base.RateLimitedLog}),
 * crash-safe state files ({@link org.jntpd.base.AtomicFile}: temporary file, fsync, rename, fsync the folder), and
 * bounded reads of the files the daemon is given by name ({@link org.jntpd.base.TextFile}: regular files only, so a
 * FIFO cannot hang the start nor /dev/zero fill the heap).
 *
 * <p>May use: the JDK only. Must not: be called on a packet path (logging allocates and locks), or grow into a
 * grab bag: a class belongs here only when packages on several layers need it and none of them owns it.
 */
package org.jntpd.base;
