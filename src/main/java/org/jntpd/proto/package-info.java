/**
 * NTP associations (RFC 5905) as pure state machines: {@link org.jntpd.proto.Association} writes the request to send
 * into the caller's {@link org.jntpd.wire.NtpPacket} when polled, judges a reply read in place through the same
 * flyweight (the packet tests, kiss codes, interleaved mode) and hands the sample to its
 * {@link org.jntpd.sync.Source}; the caller sends and receives. Client, symmetric active and passive, and broadcast
 * client (mode 5: the calibration exchanges, then T3 + delay / 2 - T4 per broadcast).
 *
 * <p>May use: {@code time}, {@code wire}, {@code sync}. Must not: do I/O, read clocks (times come in), or keep
 * anything for the server: serving is stateless and lives in {@code server}.
 */
package org.jntpd.proto;
