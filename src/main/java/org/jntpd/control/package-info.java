/**
 * The local control socket {@code jntpc} talks to ({@link org.jntpd.control.ControlServer}, chronyc's command
 * socket in small: one read-only command per connection, a text answer) and the snapshot it shows
 * ({@link org.jntpd.control.DaemonStatus}).
 *
 * <p>May use: {@code time}, {@code wire}, {@code base}. Must not: change the daemon, or reach into it: it reads
 * snapshots through the suppliers the daemon hands it, on its own thread, never the serving or sync threads.
 */
package org.jntpd.control;
