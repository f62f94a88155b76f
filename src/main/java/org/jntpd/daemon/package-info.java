/**
 * The daemon: {@link org.jntpd.daemon.Daemon} wires the packages together, brings them up in dependency order
 * (clock, synchroniser, server sockets, client sockets), drops privileges, starts the threads and takes them down in
 * reverse; the synchronisation loop ({@link org.jntpd.daemon.SyncLoop}); the command line
 * ({@link org.jntpd.daemon.Options}); the drift and statistics files, DNS on its own thread, privileges and signals.
 *
 * <p>May use: every package but {@code cli}. Must not: hold logic a lower package could own (serving, selection,
 * RTC and refclock policy live below and are only called from here).
 */
package org.jntpd.daemon;
