/**
 * Timestamped datagrams: {@link org.jntpd.io.UdpSocket} (IPv4/IPv6, SO_TIMESTAMPING software and hardware stamps,
 * packet info, the error queue's TX stamps) working on preallocated {@link org.jntpd.io.PacketBatch}es
 * (recvmmsg/sendmmsg), {@link org.jntpd.io.Poller} (epoll with a token per descriptor) and NIC hardware stamping
 * setup ({@link org.jntpd.io.NicTimestamping}).
 *
 * <p>May use: {@code time}, {@code platform}. Must not: read NTP fields (bytes and stamps only: the callers own the
 * format), log, or allocate or throw on the receive and send paths (they return counts and negative errnos).
 */
package org.jntpd.io;
