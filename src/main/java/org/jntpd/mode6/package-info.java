/**
 * Mode 6 (RFC 1305 appendix B, RFC 9327), read-only: what {@code ntpq} asks and ntpd answers. {@link
 * org.jntpd.mode6.ControlResponder} parses a request and writes the reply fragments into caller-owned buffers from a
 * {@link org.jntpd.mode6.ControlSnapshot} the daemon publishes (variables already formatted as ntpd formats them);
 * {@link org.jntpd.mode6.Values} is that formatting.
 *
 * <p>May use: {@code time}, {@code wire}. Must not: touch sockets, threads or the clock (the caller passes the time),
 * answer anything that writes or configures, show the MRU list without a nonce bound to the asker
 * ({@link org.jntpd.mode6.Nonces}), or send more than {@link org.jntpd.mode6.ControlResponder#MAX_FRAGMENTS} fragments
 * for one request.
 */
package org.jntpd.mode6;
