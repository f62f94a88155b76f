/**
 * The local control socket {@code jntpc} talks to ({@link org.jntpd.control.ControlServer}, chronyc's command socket:
 * one request per connection, one JSON reply, docs/CONTROL.md), its commands ({@link org.jntpd.control.ControlCommands},
 * a table), the snapshot they read ({@link org.jntpd.control.DaemonStatus}) and the protocol's JSON
 * ({@link org.jntpd.control.Json}).
 *
 * The modifying commands (online, offline, burst, makestep, reload) are checked against the client's credentials
 * ({@code PeerCredentials}: root, the socket's owner and group) and carried out by the daemon through
 * {@link org.jntpd.control.ControlCommands.Actions}.
 *
 * <p>May use: {@code time}, {@code wire}, {@code base}. Must not: reach into the daemon: it reads snapshots through the
 * suppliers the daemon hands it, on its own thread, never the serving or sync threads.
 */
package org.jntpd.control;
