package org.jntpd.io;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jntpd.platform.EpollEvent;
import org.jntpd.platform.JitDirectives;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;

/**
 * Waits on many file descriptors at once (epoll, level-triggered). Each registered descriptor carries a caller's
 * {@code long} token, handed back with its events, so a wake-up maps to a socket without a lookup. Registration is
 * setup code (throws); {@link #await(int)} and the accessors never allocate or throw.
 */
public final class Poller implements AutoCloseable {
    static {
        // Before the packet path warms up: keeps errno-capturing calls allocation-free (see JitDirectives).
        JitDirectives.ensureInstalled();
    }

    private final int epfd;
    private final int maxEvents;
    private final Arena arena;
    private final MemorySegment events;
    private final MemorySegment control;
    private boolean closed;

    /** A poller reporting up to {@code maxEvents} ready descriptors per {@link #await(int)}. */
    public Poller(int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents: expected at least 1, got " + maxEvents);
        }
        this.maxEvents = maxEvents;
        epfd = Libc.check(Libc.epollCreate1(Net.EPOLL_CLOEXEC), "epoll_create1");
        arena = Arena.ofShared();
        events = arena.allocate(EpollEvent.sizeof() * maxEvents, 8);
        control = arena.allocate(EpollEvent.LAYOUT);
    }

    /** Watches {@code fd} for {@code events} (EPOLLIN, EPOLLERR is always on); {@code token} comes back with them. */
    public void add(int fd, int events, long token) {
        ctl(Net.EPOLL_CTL_ADD, fd, events, token, "epoll_ctl(ADD)");
    }

    public void modify(int fd, int events, long token) {
        ctl(Net.EPOLL_CTL_MOD, fd, events, token, "epoll_ctl(MOD)");
    }

    public void remove(int fd) {
        ctl(Net.EPOLL_CTL_DEL, fd, 0, 0, "epoll_ctl(DEL)");
    }

    private void ctl(int op, int fd, int eventMask, long token, String what) {
        EpollEvent.events(control, eventMask);
        EpollEvent.data(control, token);
        Libc.check(Libc.epollCtl(epfd, op, fd, control), what);
    }

    /**
     * Waits up to {@code timeoutMs} (-1: no limit, 0: just look). Returns how many descriptors are ready (read them
     * with {@link #token(int)} and {@link #events(int)}), 0 on timeout, or -errno (-EINTR on a signal).
     */
    public int await(int timeoutMs) {
        int n = Libc.epollWait(epfd, events, maxEvents, timeoutMs);
        return n < 0 ? -Libc.errno() : n;
    }

    /** The token of the i-th ready descriptor of the last {@link #await(int)}. */
    public long token(int i) {
        return events.get(JAVA_LONG_UNALIGNED, EpollEvent.sizeof() * i + EpollEvent.DATA_OFFSET);
    }

    /** The events (EPOLLIN, EPOLLERR, ...) of the i-th ready descriptor. */
    public int events(int i) {
        return events.get(JAVA_INT, EpollEvent.sizeof() * i + EpollEvent.EVENTS_OFFSET);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(epfd);
            arena.close();
        }
    }
}
