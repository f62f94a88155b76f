/**
 * The NTP wire format as flyweights over a {@code MemorySegment} (heap or native), every access big-endian, nothing
 * allocated per packet: the 48-byte header ({@link org.jntpd.wire.NtpPacket}, also the owner of the protocol's
 * values: modes, leap indicator, strata, kiss codes and refids), extension fields (RFC 7822), the legacy MAC, mode 6
 * control messages, and the validator that classifies received bytes by the first rule they break
 * ({@link org.jntpd.wire.Malformation}).
 *
 * <p>May use: {@code time}. Must not: make FFM calls ({@code MemorySegment} is only a byte container here), keep
 * state between packets, or throw on received bytes (classify first, then wrap).
 */
package org.jntpd.wire;
