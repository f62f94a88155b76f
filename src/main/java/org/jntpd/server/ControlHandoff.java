package org.jntpd.server;

import java.lang.foreign.MemorySegment;

/**
 * Where a serving thread hands a mode 6 (ntpq) request that {@link Responder#respond} classified
 * {@link Responder#CONTROL}: the request is copied and answered on another thread, so the serving thread neither
 * allocates nor blocks for it. A transport that has no socket of its own per request (the AF_XDP raw path) names the
 * client and the address the request was sent to, so that the reply leaves from that address.
 */
public interface ControlHandoff {
    /**
     * Copies the request of {@code length} bytes at {@code offset} of {@code from}, from client (hi, lo):port
     * ({@link ClientAddress} form), sent to local address (localHi, localLo) (the same form) on interface
     * {@code ifIndex}. Never blocks or allocates.
     *
     * @return false when the request is dropped (counted by the implementation: nobody answering, queue full, too long)
     */
    boolean offer(MemorySegment from, long offset, int length, long clientHi, long clientLo, int clientPort,
            long localHi, long localLo, int ifIndex);
}
