package org.jntpd.io;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jntpd.platform.Net;

/**
 * Makes sure the kernel stamps received packets before a test counts on it. The first socket of the whole system
 * that asks for software RX stamps switches stamping on through deferred work (net_enable_timestamp schedules a
 * static-key flip), so the packets of its first moments, and of every socket opened after the last timestamping
 * socket closed, can arrive without a stamp (rxSoftwareNs 0). This keeps one timestamping socket open for the life
 * of the JVM and waits (at most 5 s) until a probe packet comes back stamped.
 */
public final class KernelStamping {
    private static UdpSocket keeper;

    private KernelStamping() {
    }

    public static synchronized void ensureEnabled() {
        if (keeper != null) {
            return;
        }
        keeper = UdpSocket.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), UdpSocket.Options.DEFAULT);
        try (PacketBatch probe = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES)) {
            probe.address(0, keeper.localAddress());
            probe.length(0, 1);
            long deadlineNs = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() - deadlineNs < 0) {
                keeper.sendOne(probe, 0);
                keeper.poll(Net.POLLIN, 100);
                if (keeper.receiveOne(probe, 0) >= 0 && probe.rxSoftwareNs(0) != 0) {
                    drainErrorQueue(probe);
                    return;
                }
                Thread.onSpinWait();
            }
            throw new IllegalStateException("the kernel did not stamp a received packet within 5 s");
        }
    }

    private static void drainErrorQueue(PacketBatch scratch) {
        while (keeper.receiveTxTimestamps(scratch) > 0) {
            Thread.onSpinWait();
        }
    }
}
