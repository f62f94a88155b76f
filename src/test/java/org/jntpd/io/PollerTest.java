package org.jntpd.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jntpd.io.UdpSocket.Options;
import org.jntpd.platform.Net;
import org.junit.jupiter.api.Test;

class PollerTest {
    @Test
    void shouldHandBackTheTokenOfTheSocketThatIsReady() {
        try (UdpSocket a = UdpSocket.open(UdpSocketTest.LOOPBACK4, Options.DEFAULT);
                UdpSocket b = UdpSocket.open(UdpSocketTest.LOOPBACK4, Options.DEFAULT);
                UdpSocket sender = UdpSocket.open(UdpSocketTest.LOOPBACK4, Options.DEFAULT);
                PacketBatch out = new PacketBatch(1); PacketBatch in = new PacketBatch(1);
                Poller poller = new Poller(4)) {
            poller.add(a.fd(), Net.EPOLLIN, 0xaL);
            poller.add(b.fd(), Net.EPOLLIN, 0xbL);
            poller.add(sender.fd(), 0, 0x5L); // only EPOLLERR: TX timestamps waiting
            assertEquals(0, poller.await(0));

            out.address(0, b.localAddress());
            out.length(0, 48);
            out.requestTxTimestamp(0, true);
            assertEquals(48, sender.sendOne(out, 0));
            assertEquals(2, poller.await(2_000));
            long t0 = poller.token(0);
            long t1 = poller.token(1);
            int bEvents = t0 == 0xbL ? poller.events(0) : poller.events(1);
            int senderEvents = t0 == 0x5L ? poller.events(0) : poller.events(1);
            assertEquals(0xbL ^ 0x5L, t0 ^ t1, "tokens " + t0 + ", " + t1);
            assertEquals(Net.EPOLLIN, bEvents);
            assertEquals(Net.EPOLLERR, senderEvents);

            assertEquals(48, b.receiveOne(in, 0));
            try (PacketBatch reports = new PacketBatch(2, PacketBatch.MIN_DATA_BYTES)) {
                assertEquals(1, sender.receiveTxTimestamps(reports));
            }
            assertEquals(0, poller.await(0), "level-triggered: nothing left");
            poller.remove(b.fd());
            assertEquals(48, sender.sendOne(out, 0));
            assertEquals(1, poller.await(2_000));
            assertEquals(0x5L, poller.token(0), "b is no longer watched");
        }
    }
}
