/**
 * The local control socket {@code jntpc} talks to ({@link org.jntpd.control.ControlServer}, chronyc's command
 * socket in small: one command per connection, a text answer) and the snapshot it shows
 * ({@link org.jntpd.control.DaemonStatus}). The one modifying command, {@code reload}, is checked against the
 * client's credentials ({@code PeerCredentials}: the socket's owner and group) and carried out by
 * the daemon through the action it hands over.
 *
 * <p>May use: {@code time}, {@code wire}, {@code base}. Must not: change the daemon itself, or reach into it: it reads
 * snapshots through the suppliers the daemon hands it, on its own thread, never the serving or sync threads.
 */
package org.jntpd.control;
