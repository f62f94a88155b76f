package org.jntpd.perf;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * {@link FakeServer} as a process, for a network namespace: {@code FakeServerMain ADDRESS PORT SERVER_NS
 * TX_CLOCK_OFFSET_NS SECONDS} (Long.MIN_VALUE: T3 = T2 + SERVER_NS). Prints "READY" once bound and the counts at the end; ends after SECONDS or when
 * standard input has data or closes.
 */
public final class FakeServerMain {
    private FakeServerMain() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        long serverNs = Long.parseLong(args[2]);
        long txClockOffsetNs = Long.parseLong(args[3]);
        long endNs = System.nanoTime() + Long.parseLong(args[4]) * 1_000_000_000L;
        try (FakeServer server = new FakeServer(bind, serverNs, 0, 0, 0, 0, 0, txClockOffsetNs)) {
            System.out.println("READY");
            while (System.nanoTime() - endNs < 0 && System.in.available() == 0) {
                Thread.sleep(20);
            }
            System.out.println("received=" + server.received + " replied=" + server.replied);
        }
    }
}
