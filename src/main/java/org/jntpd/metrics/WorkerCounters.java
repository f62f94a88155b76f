package org.jntpd.metrics;

import org.jntpd.server.ServerCounters;

/**
 * One serving worker's counters as the exporter labels them.
 *
 * @param transport "udp" (the socket workers) or "xdp" (the raw path's queue workers)
 * @param worker    the worker's index within its transport
 */
public record WorkerCounters(String transport, int worker, ServerCounters counters) {}
