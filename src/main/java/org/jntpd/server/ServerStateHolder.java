package org.jntpd.server;

/**
 * The meeting point of the synchronisation side (one writer) and the serving workers (readers): a volatile reference
 * to an immutable {@link ServerState}. Publishing is a volatile write; reading is a volatile read; no locks.
 */
public final class ServerStateHolder implements ServerStateSource {
    private volatile ServerState state;

    public ServerStateHolder(ServerState initial) {
        this.state = initial;
    }

    @Override
    public ServerState current() {
        return state;
    }

    public void publish(ServerState next) {
        state = next;
    }
}
