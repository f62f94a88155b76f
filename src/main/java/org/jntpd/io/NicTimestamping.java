package org.jntpd.io;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.jntpd.platform.HwtstampConfig;
import org.jntpd.platform.Ifreq;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;

/**
 * A network interface's hardware timestamping (SIOCGHWTSTAMP / SIOCSHWTSTAMP). The NIC stamps packets only after
 * {@link #enable}; then sockets opened with {@code hardwareTimestamps} get raw hardware stamps. Setup code.
 */
public final class NicTimestamping {
    /** hwtstamp_config: HWTSTAMP_TX_* and HWTSTAMP_FILTER_* values. */
    public record Config(int txType, int rxFilter) {
    }

    private NicTimestamping() {
    }

    /** The interface's current setup; NativeException with EOPNOTSUPP (or EINVAL) when it has no hardware stamps. */
    public static Config read(String ifName) {
        return ioctl(ifName, Net.SIOCGHWTSTAMP, 0, 0, "ioctl(SIOCGHWTSTAMP) " + ifName);
    }

    /**
     * Switches the interface's timestamping (needs CAP_NET_ADMIN; affects every user of the NIC). Returns what the
     * driver granted: it may widen the filter (e.g. HWTSTAMP_FILTER_ALL for NTP_ALL).
     */
    public static Config enable(String ifName, int txType, int rxFilter) {
        return ioctl(ifName, Net.SIOCSHWTSTAMP, txType, rxFilter, "ioctl(SIOCSHWTSTAMP) " + ifName);
    }

    private static Config ioctl(String ifName, int request, int txType, int rxFilter, String what) {
        byte[] name = ifName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= Net.IFNAMSIZ) {
            throw new IllegalArgumentException("interface name: expected 1.." + (Net.IFNAMSIZ - 1)
                    + " characters, got '" + ifName + "'");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = arena.allocate(HwtstampConfig.LAYOUT);
            HwtstampConfig.tx_type(config, txType);
            HwtstampConfig.rx_filter(config, rxFilter);
            MemorySegment ifr = arena.allocate(Ifreq.LAYOUT);
            MemorySegment.copy(name, 0, ifr, JAVA_BYTE, Ifreq.IFR_NAME_OFFSET, name.length);
            Ifreq.ifr_data(ifr, config);
            int fd = Libc.check(Libc.socket(Net.AF_INET, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, 0), "socket");
            try {
                Libc.check(Libc.ioctl(fd, request, ifr), what);
            } finally {
                Libc.close(fd);
            }
            return new Config(HwtstampConfig.tx_type(config), HwtstampConfig.rx_filter(config));
        }
    }
}
