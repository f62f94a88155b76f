package org.jntpd.io;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;

/** Main class for a forked JVM (under a libc test double): sends one packet over loopback, prints what it saw. */
public final class IoProbe {
    private IoProbe() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("stamping-on")) {
            KernelStamping.ensureEnabled();
        }
        InetSocketAddress lo = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (UdpSocket tx = UdpSocket.open(lo, UdpSocket.Options.DEFAULT);
                UdpSocket rx = UdpSocket.open(lo, UdpSocket.Options.DEFAULT);
                PacketBatch out = new PacketBatch(1); PacketBatch in = new PacketBatch(1);
                PacketBatch reports = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES)) {
            System.out.println("mode " + rx.timestampMode());
            System.out.println("refused_errno " + rx.timestampingErrno());
            out.address(0, rx.localAddress());
            out.length(0, 48);
            out.requestTxTimestamp(0, true); // granted with SO_TIMESTAMPING, ignored without
            long before = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
            System.out.println("sent " + tx.sendOne(out, 0));
            System.out.println("poll " + rx.poll(Net.POLLIN, 2_000));
            System.out.println("received " + rx.receiveOne(in, 0));
            long after = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
            long rxNs = in.rxSoftwareNs(0);
            System.out.println("rx_in_window " + (before <= rxNs && rxNs <= after));
            System.out.println("rx_window " + before + " " + rxNs + " " + after);
            System.out.println("tx_reports " + tx.receiveTxTimestamps(reports));
        }
    }
}
