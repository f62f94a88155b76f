package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct pollfd (poll.h): 8 bytes.
 *
 * <pre>{@code
 * struct pollfd {
 *     int   fd;       // file descriptor
 *     short events;   // requested events
 *     short revents;  // returned events
 * };
 * }</pre>
 */
public final class PollFd {
    /** The C layout; named "pollfd" as in the headers (struct pollfd). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents"))
            .withName("pollfd");

    public static final long FD_OFFSET = offset("fd");
    public static final long EVENTS_OFFSET = offset("events");
    public static final long REVENTS_OFFSET = offset("revents");

    private PollFd() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    private static long offset(String field) {
        return offsetIn(LAYOUT, field);
    }

    public static int fd(MemorySegment s) {
        return s.get(JAVA_INT, FD_OFFSET);
    }

    public static void fd(MemorySegment s, int v) {
        s.set(JAVA_INT, FD_OFFSET, v);
    }

    public static short events(MemorySegment s) {
        return s.get(JAVA_SHORT, EVENTS_OFFSET);
    }

    public static void events(MemorySegment s, short v) {
        s.set(JAVA_SHORT, EVENTS_OFFSET, v);
    }

    public static short revents(MemorySegment s) {
        return s.get(JAVA_SHORT, REVENTS_OFFSET);
    }

    public static void revents(MemorySegment s, short v) {
        s.set(JAVA_SHORT, REVENTS_OFFSET, v);
    }

    /**
     * Waits up to {@code timeoutMs} for {@code fd} to become readable, using {@code pollfd} (one struct, reused).
     * Returns 1 when readable (or in error or hung up: the read that follows tells), 0 on timeout, -1 with errno set.
     */
    public static int waitReadable(MemorySegment pollfd, int fd, int timeoutMs) {
        fd(pollfd, fd);
        events(pollfd, (short) Net.POLLIN);
        revents(pollfd, (short) 0);
        return Libc.poll(pollfd, 1, timeoutMs);
    }
}
