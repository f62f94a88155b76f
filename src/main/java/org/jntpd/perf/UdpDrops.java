package org.jntpd.perf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Kernel drop counts of UDP sockets by local port, from /proc/net/udp and /proc/net/udp6 (the "drops" column: datagrams
 * the socket's receive queue had no room for). This network namespace only; read outside the packet loop (allocates).
 */
final class UdpDrops {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

    private UdpDrops() {
    }

    /** Sum of the drops of every socket bound to one of {@code ports}; -1 when the tables cannot be read. */
    static long sum(int... ports) {
        long total = 0;
        for (Path table : TABLES) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException e) {
                return -1;
            }
            for (int i = 1; i < lines.size(); i++) {
                total += dropsIfPort(lines.get(i), ports);
            }
        }
        return total;
    }

    /** One table line: "sl local_address(HEXADDR:HEXPORT) rem_address st ... drops" (drops is the last field). */
    static long dropsIfPort(String line, int... ports) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 13) {
            return 0;
        }
        int colon = f[1].lastIndexOf(':');
        if (colon < 0) {
            return 0;
        }
        int port = Integer.parseInt(f[1].substring(colon + 1), 16);
        for (int p : ports) {
            if (p == port) {
                return Long.parseLong(f[f.length - 1]);
            }
        }
        return 0;
    }
}
