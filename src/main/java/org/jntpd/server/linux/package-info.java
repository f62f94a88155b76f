/**
 * The UDP-socket transport of the server: {@link org.jntpd.server.linux.Server} binds the configured addresses (one
 * socket per address and worker, SO_REUSEPORT) and runs one {@link org.jntpd.server.linux.ServerWorker} per
 * configured CPU, a pinned duty cycle of recvmmsg, {@link org.jntpd.server.Responder}, one clock read for T3,
 * sendmmsg, and kernel TX timestamps for interleaved mode.
 *
 * <p>May use: {@code time}, {@code config}, {@code platform}, {@code io}, {@code server}. Must not: decide what to
 * answer (the responder does), or allocate, lock or log on the packet path: errors are counted and the loop goes on.
 */
package org.jntpd.server.linux;
