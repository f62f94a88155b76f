/**
 * The serving logic, free of any transport: {@link org.jntpd.server.ServerCore} builds what all workers share from
 * the configuration (the {@code restrict} list, {@link org.jntpd.server.AccessControl}; the interleaved-mode table,
 * {@link org.jntpd.server.InterleavedTable}) and gives each worker a {@link org.jntpd.server.Responder} with its own
 * {@link org.jntpd.server.RateLimiter}. A responder answers a request segment from a client given as two longs
 * ({@link org.jntpd.server.ClientAddress}) into a segment the caller owns, counts every outcome
 * ({@link org.jntpd.server.ServerCounters}) and serves the published {@link org.jntpd.server.ServerState}.
 *
 * <p>Authentication: a responder answers keyed requests (RFC 5905 section 7.3, RFC 8573) with the client's key through
 * {@code auth}'s MAC engine and NTS requests (RFC 8915) through {@code nts}'s server codec, each per worker from the
 * {@link org.jntpd.server.ServerAuth} the daemon builds; refusals are counted by {@link org.jntpd.server.AuthFailure}.
 *
 * <p>May use: {@code time}, {@code wire}, {@code config}, {@code auth}, {@code nts}. Must not: touch sockets, threads or clocks (the transport
 * passes the RX time and writes T3), allocate, lock or log per packet. Transports: {@code server.linux} (UDP
 * sockets); any other calls the same methods.
 */
package org.jntpd.server;
