/**
 * {@code jntpc perf}: an open-loop load generator for any NTP server ({@link org.jntpd.perf.LoadGenerator}: requests
 * at scheduled times over connected timestamping sockets, replies matched by a nonce), rate ramps, response-time and
 * delay histograms ({@link org.jntpd.perf.LogLinearHistogram}) and the kernel's drop counts.
 *
 * <p>May use: {@code time}, {@code wire}, {@code platform}, {@code io}. Must not: use the daemon's own serving or
 * sync code (it measures servers from outside, jntpd or any other), or allocate on its send and receive loop.
 */
package org.jntpd.perf;
