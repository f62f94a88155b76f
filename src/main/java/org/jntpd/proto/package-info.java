/**
 * NTP associations (RFC 5905) as pure state machines: {@link org.jntpd.proto.Association} fills the request to send
 * when polled, judges a reply (the packet tests, kiss codes, interleaved mode) and hands the sample to its
 * {@link org.jntpd.sync.Source}; the caller sends and receives.
 *
 * <p>May use: {@code time}, {@code wire}, {@code sync}. Must not: do I/O, read clocks (times come in), or keep
 * anything for the server: serving is stateless and lives in {@code server}.
 */
package org.jntpd.proto;
