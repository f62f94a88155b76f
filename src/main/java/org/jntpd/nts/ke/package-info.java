/**
 * NTS-KE over TLS 1.3 with the JDK's {@code javax.net.ssl} ({@link org.jntpd.nts.ke.NtsKeServer},
 * {@link org.jntpd.nts.ke.NtsKeClient}), PEM certificates and keys ({@link org.jntpd.nts.ke.Tls}), and the server key
 * file on disk ({@link org.jntpd.nts.ke.ServerKeyStore}). The I/O half of {@code org.jntpd.nts}: sockets, threads
 * (one acceptor, one watchdog, a virtual thread per connection) and files.
 *
 * <p>May use: {@code auth}, {@code nts}, and the JDK's sockets, {@code javax.net.ssl}, threads and files. Must not:
 * block without a deadline, let one connection's failure reach another or the server, or hold more connections than
 * its bounds; every refusal has a counter and a log line.
 *
 * <p>Daemon wiring (later): {@code ntsserverkey}/{@code ntsservercert} (chrony) or {@code nts key}/{@code nts cert}
 * (NTPsec) give {@code Tls.serverContext}; pass a supplier that returns a new context after the files change (or
 * SIGHUP), and connections in progress keep theirs. {@code ntsport} is the KE port, the NTP port goes into the Port
 * record. One rotating writer calls {@code ServerKeyStore.rotate} periodically (say every 10 minutes); every server,
 * the writer included, hands the resulting {@code ServerKeySet} to its workers.
 */
package org.jntpd.nts.ke;
