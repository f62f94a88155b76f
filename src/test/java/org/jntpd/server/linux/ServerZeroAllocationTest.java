package org.jntpd.server.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.List;
import org.jntpd.config.Config;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.JitDirectives;
import org.jntpd.platform.Net;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.jntpd.auth.Aead;
import org.jntpd.auth.Golden;
import org.jntpd.auth.KeyFile;
import org.jntpd.auth.MacEngine;
import org.jntpd.auth.SymmetricKey;
import org.jntpd.nts.CookieCodec;
import org.jntpd.nts.CookieJar;
import org.jntpd.nts.NonceSource;
import org.jntpd.nts.NtsClientCodec;
import org.jntpd.nts.NtsServerCodec;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.server.AccessControl;
import org.jntpd.server.InterleavedTable;
import org.jntpd.server.RateLimiter;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerCounters.Counter;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateHolder;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The whole serving path on real sockets: a client batch of NTP requests, the worker's duty cycle (recvmmsg, classify,
 * access control, rate limiter, reply, one T3 read, sendmmsg, TX timestamps into the interleaved table), and the client
 * reading the replies, with the bytes this thread allocated measured over 100,000 requests after warm-up: must be 0.
 * A quarter of the requests ask for interleaved mode (origin = one of the server's receive timestamps), a quarter are
 * NTS requests of eight clients (their key schedules cached: the NTS cached-key path) and a quarter carry chronyd's
 * MD5 MAC; every authenticated reply is checked by the client's codec or MAC engine (on this thread too).
 */
class ServerZeroAllocationTest {
    private static final int BATCH = 32;
    private static final int WARM_UP_WINDOW = 10_000;
    private static final int MAX_WARM_UP = 1_000_000;
    private static final int MEASURED = 100_000;
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private final NtpPacket request = new NtpPacket();
    private final NtpPacket reply = new NtpPacket();
    private long sent;
    private long answered;
    private long interleavedAnswers;
    private long wrong;
    private final long[] serverRxBySlot = new long[BATCH]; // the receive timestamp of the last reply per slot
    private long ntsAnswers;
    private long macAnswers;

    // NTS: eight clients, each with its keys, one cookie (reused: the server keeps no record of cookies) and a request.
    private static final int NTS_CLIENTS = 8;
    private final Random random = new Random(5);
    private final ServerKeySet serverKeys = ServerKeySet.empty().rotate(System.currentTimeMillis() / 1000,
            ServerKeySet.Rotation.DEFAULT, random::nextBytes);
    private final NtsClientCodec[] ntsCodecs = new NtsClientCodec[NTS_CLIENTS];
    private final byte[][] ntsRequests = new byte[NTS_CLIENTS][];
    private final byte[][] ntsUids = new byte[NTS_CLIENTS][32];
    private final CookieJar jar = new CookieJar();
    private final int[] ntsOfSlot = new int[BATCH];
    // Keyed: chronyd's MD5 request of the golden capture, and a client-side engine to check the replies.
    private byte[] macRequest;
    private MacEngine clientMac;

    private void prepareAuth(List<SymmetricKey> keys) {
        for (int c = 0; c < NTS_CLIENTS; c++) {
            int aead = c % 2 == 0 ? Aead.AES_SIV_CMAC_256 : Aead.AES_SIV_CMAC_512;
            int k = Aead.keyLength(aead);
            byte[] both = new byte[2 * k];
            random.nextBytes(both);
            ntsCodecs[c] = new NtsClientCodec();
            ntsCodecs[c].keys(aead, java.util.Arrays.copyOf(both, k), java.util.Arrays.copyOfRange(both, k, 2 * k));
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            byte[] cookie = new byte[CookieCodec.MAX_LENGTH];
            int n = new CookieCodec(() -> serverKeys, new NonceSource(seed)).seal(aead, both, 0,
                    System.currentTimeMillis() / 1000, cookie, 0);
            MemorySegment r = MemorySegment.ofArray(new byte[1024]);
            request.wrap(r, 0, 48).clearHeader().leapVersionMode(0, 4, 3).pollLog2(6).transmitTs(0x77L << 32 | c);
            random.nextBytes(ntsUids[c]);
            byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            int length = ntsCodecs[c].request(r, 0, 1024, 48, ntsUids[c], 32, cookie, n, c % 3, nonce, 16);
            ntsRequests[c] = r.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        }
        for (Golden.Packet p : Golden.capture(Golden.class, "sym-chrony-client-to-chrony-server.hex")) {
            if (p.to().endsWith(":38124") && p.bytes().length == 68 && macRequest == null) {
                macRequest = p.bytes(); // key 1, MD5
            }
        }
        clientMac = new MacEngine(keys, null);
    }

    @Test
    void shouldServeWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(JitDirectives.ensureInstalled(), JitDirectives.outcome());
        ServerState state = new ServerState(0, 2, -23, NtpShort.fromNs(1_000_000), 500_000, 15.0, 0x7F000001,
                NtpTimestamp.fromUnixNs(System.currentTimeMillis() * 1_000_000L), System.currentTimeMillis() * 1_000_000L);
        ServerStateHolder holder = new ServerStateHolder(state);
        ServerCounters counters = new ServerCounters();
        InterleavedTable table = new InterleavedTable(12);
        // Limited with a generous rate so the limiter runs on every request without refusing any.
        List<SymmetricKey> keys;
        try {
            keys = KeyFile.parse("chrony.keys", Golden.lines(Golden.class, "chrony.keys"), KeyFile.Dialect.CHRONY).keys();
        } catch (KeyFile.KeyFileException e) {
            throw new AssertionError(e);
        }
        prepareAuth(keys);
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        Responder responder = new Responder(AccessControl.compile(List.of()), new RateLimiter(12, -19, 255, 4, 1), true,
                table, counters, new MacEngine(keys, null), new NtsServerCodec(() -> serverKeys, new NonceSource(seed),
                        1024));
        // With packet info, as on a wildcard bind: each reply carries its IP_PKTINFO control message too.
        try (UdpSocket serverSocket = UdpSocket.open(LOOPBACK, UdpSocket.Options.DEFAULT.withPacketInfo(true));
                // The client takes no TX stamps: undrained error-queue reports would fill its receive buffer.
                UdpSocket client = UdpSocket.open(LOOPBACK,
                        UdpSocket.Options.DEFAULT.withTimestamps(UdpSocket.TimestampMode.NONE));
                PacketBatch out = new PacketBatch(BATCH);
                PacketBatch in = new PacketBatch(BATCH)) {
            ServerWorker worker = new ServerWorker(-1, Config.Serving.Idle.BUSY_POLL, new UdpSocket[] {serverSocket},
                    responder, counters, holder, java.util.function.LongUnaryOperator.identity());
            InetSocketAddress to = serverSocket.localAddress();
            for (int i = 0; i < BATCH; i++) {
                out.address(i, to);
            }
            long window = -1;
            while (window != 0 && sent < MAX_WARM_UP) {
                long before = threads.getCurrentThreadAllocatedBytes();
                run(worker, client, out, in, WARM_UP_WINDOW);
                window = threads.getCurrentThreadAllocatedBytes() - before;
            }
            long warmUp = sent;
            long before = threads.getCurrentThreadAllocatedBytes();
            run(worker, client, out, in, MEASURED);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertEquals(0, wrong, "replies that did not match their request");
            assertEquals(sent, answered, "every request answered");
            assertTrue(interleavedAnswers > MEASURED / 8, "interleaved replies: " + interleavedAnswers);
            assertEquals(sent / 4, ntsAnswers, "authenticated NTS replies");
            assertEquals(sent / 4, macAnswers, "keyed replies");
            assertEquals(sent, counters.get(Counter.REPLIED));
            assertEquals(sent / 4, counters.get(Counter.NTS_REPLIED));
            assertEquals(0, allocated, "bytes allocated serving " + MEASURED + " requests after " + warmUp + " of warm-up");
        }
    }

    private void run(ServerWorker worker, UdpSocket client, PacketBatch out, PacketBatch in, int requests) {
        long target = sent + requests;
        for (int round = 0; sent < target && round < 4 * requests / BATCH; round++) {
            roundTrip(worker, client, out, in);
        }
    }

    private void roundTrip(ServerWorker worker, UdpSocket client, PacketBatch out, PacketBatch in) {
        for (int i = 0; i < BATCH; i++) {
            long seq = sent + i;
            switch (i & 3) {
                case 2 -> { // NTS
                    int c = (int) ((seq >>> 2) % NTS_CLIENTS);
                    ntsOfSlot[i] = c;
                    MemorySegment.copy(ntsRequests[c], 0, out.data(i), ValueLayout.JAVA_BYTE, 0, ntsRequests[c].length);
                    out.length(i, ntsRequests[c].length);
                }
                case 3 -> { // chronyd's MD5 request
                    MemorySegment.copy(macRequest, 0, out.data(i), ValueLayout.JAVA_BYTE, 0, macRequest.length);
                    out.length(i, macRequest.length);
                }
                default -> {
                    // Slot 1 names the server's receive timestamp of its previous reply, as a chrony client in xleave mode.
                    long origin = (i & 1) == 1 ? serverRxBySlot[i] : 0;
                    request.wrap(out.data(i), 0, NtpPacket.HEADER_LENGTH).clearHeader().leapVersionMode(0, 4, 3)
                            .pollLog2(6).originTs(origin).receiveTs(origin == 0 ? 0 : origin + 4).transmitTs(seq << 1);
                    out.length(i, NtpPacket.HEADER_LENGTH);
                }
            }
        }
        if (client.send(out, BATCH) != BATCH) {
            wrong++;
        }
        sent += BATCH;
        int handled = 0;
        for (int spin = 0; handled < BATCH && spin < 100_000; spin++) {
            handled += worker.doWork();
        }
        int got = 0;
        for (int spin = 0; got < BATCH && spin < 100_000; spin++) {
            int n = client.receive(in, BATCH - got);
            if (n > 0) {
                for (int i = 0; i < n; i++) {
                    check(in, i, got + i);
                }
                got += n;
            }
        }
        answered += got;
    }

    private void check(PacketBatch in, int i, int slotSent) {
        reply.wrap(in.data(i), 0, in.length(i));
        if (reply.mode() != NtpPacket.MODE_SERVER || reply.stratum() != 2 || in.family(i) != Net.AF_INET) {
            wrong++;
        }
        if ((slotSent & 3) == 2) {
            int c = ntsOfSlot[slotSent];
            boolean ok = in.length(i) == ntsRequests[c].length
                    && ntsCodecs[c].response(in.data(i), 0, in.length(i), ntsUids[c], 32, jar) == NtsClientCodec.OK;
            ntsAnswers += ok ? 1 : 0;
            wrong += ok ? 0 : 1;
            return;
        }
        if ((slotSent & 3) == 3) {
            boolean ok = in.length(i) == macRequest.length && clientMac.verify(in.data(i), 0, in.length(i)) == MacEngine.OK;
            macAnswers += ok ? 1 : 0;
            wrong += ok ? 0 : 1;
            return;
        }
        long origin = reply.originTs();
        if ((origin & 1) == 1) {
            interleavedAnswers++; // origin = our request's receive field (a server RX value + 4): odd
        } else if ((origin >>> 1) >= sent) {
            wrong++; // a basic reply's origin is a transmit value we sent (seq << 1): even
        }
        serverRxBySlot[slotSent] = reply.receiveTs();
    }
}
