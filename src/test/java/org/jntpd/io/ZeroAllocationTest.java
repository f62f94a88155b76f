package org.jntpd.io;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.jntpd.io.UdpSocket.Options;
import org.jntpd.platform.JitDirectives;
import org.jntpd.platform.Net;
import org.junit.jupiter.api.Test;

/**
 * 100,000 packets echoed between two sockets on one thread (client sends a batch; server sees it through epoll,
 * receives it, hashes each peer address, copies it into a reply slot and sends the batch back; client polls and
 * receives; both read their TX timestamps and match them to the sent packets), with the bytes this thread allocated measured after a warm-up: must be 0.
 * The warm-up lasts until a window of packets allocated nothing (typically 50k-60k packets here).
 * The loop body lives in small methods: escape analysis gives up on large on-stack-replaced loops.
 */
class ZeroAllocationTest {
    private static final int BATCH = 16;
    /** Warm-up runs in windows until one allocates nothing (the JIT has settled), at most this many packets. */
    private static final int WARM_UP_WINDOW_PACKETS = 10_000;
    private static final int MAX_WARM_UP_PACKETS = 1_000_000;
    private static final int MEASURED_PACKETS = 100_000;

    private final UdpSocket client = UdpSocket.open(UdpSocketTest.LOOPBACK4, Options.DEFAULT);
    private final UdpSocket server = UdpSocket.open(UdpSocketTest.LOOPBACK4, Options.DEFAULT);
    private final PacketBatch clientOut = new PacketBatch(BATCH);
    private final PacketBatch clientIn = new PacketBatch(BATCH);
    private final PacketBatch serverIn = new PacketBatch(BATCH);
    private final PacketBatch serverOut = new PacketBatch(BATCH);
    private final PacketBatch reports = new PacketBatch(2 * BATCH, PacketBatch.MIN_DATA_BYTES);
    private final Poller poller = new Poller(2);

    private long nextSeq;
    private long echoed;
    private long stamped;
    private long failures;
    private long addressDigest;

    @Test
    void shouldEchoPacketsWithTimestampsWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        KernelStamping.ensureEnabled();
        try (client; server; clientOut; clientIn; serverIn; serverOut; reports; poller) {
            poller.add(server.fd(), Net.EPOLLIN, 7L);
            java.net.InetSocketAddress to = server.localAddress();
            for (int i = 0; i < BATCH; i++) {
                clientOut.address(i, to);
                clientOut.length(i, 48);
                clientOut.requestTxTimestamp(i, true);
                serverOut.requestTxTimestamp(i, true);
            }
            assertTrue(JitDirectives.ensureInstalled(), JitDirectives.outcome());
            long windowBytes = -1;
            while (windowBytes != 0 && echoed < MAX_WARM_UP_PACKETS) {
                long before = threads.getCurrentThreadAllocatedBytes();
                run(WARM_UP_WINDOW_PACKETS);
                windowBytes = threads.getCurrentThreadAllocatedBytes() - before;
            }
            long warmUp = echoed;

            long before = threads.getCurrentThreadAllocatedBytes();
            run(MEASURED_PACKETS);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertEquals(warmUp + MEASURED_PACKETS, echoed, "every packet came back");
            assertEquals(0, failures, "sends, receives and timestamp matches that went wrong");
            assertEquals(2L * echoed, stamped, "a TX timestamp matched for every packet sent, both ways");
            assertTrue(addressDigest != 0);
            assertEquals(0, allocated, "bytes allocated for " + MEASURED_PACKETS + " packets after " + warmUp
                    + " packets of warm-up");
        }
    }

    /** Echoes {@code packets} packets in batches; bounded by rounds. */
    private void run(int packets) {
        long target = echoed + packets;
        for (int round = 0; echoed < target && round < 4 * packets / BATCH; round++) {
            roundTrip((int) Math.min(BATCH, target - echoed));
        }
    }

    private void roundTrip(int n) {
        clientSend(n);
        serverEcho();
        clientReceive();
        stamped += matchTxTimestamps(client, clientOut);
        stamped += matchTxTimestamps(server, serverOut);
    }

    private void clientSend(int n) {
        for (int i = 0; i < n; i++) {
            clientOut.data(i).set(JAVA_LONG_UNALIGNED, 0, nextSeq++);
        }
        if (client.send(clientOut, n) != n) {
            failures++;
        }
    }

    private void serverEcho() {
        if (poller.await(0) != 1 || poller.token(0) != 7L || (poller.events(0) & Net.EPOLLIN) == 0) {
            failures++;
        }
        int got = server.receive(serverIn);
        if (got <= 0 || serverIn.rxSoftwareNs(0) == 0) {
            failures++;
            return;
        }
        for (int i = 0; i < got; i++) {
            copyRequest(i);
        }
        if (server.send(serverOut, got) != got) {
            failures++;
        }
    }

    private void copyRequest(int i) {
        // What a rate limiter reads per request.
        addressDigest += serverIn.addressHash(i, 0x5eedL) ^ serverIn.addressHigh(i) ^ serverIn.addressLow(i)
                ^ serverIn.port(i);
        serverOut.copyAddress(serverIn, i, i);
        serverOut.data(i).set(JAVA_LONG_UNALIGNED, 0, serverIn.data(i).get(JAVA_LONG_UNALIGNED, 0));
        serverOut.length(i, serverIn.length(i));
    }

    private void clientReceive() {
        if ((client.poll(Net.POLLIN, 0) & Net.POLLIN) == 0) {
            failures++;
        }
        int got = client.receive(clientIn);
        if (got <= 0) {
            failures++;
            return;
        }
        for (int i = 0; i < got; i++) {
            if (clientIn.data(i).get(JAVA_LONG_UNALIGNED, 0) != nextSeq - got + i || clientIn.rxSoftwareNs(i) == 0
                    || clientIn.family(i) != Net.AF_INET) {
                failures++;
            }
        }
        echoed += got;
    }

    private int matchTxTimestamps(UdpSocket socket, PacketBatch sent) {
        int n = socket.receiveTxTimestamps(reports);
        return n > 0 ? sent.applyTxTimestamps(reports, n, BATCH) : 0;
    }
}
