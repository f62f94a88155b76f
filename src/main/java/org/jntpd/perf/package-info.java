/**
 * {@code jntpc perf}: an open-loop load generator for any NTP server ({@link org.jntpd.perf.LoadGenerator}: requests
 * at scheduled times over connected timestamping sockets, replies matched by a nonce), rate ramps, response-time and
 * delay histograms ({@link org.jntpd.perf.LogLinearHistogram}), the server's timestamp errors against the wire
 * ({@link org.jntpd.perf.SignedHistogram}; client and server on one machine share the clock) and the kernel's drop
 * counts; {@link org.jntpd.perf.RawLoad}: the raw sender ({@code --raw}), AF_XDP frames out and replies counted in
 * XDP, for rates a socket sender cannot offer from one core; NTS requests with keys and cookies from any NTS-KE server
 * ({@code nts.ke}'s client, {@code nts}'s client codec).
 *
 * <p>May use: {@code time}, {@code wire}, {@code platform}, {@code io}, {@code xdp} (AF_XDP sockets, BPF maps and
 * programs, the reply counter), {@code auth}, {@code nts}, {@code nts.ke}. Must not: use the daemon's own serving or
 * sync code (it measures servers from outside, jntpd or any other), or allocate on its send and receive loop.
 */
package org.jntpd.perf;
