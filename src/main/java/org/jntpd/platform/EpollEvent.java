package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct epoll_event (sys/epoll.h): packed on x86_64, so data sits at offset 4, unaligned.
 *
 * <pre>{@code
 * struct epoll_event {
 *     uint32_t     events;  // epoll events
 *     epoll_data_t data;    // user data (a union; jntpd uses the u64 member)
 * } __EPOLL_PACKED;         // packed on x86_64: 12 bytes
 * }</pre>
 */
public final class EpollEvent {
    /** The C layout; named "epoll_event" as in the headers (struct epoll_event). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("events"),
            JAVA_LONG_UNALIGNED.withName("data"))
            .withName("epoll_event");

    public static final long EVENTS_OFFSET = offset("events");
    public static final long DATA_OFFSET = offset("data");

    private EpollEvent() {
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

    public static int events(MemorySegment s) {
        return s.get(JAVA_INT, EVENTS_OFFSET);
    }

    public static void events(MemorySegment s, int v) {
        s.set(JAVA_INT, EVENTS_OFFSET, v);
    }

    /** epoll_data_t as u64. */
    public static long data(MemorySegment s) {
        return s.get(JAVA_LONG_UNALIGNED, DATA_OFFSET);
    }

    public static void data(MemorySegment s, long v) {
        s.set(JAVA_LONG_UNALIGNED, DATA_OFFSET, v);
    }
}
