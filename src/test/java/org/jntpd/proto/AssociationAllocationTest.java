package org.jntpd.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.jntpd.clock.ReadOnlyClock;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SourceConfig;
import org.jntpd.sync.SystemState;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The client's packet path allocates nothing: {@link Association#poll} writes its request into the caller's
 * {@link NtpPacket} and {@link Association#receive} reads the reply in place, through the sample it gives its source.
 * Measured with the thread's allocation counter once the JIT has compiled the path.
 */
class AssociationAllocationTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_767_225_600L * S;
    private static final int EXCHANGES = 5_000;

    @Test
    void shouldPollAndTakeRepliesWithoutAllocating() {
        Synchroniser sync = new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults());
        SystemState unsynced = sync.state();
        Association a = new Association(AssociationConfig.server().withXleave(true).withPoll(0, 0),
                sync.addSource(SourceConfig.of("s", 1)), new SplittableRandom(1), T0);
        NtpPacket request = new NtpPacket().wrap(MemorySegment.ofArray(new byte[NtpPacket.HEADER_LENGTH]), 0,
                NtpPacket.HEADER_LENGTH);
        NtpPacket reply = new NtpPacket().wrap(MemorySegment.ofArray(new byte[NtpPacket.HEADER_LENGTH]), 0,
                NtpPacket.HEADER_LENGTH);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long t = T0;
        long samples = 0;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 15 && best > 0; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < EXCHANGES; k++) {
                a.poll(t, request, unsynced);
                // A server 5 ms ahead, 10 ms each way, T3 1 ms after T2; every other reply a duplicate (rejected).
                long t2 = t + 15 * MS;
                reply.leapVersionMode(0, 4, NtpPacket.MODE_SERVER).stratum(1).pollLog2(request.pollLog2()).precisionLog2(-20)
                        .refId(0x47505300).referenceTs(NtpTimestamp.fromUnixNs(t2 - S)).originTs(request.transmitTs())
                        .receiveTs(NtpTimestamp.fromUnixNs(t2)).transmitTs(NtpTimestamp.fromUnixNs(t2 + MS));
                a.transmitted(request.transmitTs(), t + 50_000);
                if ((a.receive(reply, t + 21 * MS) & Association.SAMPLE) != 0) {
                    samples++;
                }
                a.receive(reply, t + 22 * MS);
                t += S;
            }
            best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0, best, "bytes allocated over " + EXCHANGES + " exchanges");
        assertEquals(PacketVerdict.DUPLICATE, a.lastVerdict());
        assertTrue(samples > EXCHANGES, "samples taken: " + samples);
    }

    /** A broadcast client takes each broadcast in place too (after its fixed-delay start), replays included. */
    @Test
    void shouldTakeBroadcastsWithoutAllocating() {
        Synchroniser sync = new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults());
        NtpPacket broadcast = new NtpPacket().wrap(MemorySegment.ofArray(new byte[NtpPacket.HEADER_LENGTH]), 0,
                NtpPacket.HEADER_LENGTH);
        broadcast.leapVersionMode(0, 4, NtpPacket.MODE_BROADCAST).stratum(1).pollLog2(0).precisionLog2(-20)
                .refId(0x47505300).referenceTs(NtpTimestamp.fromUnixNs(T0 - S)).transmitTs(NtpTimestamp.fromUnixNs(T0));
        Association a = Association.broadcastClient(AssociationConfig.server(), sync.addSource(SourceConfig.of("b", 1)),
                new SplittableRandom(1), 2 * MS, broadcast, T0 + MS);
        long[] t = {T0};
        long[] bestAndSamples = leastAllocated(() -> {
            broadcast.transmitTs(NtpTimestamp.fromUnixNs(t[0] + 3 * MS)); // 3 ms ahead, 1 ms away
            int flags = a.receive(broadcast, t[0] + MS);
            a.receive(broadcast, t[0] + 2 * MS); // the same again: a replay
            t[0] += S;
            return flags & Association.SAMPLE;
        });
        assertEquals(0, bestAndSamples[0], "bytes allocated over " + EXCHANGES + " broadcasts");
        assertEquals(PacketVerdict.DUPLICATE, a.lastVerdict());
        assertEquals(3 * MS, a.lastOffsetNs());
        assertTrue(bestAndSamples[1] > EXCHANGES, "samples taken: " + bestAndSamples[1]);
    }

    /**
     * Runs {@code exchange} {@link #EXCHANGES} times a round, up to 15 rounds (the JIT compiles the path in the first
     * ones): {the fewest bytes a round allocated, how many exchanges returned non-zero}.
     */
    private static long[] leastAllocated(java.util.function.IntSupplier exchange) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long hits = 0;
        for (int round = 0; round < 15 && best > 0; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < EXCHANGES; k++) {
                hits += exchange.getAsInt() != 0 ? 1 : 0;
            }
            best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
        }
        return new long[] {best, hits};
    }
}
