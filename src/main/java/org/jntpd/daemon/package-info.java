/**
 * The daemon: {@link org.jntpd.daemon.Daemon} wires the packages together, brings them up in dependency order
 * (clock, synchroniser, leap file, RTC, server sockets, client loop, reference clocks, metrics port), drops
 * privileges, starts the threads and takes them down in reverse ({@code Teardown}), with one class per concern beside
 * it ({@code DaemonClock}, {@code SyncSetup}, {@code ServedState}, {@code NtpServing}, {@code LeapFileLoader},
 * {@code OneShot}, {@code SystemdNotify}); the synchronisation loop ({@link org.jntpd.daemon.SyncLoop}), which reads
 * the clock once per pass and dispatches to its modules ({@code ClientSockets}, {@code NtpSources}, {@code NtpClient},
 * {@code RefclockSources}, {@code StatePublisher} with its {@code StatusSnapshot} and {@code MetricsSnapshot},
 * {@code DriftSaver}); the command line ({@link org.jntpd.daemon.Options}); the drift and statistics files, DNS on its
 * own thread, privileges and signals.
 *
 * <p>May use: every package but {@code cli}. Must not: hold logic a lower package could own (serving, selection,
 * RTC and refclock policy live below and are only called from here).
 */
package org.jntpd.daemon;
