package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.LongUnaryOperator;
import org.jntpd.clock.ReadOnlyClock;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigParser;
import org.jntpd.io.UdpSocket;
import org.jntpd.proto.PacketVerdict;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a request whose kernel TX timestamp never comes keeps the send time the daemon read itself, and that must
 * be read just before the send, not at the top of the loop pass (a median 331 us earlier on a real run). The client's
 * sockets here take no kernel timestamps at all; the clock is set by hand: the pass starts at T0, the request leaves
 * when the clock reads T0 + 5 ms, a server whose clock agrees with ours stamps T2 = T3 = T0 + 7.5 ms, and the reply is
 * handled in the pass of T0 + 10 ms. Sent at T0 + 5 ms: offset 0, delay 5 ms; with the pass's time: 2.5 ms and 10 ms.
 * Likewise the synchroniser runs at a reading of its own (it may start or end a slew, and the clock's rate changes when
 * it runs): the reply's handling took until T0 + 30 ms, and the update is timed T0 + 30 ms, not the pass's T0 + 10 ms
 * (on a busy machine the first replies' cold code took 15-130 ms, which misplaced an 83333-ppm slew by up to 10 ms).
 */
class ClientTransmitTimeTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_767_225_600_000_000_000L;
    private static final int GPS = NtpPacket.asciiRefId("GPS");

    /** Reports nothing: the test reads the association. */
    private static final SyncLoop.Listener QUIET = (SystemState state, long nowNs) -> {};

    @Test
    void shouldTakeARequestsSendTimeJustBeforeTheSendWhenNoKernelTxTimestampComes() throws Exception {
        ReadOnlyClock clock = new ReadOnlyClock(T0); // never steered: the source is noselect
        UdpSocket.Options noStamps = UdpSocket.Options.DEFAULT.withTimestamps(UdpSocket.TimestampMode.NONE);
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            server.setSoTimeout(10_000);
            Config config = ConfigParser.parse("t.conf", "server 127.0.0.1 port " + server.getLocalPort() + " noselect\n",
                    null);
            Synchroniser sync = new Synchroniser(clock, SyncConfig.defaults());
            try (StatsFiles stats = new StatsFiles(config.stats());
                    ClientSockets sockets = new ClientSockets(clock, LongUnaryOperator.identity(), noStamps, 0, java.util.List.of());
                    NtpSources sources = new NtpSources(config, sync, sockets, SymmetricKeys.NONE);
                    RefclockSources refclocks = new RefclockSources(sync, LongUnaryOperator.identity(), true, stats,
                            QUIET)) {
                long[] publishedNs = {0};
                StatePublisher publisher = new StatePublisher(clock, sync, (state, nowNs) -> publishedNs[0] = nowNs, stats,
                        sources, refclocks, 1, new OperatorWarnings());
                NtpClient client = new NtpClient(sources, sockets, sync, stats, QUIET, publisher);
                long deadline = System.nanoTime() + 10_000 * MS;
                while (sources.peers().isEmpty() && System.nanoTime() - deadline < 0) {
                    sources.mobiliseResolved(T0); // the resolver's thread hands the literal address over
                    Thread.sleep(5);
                }
                assertFalse(sources.peers().isEmpty(), "the server's address was resolved");
                Peer peer = sources.peers().getFirst();

                clock.setNowNs(T0 + 5 * MS); // the pass started at T0; its work took 5 ms before the send
                client.pollDue(T0);
                assertEquals(1, peer.assoc.sent());

                DatagramPacket request = new DatagramPacket(new byte[NtpPacket.HEADER_LENGTH], NtpPacket.HEADER_LENGTH);
                server.receive(request);
                NtpPacket req = new NtpPacket().wrap(MemorySegment.ofArray(request.getData()), 0, NtpPacket.HEADER_LENGTH);
                byte[] answer = new byte[NtpPacket.HEADER_LENGTH];
                long t2 = NtpTimestamp.fromUnixNs(T0 + 7_500_000);
                new NtpPacket().wrap(MemorySegment.ofArray(answer), 0, NtpPacket.HEADER_LENGTH)
                        .leapVersionMode(0, 4, NtpPacket.MODE_SERVER).stratum(1).pollLog2(req.pollLog2())
                        .precisionLog2(-20).refId(GPS).referenceTs(t2).originTs(req.transmitTs()).receiveTs(t2).transmitTs(t2);
                server.send(new DatagramPacket(answer, answer.length, request.getSocketAddress()));

                clock.setNowNs(T0 + 30 * MS); // the pass of T0 + 10 ms reaches the synchroniser 20 ms later
                int ready = 0;
                while (peer.assoc.received() == 0 && System.nanoTime() - deadline < 0) {
                    ready = sockets.await(100);
                    sockets.dispatch(ready, T0 + 10 * MS, client); // no kernel RX stamp either: T4 is the pass's time
                }
                assertEquals(1, peer.assoc.received(), "the reply came back");
                assertEquals(PacketVerdict.ACCEPTED, peer.assoc.lastVerdict());
                assertEquals(5 * MS, peer.assoc.lastDelayNs(), "T4 - T1 with T1 read just before the send");
                assertEquals(0, peer.assoc.lastOffsetNs(), "no offset between two clocks that agree");
                assertEquals(T0 + 30 * MS, publishedNs[0], "the synchroniser ran at its own clock reading");
            }
        }
    }
}
