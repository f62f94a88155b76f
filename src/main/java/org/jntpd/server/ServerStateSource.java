package org.jntpd.server;

/**
 * Where a serving worker reads the current {@link ServerState}, once per batch: a volatile read, no allocation, no
 * lock ({@link ServerStateHolder} is the daemon's). Any transport's workers read it the same way.
 */
@FunctionalInterface
public interface ServerStateSource {
    ServerState current();
}
