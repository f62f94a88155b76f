package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct pps_bind_args (linux/pps.h), the argument of PPS_KC_BIND: 12 bytes.
 *
 * <pre>{@code
 * struct pps_bind_args {
 *     int tsformat;  // format of time stamps (PPS_TSFMT_TSPEC)
 *     int edge;      // selected event type
 *     int consumer;  // selected kernel consumer (PPS_KC_HARDPPS)
 * };
 * }</pre>
 */
public final class PpsBindArgs {
    /** The C layout; named "pps_bind_args" as in the headers (struct pps_bind_args). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("tsformat"),
            JAVA_INT.withName("edge"),
            JAVA_INT.withName("consumer"))
            .withName("pps_bind_args");

    public static final long TSFORMAT_OFFSET = offset("tsformat");
    public static final long EDGE_OFFSET = offset("edge");
    public static final long CONSUMER_OFFSET = offset("consumer");

    private PpsBindArgs() {
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

    public static int tsformat(MemorySegment s) {
        return s.get(JAVA_INT, TSFORMAT_OFFSET);
    }

    public static void tsformat(MemorySegment s, int v) {
        s.set(JAVA_INT, TSFORMAT_OFFSET, v);
    }

    public static int edge(MemorySegment s) {
        return s.get(JAVA_INT, EDGE_OFFSET);
    }

    public static void edge(MemorySegment s, int v) {
        s.set(JAVA_INT, EDGE_OFFSET, v);
    }

    public static int consumer(MemorySegment s) {
        return s.get(JAVA_INT, CONSUMER_OFFSET);
    }

    public static void consumer(MemorySegment s, int v) {
        s.set(JAVA_INT, CONSUMER_OFFSET, v);
    }
}
