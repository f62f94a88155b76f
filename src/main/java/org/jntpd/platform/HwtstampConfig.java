package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct hwtstamp_config (linux/net_tstamp.h): the NIC timestamping setup behind SIOCGHWTSTAMP / SIOCSHWTSTAMP.
 *
 * <pre>{@code
 * struct hwtstamp_config {
 *     int flags;      // no flags defined right now, must be zero for SIOCSHWTSTAMP
 *     int tx_type;    // HWTSTAMP_TX_*
 *     int rx_filter;  // HWTSTAMP_FILTER_*
 * };
 * }</pre>
 */
public final class HwtstampConfig {
    /** The C layout; named "hwtstamp_config" as in the headers (struct hwtstamp_config). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("tx_type"),
            JAVA_INT.withName("rx_filter"))
            .withName("hwtstamp_config");

    public static final long FLAGS_OFFSET = offset("flags");
    public static final long TX_TYPE_OFFSET = offset("tx_type");
    public static final long RX_FILTER_OFFSET = offset("rx_filter");

    private HwtstampConfig() {
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

    public static int flags(MemorySegment s) {
        return s.get(JAVA_INT, FLAGS_OFFSET);
    }

    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, FLAGS_OFFSET, v);
    }

    public static int tx_type(MemorySegment s) {
        return s.get(JAVA_INT, TX_TYPE_OFFSET);
    }

    public static void tx_type(MemorySegment s, int v) {
        s.set(JAVA_INT, TX_TYPE_OFFSET, v);
    }

    public static int rx_filter(MemorySegment s) {
        return s.get(JAVA_INT, RX_FILTER_OFFSET);
    }

    public static void rx_filter(MemorySegment s, int v) {
        s.set(JAVA_INT, RX_FILTER_OFFSET, v);
    }
}
