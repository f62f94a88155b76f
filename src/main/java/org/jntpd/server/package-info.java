/**
 * The serving logic, free of any transport: {@link org.jntpd.server.ServerCore} builds what all workers share from
 * the configuration (the {@code restrict} list, {@link org.jntpd.server.AccessControl}; the interleaved-mode table,
 * {@link org.jntpd.server.InterleavedTable}) and gives each worker a {@link org.jntpd.server.Responder} with its own
 * {@link org.jntpd.server.RateLimiter}. A responder answers a request segment from a client given as two longs
 * ({@link org.jntpd.server.ClientAddress}) into a segment the caller owns, counts every outcome
 * ({@link org.jntpd.server.ServerCounters}) and serves the published {@link org.jntpd.server.ServerState}.
 *
 * <p>May use: {@code time}, {@code wire}, {@code config}. Must not: touch sockets, threads or clocks (the transport
 * passes the RX time and writes T3), allocate, lock or log per packet. Transports: {@code server.linux} (UDP
 * sockets); any other calls the same methods.
 */
package org.jntpd.server;
