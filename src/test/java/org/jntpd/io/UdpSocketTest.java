package org.jntpd.io;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import org.jntpd.io.UdpSocket.Options;
import org.jntpd.io.UdpSocket.TimestampMode;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Net;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UdpSocketTest {
    static final InetSocketAddress LOOPBACK4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final int WAIT_MS = 2_000;

    @BeforeAll
    static void stampingOn() {
        KernelStamping.ensureEnabled();
    }

    static long now() {
        return Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
    }

    static InetSocketAddress loopback6() {
        try {
            return new InetSocketAddress(InetAddress.getByName("::1"), 0);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Fills the slot with {@code bytes} bytes: a sequence number, then a pattern derived from it. */
    static void fill(PacketBatch b, int slot, long seq, int bytes) {
        MemorySegment d = b.data(slot);
        for (int i = 0; i < bytes; i++) {
            d.set(JAVA_BYTE, i, (byte) (seq * 31 + i));
        }
        if (bytes >= 8) {
            d.set(JAVA_LONG_UNALIGNED, 0, seq);
        }
        b.length(slot, bytes);
    }

    static long seq(PacketBatch b, int slot) {
        return b.data(slot).get(JAVA_LONG_UNALIGNED, 0);
    }

    static void assertBetween(long low, long value, long high, String what) {
        assertTrue(low <= value && value <= high, what + ": " + low + " <= " + value + " <= " + high
                + " fails by " + (value < low ? low - value : value - high) + " ns");
    }

    @Test
    void shouldStampEachPacketBetweenClockReadingsAroundSendAndReceive() {
        try (UdpSocket tx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                UdpSocket rx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                PacketBatch out = new PacketBatch(1); PacketBatch in = new PacketBatch(1);
                PacketBatch reports = new PacketBatch(4, PacketBatch.MIN_DATA_BYTES)) {
            assertEquals(TimestampMode.TIMESTAMPING, tx.timestampMode());
            assertEquals(UdpSocket.SOFTWARE_FLAGS, tx.timestampingFlags());
            assertEquals(UdpSocket.TX_SOFTWARE_FLAGS, tx.txTimestampFlags());
            out.address(0, rx.localAddress());
            out.requestTxTimestamp(0, true);
            for (int i = 0; i < 50; i++) {
                fill(out, 0, i, 48);
                long beforeSend = now();
                assertEquals(48, tx.sendOne(out, 0));
                long afterSend = now();
                assertEquals(i, out.txId(0));
                assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
                assertEquals(48, rx.receiveOne(in, 0));
                long afterReceive = now();
                assertEquals(i, seq(in, 0));
                assertEquals(tx.localAddress(), in.socketAddress(0));
                assertBetween(beforeSend, in.rxSoftwareNs(0), afterReceive, "RX stamp of packet " + i);
                assertEquals(0, in.rxHardwareNs(0), "loopback has no hardware clock");

                assertEquals(1, tx.receiveTxTimestamps(reports));
                assertTrue(reports.isTxTimestamp(0));
                assertEquals(i, reports.txId(0));
                assertEquals(0, reports.length(0), "OPT_TSONLY: the report carries no payload");
                assertBetween(beforeSend, reports.txSoftwareNs(0), afterSend, "TX stamp of packet " + i);
                assertTrue(reports.txSoftwareNs(0) <= in.rxSoftwareNs(0), "sent before received");
            }
        }
    }

    @Test
    void shouldMatchEveryTxTimestampOfABatchToItsPacket() {
        try (UdpSocket tx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                UdpSocket rx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                PacketBatch out = new PacketBatch(32); PacketBatch in = new PacketBatch(32);
                PacketBatch reports = new PacketBatch(64, PacketBatch.MIN_DATA_BYTES)) {
            InetSocketAddress to = rx.localAddress();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 32; i++) {
                    out.address(i, to);
                    out.requestTxTimestamp(i, true);
                    fill(out, i, 1000L * round + i, 40 + i); // distinct payloads and lengths
                }
                int firstId = tx.nextTxId();
                long beforeSend = now();
                assertEquals(32, tx.send(out, 32));
                long afterSend = now();
                for (int i = 0; i < 32; i++) {
                    assertEquals(firstId + i, out.txId(i), "ids count datagrams in send order");
                    assertEquals(i, out.slotOfTxId(firstId + i, 32));
                }
                assertEquals(32 * (round + 1), tx.nextTxId());

                int reportCount = tx.receiveTxTimestamps(reports);
                assertEquals(32, reportCount);
                Set<Integer> ids = new HashSet<>();
                for (int r = 0; r < reportCount; r++) {
                    assertTrue(reports.isTxTimestamp(r));
                    ids.add(reports.txId(r));
                }
                assertEquals(32, ids.size(), "one report per packet");
                assertEquals(32, out.applyTxTimestamps(reports, reportCount, 32));

                assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
                assertEquals(32, rx.receive(in));
                long afterReceive = now();
                long previousTx = Long.MIN_VALUE;
                for (int i = 0; i < 32; i++) {
                    assertEquals(1000L * round + i, seq(in, i), "loopback keeps order");
                    assertEquals(40 + i, in.length(i));
                    assertEquals(out.data(i).asSlice(0, 40 + i).mismatch(in.data(i).asSlice(0, 40 + i)), -1);
                    long txNs = out.txSoftwareNs(i);
                    assertBetween(beforeSend, txNs, afterSend, "TX stamp of slot " + i);
                    assertTrue(txNs >= previousTx, "TX stamps follow the send order");
                    previousTx = txNs;
                    assertBetween(txNs, in.rxSoftwareNs(i), afterReceive, "RX stamp of packet " + i);
                }
            }
        }
    }

    @Test
    void shouldStampOnlyTheDatagramsThatAskAndMatchEachStampToItsDatagram() throws IOException {
        // The kernel numbers only the datagrams that ask (its OPT_ID counter does not move for the others), which
        // UdpSocket's count relies on: checked here for mixes of asking and silent slots, batches and single sends.
        boolean rxStampedInNetifRx = "1".equals(java.nio.file.Files.readAllLines(
                java.nio.file.Path.of("/proc/sys/net/core/netdev_tstamp_prequeue")).getFirst().strip());
        try (UdpSocket tx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                UdpSocket rx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                PacketBatch out = new PacketBatch(32); PacketBatch in = new PacketBatch(32);
                PacketBatch reports = new PacketBatch(64, PacketBatch.MIN_DATA_BYTES)) {
            InetSocketAddress to = rx.localAddress();
            java.util.SplittableRandom random = new java.util.SplittableRandom(42);
            int nextId = 0;
            for (int round = 0; round < 8; round++) {
                boolean[] ask = new boolean[32];
                int asked = 0;
                for (int i = 0; i < 32; i++) {
                    ask[i] = switch (round) {
                        case 0 -> i % 3 == 0;
                        case 1 -> i == 31;
                        case 2 -> false;
                        default -> random.nextBoolean();
                    };
                    asked += ask[i] ? 1 : 0;
                    out.address(i, to);
                    out.requestTxTimestamp(i, ask[i]);
                    fill(out, i, 1000L * round + i, 48);
                }
                long beforeSend = now();
                assertEquals(32, tx.send(out, 32));
                long afterSend = now();
                int id = nextId;
                for (int i = 0; i < 32; i++) {
                    assertEquals(ask[i], out.hasTxId(i), "slot " + i);
                    assertEquals(ask[i] ? id++ : PacketBatch.NO_TX_ID, out.txId(i), "ids count asking slots only");
                }
                assertEquals(nextId + asked, tx.nextTxId());

                int reportCount = tx.receiveTxTimestamps(reports);
                if (asked == 0) {
                    assertEquals(-Errno.EAGAIN, reportCount, "no slot asked, no report");
                } else {
                    assertEquals(asked, reportCount, "one report per asking slot, round " + round);
                    for (int r = 0; r < reportCount; r++) {
                        assertTrue(reports.isTxTimestamp(r));
                        assertEquals(nextId + r, reports.txId(r), "the kernel's count agrees with ours");
                    }
                    assertEquals(-Errno.EAGAIN, tx.receiveTxTimestamps(reports), "and nothing else");
                    assertEquals(asked, out.applyTxTimestamps(reports, reportCount, 32));
                }
                nextId += asked;

                assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
                assertEquals(32, rx.receive(in));
                for (int i = 0; i < 32; i++) {
                    assertEquals(1000L * round + i, seq(in, i));
                    long txNs = out.txSoftwareNs(i);
                    if (!ask[i]) {
                        assertEquals(0, txNs, "slot " + i + " asked for no stamp");
                        continue;
                    }
                    assertBetween(beforeSend, txNs, afterSend, "TX stamp of slot " + i);
                    // On loopback datagram i is stamped on its way out, then on its way in, before i + 1 leaves:
                    // a stamp given to a neighbour's slot would fall outside this window.
                    long previousRx = i > 0 && rxStampedInNetifRx ? in.rxSoftwareNs(i - 1) : beforeSend;
                    assertBetween(previousRx, txNs, in.rxSoftwareNs(i), "TX stamp of slot " + i + " in its window");
                }

                // A single send that does not ask takes no id either.
                out.requestTxTimestamp(0, false);
                assertEquals(48, tx.sendOne(out, 0));
                assertFalse(out.hasTxId(0));
                assertEquals(nextId, tx.nextTxId());
                assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
                assertEquals(48, rx.receiveOne(in, 0));
                assertEquals(-Errno.EAGAIN, tx.receiveTxTimestamps(reports));
            }
            assertTrue(nextId > 40, "asked in all: " + nextId);
        }
    }

    @Test
    void shouldReceiveWholeDatagramsIntoSlotsThatLastSentShortOnes() {
        // A receive resets only the slots an earlier receive or send touched: each must get back its full buffer,
        // address and control space (a slot that sent with a TX request had 24 control bytes).
        try (UdpSocket a = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                UdpSocket b = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                PacketBatch both = new PacketBatch(8); PacketBatch out = new PacketBatch(8)) {
            for (int i = 0; i < 8; i++) {
                both.address(i, b.localAddress());
                both.requestTxTimestamp(i, i % 2 == 0);
                fill(both, i, 50 + i, 8);
                out.address(i, a.localAddress());
                fill(out, i, 70 + i, 48 + i);
            }
            assertEquals(3, a.send(both, 5, 3));
            assertEquals(Net.POLLIN, b.poll(Net.POLLIN, WAIT_MS));
            assertEquals(2, b.receive(both, 2));
            assertEquals(1, b.receive(both));
            assertEquals(8, both.length(0), "slots 0 and 1 now hold short datagrams, 5 to 7 short sends");
            for (int pass = 0; pass < 3; pass++) {
                int count = pass == 0 ? 8 : 3;
                assertEquals(count, b.send(out, count));
                assertEquals(Net.POLLIN, a.poll(Net.POLLIN, WAIT_MS) & Net.POLLIN);
                assertEquals(count, a.receive(both));
                for (int i = 0; i < count; i++) {
                    assertEquals(70 + i, seq(both, i));
                    assertEquals(48 + i, both.length(i), "the whole datagram, not the 8 bytes last sent");
                    assertFalse(both.truncated(i));
                    assertEquals(b.localAddress(), both.socketAddress(i));
                    assertNotEquals(0, both.rxSoftwareNs(i), "the control buffer is whole again");
                }
            }
        }
    }

    @Test
    void shouldSendARangeOfSlotsGoingOnAfterAPartialSend() {
        try (UdpSocket tx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                UdpSocket rx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                PacketBatch out = new PacketBatch(8); PacketBatch in = new PacketBatch(8)) {
            for (int i = 0; i < 8; i++) {
                out.address(i, rx.localAddress());
                out.requestTxTimestamp(i, true);
                fill(out, i, 900 + i, 60);
            }
            assertEquals(4, tx.send(out, 2, 4));
            for (int i = 2; i < 6; i++) {
                assertEquals(i - 2, out.txId(i));
            }
            assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
            assertEquals(4, rx.receive(in));
            for (int i = 0; i < 4; i++) {
                assertEquals(902 + i, seq(in, i));
            }
        }
    }

    @Test
    void shouldWorkOverIpv6Loopback() {
        InetSocketAddress any6 = loopback6();
        UdpSocket probe;
        try {
            probe = UdpSocket.open(any6, Options.DEFAULT);
        } catch (NativeException e) {
            Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
            return;
        }
        try (UdpSocket tx = probe; UdpSocket rx = UdpSocket.open(any6, Options.DEFAULT);
                PacketBatch out = new PacketBatch(4); PacketBatch in = new PacketBatch(4);
                PacketBatch reports = new PacketBatch(4, PacketBatch.MIN_DATA_BYTES)) {
            assertEquals(Net.AF_INET6, tx.family());
            assertEquals(TimestampMode.TIMESTAMPING, tx.timestampMode());
            InetSocketAddress to = rx.localAddress();
            for (int i = 0; i < 4; i++) {
                out.address(i, to);
                out.requestTxTimestamp(i, true);
                fill(out, i, 600 + i, 48);
            }
            long before = now();
            assertEquals(4, tx.send(out, 4));
            assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
            assertEquals(4, rx.receive(in));
            long after = now();
            for (int i = 0; i < 4; i++) {
                assertEquals(600 + i, seq(in, i));
                assertEquals(Net.AF_INET6, in.family(i));
                assertEquals(0L, in.ipv6High(i));
                assertEquals(1L, in.ipv6Low(i));
                assertEquals(tx.localAddress().getPort(), in.port(i));
                assertBetween(before, in.rxSoftwareNs(i), after, "IPv6 RX stamp");
            }
            assertEquals(4, tx.receiveTxTimestamps(reports));
            assertEquals(4, out.applyTxTimestamps(reports, 4, 4));
            for (int i = 0; i < 4; i++) {
                assertBetween(before, out.txSoftwareNs(i), in.rxSoftwareNs(i), "IPv6 TX stamp");
            }
        }
    }

    @Test
    void shouldAnswerFromTheAddressAWildcardSocketWasAskedAtWithPacketInfo() throws IOException {
        // 127.0.0.2 is a local address (all of 127/8 is) that the route to 127.0.0.1 does not pick as its source.
        InetSocketAddress any = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0);
        for (boolean packetInfo : new boolean[] {true, false}) {
            try (UdpSocket server = UdpSocket.open(any, Options.DEFAULT.withPacketInfo(packetInfo));
                    DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    PacketBatch in = new PacketBatch(2); PacketBatch out = new PacketBatch(2)) {
                InetSocketAddress asked = new InetSocketAddress(InetAddress.getByName("127.0.0.2"),
                        server.localAddress().getPort());
                client.setSoTimeout(WAIT_MS);
                client.send(new DatagramPacket(new byte[48], 48, asked));
                assertEquals(Net.POLLIN, server.poll(Net.POLLIN, WAIT_MS));
                assertEquals(1, server.receive(in));
                // Bound to every interface for a moment: answer nothing but our own client.
                assertEquals(0x7f000001, in.ipv4(0), "from the test's client");
                assertEquals(client.getLocalPort(), in.port(0), "from the test's client");
                if (packetInfo) {
                    assertEquals(Net.AF_INET, in.localFamily(0));
                    assertEquals(0x7f000002, in.localIpv4(0));
                    assertEquals(1, in.localIfIndex(0), "lo");
                } else {
                    assertEquals(Net.AF_UNSPEC, in.localFamily(0));
                }
                out.copyAddress(in, 0, 0);
                out.requestTxTimestamp(0, true); // both control messages in one send
                fill(out, 0, 77, 48);
                assertEquals(1, server.send(out, 1));
                DatagramPacket reply = new DatagramPacket(new byte[64], 64);
                client.receive(reply);
                assertEquals(packetInfo ? "/127.0.0.2" : "/127.0.0.1", reply.getAddress().toString(),
                        "the reply's source with packetInfo " + packetInfo);
            }
        }
    }

    @Test
    void shouldReportTheLocalIpv6AddressAndSendFromIt() {
        InetSocketAddress any6;
        UdpSocket server;
        try {
            any6 = new InetSocketAddress(InetAddress.getByName("::"), 0);
            server = UdpSocket.open(any6, Options.DEFAULT.withPacketInfo(true));
        } catch (IOException | NativeException e) {
            Assumptions.abort("no IPv6 here: " + e.getMessage());
            return;
        }
        try (UdpSocket rx = server; UdpSocket client = UdpSocket.open(loopback6(), Options.DEFAULT);
                PacketBatch in = new PacketBatch(2); PacketBatch out = new PacketBatch(2)) {
            out.address(0, new InetSocketAddress(loopback6().getAddress(), rx.localAddress().getPort()));
            fill(out, 0, 5, 48);
            assertEquals(1, client.send(out, 1));
            assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
            assertEquals(1, rx.receive(in));
            assertEquals(client.localAddress().getPort(), in.port(0), "from the test's client");
            assertEquals(1L, in.ipv6Low(0), "from ::1");
            assertEquals(Net.AF_INET6, in.localFamily(0));
            assertEquals(0L, in.localIpv6High(0));
            assertEquals(1L, in.localIpv6Low(0));
            assertEquals(1, in.localIfIndex(0), "lo");
            out.copyAddress(in, 0, 1);
            fill(out, 1, 6, 48);
            assertEquals(1, rx.send(out, 1, 1), "the kernel takes the IPV6_PKTINFO it was given");
            assertEquals(Net.POLLIN, client.poll(Net.POLLIN, WAIT_MS));
            assertEquals(1, client.receive(in));
            assertEquals(6, seq(in, 0));
        }
    }

    @Test
    void shouldFlagAnOversizedDatagramAsTruncatedAndCarryOn() throws IOException {
        try (UdpSocket rx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                PacketBatch in = new PacketBatch(4, PacketBatch.MIN_DATA_BYTES);
                DatagramSocket sender = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            byte[] big = new byte[3000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 7);
            }
            InetSocketAddress to = rx.localAddress();
            sender.send(new DatagramPacket(big, big.length, to));
            sender.send(new DatagramPacket(new byte[0], 0, to));
            sender.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, to));
            assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
            assertEquals(PacketBatch.MIN_DATA_BYTES, rx.receiveOne(in, 0), "cut to the buffer");
            assertTrue(in.truncated(0));
            assertArrayEquals(java.util.Arrays.copyOf(big, PacketBatch.MIN_DATA_BYTES),
                    in.data(0).asSlice(0, in.length(0)).toArray(JAVA_BYTE));
            assertNotEquals(0, in.rxSoftwareNs(0), "a truncated datagram still has its stamp");

            assertEquals(2, rx.receive(in));
            assertEquals(0, in.length(0), "an empty datagram");
            assertFalse(in.truncated(0));
            assertEquals(3, in.length(1));
            assertFalse(in.truncated(1));
            assertEquals(sender.getLocalPort(), in.port(1));
        }
    }

    @Test
    void shouldReturnErrnoInsteadOfThrowingAndKeepTxIdsInStep() {
        try (UdpSocket tx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                UdpSocket rx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                PacketBatch big = new PacketBatch(1, 65536); PacketBatch out = new PacketBatch(2);
                PacketBatch reports = new PacketBatch(4, PacketBatch.MIN_DATA_BYTES)) {
            assertEquals(-Errno.EAGAIN, rx.receive(out), "nothing waiting");
            assertEquals(-Errno.EAGAIN, rx.receiveOne(out, 0));
            assertEquals(-Errno.EAGAIN, tx.receiveTxTimestamps(reports));
            assertEquals(0, rx.poll(Net.POLLIN, 0));

            big.address(0, rx.localAddress());
            big.requestTxTimestamp(0, true);
            out.requestTxTimestamp(0, true);
            out.requestTxTimestamp(1, true);
            big.length(0, 65508); // one byte over the IPv4 UDP maximum
            assertEquals(-Errno.EMSGSIZE, tx.sendOne(big, 0));
            assertEquals(-Errno.EMSGSIZE, tx.send(big, 1));
            out.ipv4Address(0, 0x7f000001, 0);
            out.length(0, 48);
            assertEquals(-Errno.EINVAL, tx.sendOne(out, 0), "port 0");
            assertEquals(0, tx.nextTxId(), "failed sends use no id");

            out.address(0, rx.localAddress());
            out.address(1, rx.localAddress());
            out.length(1, 48);
            assertEquals(2, tx.send(out, 2));
            assertEquals(2, tx.receiveTxTimestamps(reports));
            assertEquals(0, reports.txId(0), "the kernel's count agrees: failed sends took no id");
            assertEquals(1, reports.txId(1));
            assertEquals(-Errno.EAGAIN, tx.receiveTxTimestamps(reports));
        }
    }

    @Test
    void shouldWaitWithTimeoutAndWakeForDataAndTxTimestamps() {
        try (UdpSocket tx = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                UdpSocket rx = UdpSocket.open(LOOPBACK4, Options.DEFAULT); PacketBatch out = new PacketBatch(1)) {
            long t0 = System.nanoTime();
            assertEquals(0, rx.poll(Net.POLLIN, 60));
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(waitedMs >= 55, "poll returned after " + waitedMs + " ms of 60");
            assertEquals(0, tx.poll(0, 0), "no TX report yet");

            out.address(0, rx.localAddress());
            out.length(0, 48);
            assertEquals(48, tx.sendOne(out, 0));
            assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
            assertEquals(0, tx.poll(0, 0), "no TX report for a datagram that asked for none");
            out.requestTxTimestamp(0, true);
            assertEquals(48, tx.sendOne(out, 0));
            assertEquals(Net.POLLERR, tx.poll(0, WAIT_MS), "a TX timestamp waits on the error queue");
        }
    }

    @Test
    void shouldStampWithTimestampNsWhenAskedAndNotAtAllWithNone() {
        for (TimestampMode mode : new TimestampMode[] {TimestampMode.TIMESTAMPNS, TimestampMode.NONE}) {
            Options o = Options.DEFAULT.withTimestamps(mode);
            try (UdpSocket tx = UdpSocket.open(LOOPBACK4, o); UdpSocket rx = UdpSocket.open(LOOPBACK4, o);
                    PacketBatch out = new PacketBatch(1); PacketBatch in = new PacketBatch(1);
                    PacketBatch reports = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES)) {
                assertEquals(mode, rx.timestampMode());
                assertEquals(0, rx.timestampingFlags());
                assertEquals(0, tx.txTimestampFlags());
                out.address(0, rx.localAddress());
                out.length(0, 48);
                out.requestTxTimestamp(0, true); // ignored: no SO_TIMESTAMPING control message goes out
                long before = now();
                assertEquals(48, tx.sendOne(out, 0));
                assertFalse(out.hasTxId(0));
                assertEquals(PacketBatch.NO_TX_ID, out.txId(0));
                assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
                assertEquals(48, rx.receiveOne(in, 0));
                long after = now();
                if (mode == TimestampMode.TIMESTAMPNS) {
                    assertBetween(before, in.rxSoftwareNs(0), after, "SO_TIMESTAMPNS stamp");
                } else {
                    assertEquals(0, in.rxSoftwareNs(0));
                }
                assertEquals(-Errno.EAGAIN, tx.receiveTxTimestamps(reports), "no TX stamps in mode " + mode);
            }
        }
    }

    @Test
    void shouldAskForHardwareStampsAndKeepThemApartFromSoftwareOnes() {
        Options hw = Options.DEFAULT.withHardwareTimestamps(true);
        try (UdpSocket tx = UdpSocket.open(LOOPBACK4, hw); UdpSocket rx = UdpSocket.open(LOOPBACK4, hw);
                PacketBatch out = new PacketBatch(1); PacketBatch in = new PacketBatch(1);
                PacketBatch reports = new PacketBatch(4, PacketBatch.MIN_DATA_BYTES)) {
            assertEquals(TimestampMode.TIMESTAMPING, rx.timestampMode());
            assertEquals(UdpSocket.SOFTWARE_FLAGS | UdpSocket.HARDWARE_FLAGS, rx.timestampingFlags());
            assertEquals(UdpSocket.TX_SOFTWARE_FLAGS | UdpSocket.TX_HARDWARE_FLAGS, tx.txTimestampFlags());
            out.address(0, rx.localAddress());
            out.length(0, 48);
            out.requestTxTimestamp(0, true);
            assertEquals(48, tx.sendOne(out, 0));
            assertEquals(Net.POLLIN, rx.poll(Net.POLLIN, WAIT_MS));
            assertEquals(48, rx.receiveOne(in, 0));
            assertNotEquals(0, in.rxSoftwareNs(0));
            assertEquals(0, in.rxHardwareNs(0), "loopback has no NIC clock");
            assertEquals(1, tx.receiveTxTimestamps(reports));
            assertNotEquals(0, reports.txSoftwareNs(0));
            assertEquals(0, reports.txHardwareNs(0));
        }
    }

    @Test
    void shouldLeaveTheOptionsInTheKernelAsAskedFor() {
        try (UdpSocket hw = UdpSocket.open(LOOPBACK4, Options.DEFAULT.withHardwareTimestamps(true).withReusePort(true));
                UdpSocket ns = UdpSocket.open(LOOPBACK4, Options.DEFAULT.withTimestamps(TimestampMode.TIMESTAMPNS));
                Arena arena = Arena.ofConfined()) {
            assertEquals(UdpSocket.SOFTWARE_FLAGS | UdpSocket.HARDWARE_FLAGS,
                    intOption(hw, Net.SOL_SOCKET, Net.SO_TIMESTAMPING, arena));
            assertEquals(1, intOption(hw, Net.SOL_SOCKET, Net.SO_REUSEPORT, arena));
            assertEquals(0, intOption(ns, Net.SOL_SOCKET, Net.SO_TIMESTAMPING, arena));
            assertEquals(1, intOption(ns, Net.SOL_SOCKET, Net.SO_TIMESTAMPNS, arena));
            assertEquals(0, intOption(ns, Net.SOL_SOCKET, Net.SO_REUSEPORT, arena));
        }
    }

    private static int intOption(UdpSocket s, int level, int name, Arena arena) {
        MemorySegment value = arena.allocate(JAVA_INT);
        MemorySegment len = arena.allocate(JAVA_INT);
        len.set(JAVA_INT, 0, 4);
        Libc.check(Libc.getsockopt(s.fd(), level, name, value, len), "getsockopt");
        assertEquals(4, len.get(JAVA_INT, 0));
        return value.get(JAVA_INT, 0);
    }

    @Test
    void shouldShareAPortOnlyWithReusePort() {
        Options reuse = Options.DEFAULT.withReusePort(true);
        try (UdpSocket a = UdpSocket.open(LOOPBACK4, reuse)) {
            InetSocketAddress bound = a.localAddress();
            try (UdpSocket b = UdpSocket.open(bound, reuse)) {
                assertEquals(bound, b.localAddress());
            }
            NativeException e = assertThrows(NativeException.class, () -> UdpSocket.open(bound, Options.DEFAULT));
            assertEquals(Errno.EADDRINUSE, e.errno());
            assertEquals("bind", e.function());
            assertEquals("bind " + bound + " failed: errno 98 (Address already in use)", e.getMessage());
        }
    }

    @Test
    void shouldSendToTheConnectedPeerAndReceiveBlocking() {
        Options blocking = Options.DEFAULT.withNonBlocking(false);
        try (UdpSocket client = UdpSocket.open(LOOPBACK4, Options.DEFAULT);
                UdpSocket server = UdpSocket.open(LOOPBACK4, blocking);
                PacketBatch out = new PacketBatch(3); PacketBatch in = new PacketBatch(8)) {
            client.connect(server.localAddress());
            for (int i = 0; i < 3; i++) {
                out.clearAddress(i);
                fill(out, i, 70 + i, 48);
            }
            assertEquals(3, client.send(out, 3));
            // A blocking recvmmsg returns once the first has arrived (MSG_WAITFORONE), not when 8 have.
            assertEquals(3, server.receive(in));
            for (int i = 0; i < 3; i++) {
                assertEquals(70 + i, seq(in, i));
                assertEquals(client.localAddress(), in.socketAddress(i));
            }
        }
    }

    @Test
    void shouldReportThatLoopbackHasNoHardwareTimestamping() {
        NativeException e = assertThrows(NativeException.class, () -> NicTimestamping.read("lo"));
        assertTrue(e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EINVAL, e.getMessage());
        assertEquals(Errno.ENODEV, assertThrows(NativeException.class,
                () -> NicTimestamping.read("nosuchif0")).errno());
        assertThrows(IllegalArgumentException.class, () -> NicTimestamping.read("a-name-too-long-x"));
    }
}
