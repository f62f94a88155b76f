package org.jntpd.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.jntpd.clock.ReadOnlyClock;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceConfig;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.SyncStatus;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

class AssociationTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_767_225_600L * S;
    private static final int GPS = NtpPacket.asciiRefId("GPS");

    private final Synchroniser sync = new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults());
    private final SystemState unsynced = sync.state();
    private final SystemState synced = new SystemState(true, 0, 2, 0x0A000001, T0 - S, 0, 0, -20, SyncStatus.SYNCHRONISED);
    private final NtpPacket request = packet();

    /** A flyweight over 48 bytes of its own, as a packet buffer of the daemon's. */
    private static NtpPacket packet() {
        return new NtpPacket().wrap(MemorySegment.ofArray(new byte[NtpPacket.HEADER_LENGTH]), 0, NtpPacket.HEADER_LENGTH);
    }

    private Association association(AssociationConfig cfg) {
        Source s = sync.addSource(SourceConfig.of("s", 1));
        return new Association(cfg, s, new SplittableRandom(1), T0);
    }

    /** A stratum-1 server's answer to {@code req}: received at {@code t2Ns}, sent at {@code t3Ns} (its clock). */
    private static NtpPacket reply(NtpPacket req, long t2Ns, long t3Ns) {
        return packet().leapVersionMode(0, 4, NtpPacket.MODE_SERVER).stratum(1).pollLog2(req.pollLog2()).precisionLog2(-20)
                .rootDelay(0).rootDispersion(NtpShort.fromNs(1_000_000)).refId(GPS)
                .referenceTs(NtpTimestamp.fromUnixNs(t2Ns - 10 * S)).originTs(req.transmitTs())
                .receiveTs(NtpTimestamp.fromUnixNs(t2Ns)).transmitTs(NtpTimestamp.fromUnixNs(t3Ns));
    }

    private static NtpPacket kiss(NtpPacket req, String code) {
        return reply(req, T0, T0).stratum(0).leap(3).refId(NtpPacket.asciiRefId(code)).pollLog2(8);
    }

    @Test
    void shouldSendAMinimalClientRequestWithAnUnpredictableTransmitCookie() {
        Association a = association(AssociationConfig.server());
        assertEquals(T0, a.nextPollNs());
        assertEquals(Association.SEND, a.poll(T0, request, unsynced));
        assertEquals(NtpPacket.MODE_CLIENT, request.mode());
        assertEquals(4, request.version());
        assertEquals(6, request.pollLog2());
        assertEquals(0, request.stratum());
        assertEquals(0, request.originTs());
        assertEquals(0, request.receiveTs());
        assertEquals(0, request.referenceTs());
        assertNotEquals(0, request.transmitTs());
        long first = request.transmitTs();
        long next = a.nextPollNs();
        assertTrue(next - T0 >= 64 * S && next - T0 < 68 * S, "64 s to 64 s + 1/16: " + (next - T0));
        a.poll(next, request, unsynced);
        assertNotEquals(first, request.transmitTs());
    }

    @Test
    void shouldComputeOffsetAndDelayFromTheFourTimestamps() {
        Association a = association(AssociationConfig.server());
        a.poll(T0, request, unsynced);
        // The server's clock is 5 ms ahead; 10 ms each way; 1 ms in the server.
        long t2 = T0 + 10 * MS + 5 * MS;
        long t4 = T0 + 21 * MS;
        assertEquals(Association.SAMPLE, a.receive(reply(request, t2, t2 + MS), t4));
        assertEquals(PacketVerdict.ACCEPTED, a.lastVerdict());
        assertEquals(5 * MS, a.source().offsetNs(t4), 1);
        assertEquals(20 * MS, a.source().minDelayNs());
        assertEquals(1, a.reach());
        assertTrue(a.source().reachable());
    }

    @Test
    void shouldSendTheConfiguredVersion() {
        Association a = association(AssociationConfig.server().withVersion(3));
        a.poll(T0, request, unsynced);
        assertEquals(3, request.version());
        assertEquals(NtpPacket.MODE_CLIENT, request.mode());
    }

    @Test
    void shouldAddTheConfiguredBiasToEveryOffset() {
        Association a = association(AssociationConfig.server().withBiasNs(-2 * MS));
        a.poll(T0, request, unsynced);
        long t2 = T0 + 10 * MS + 5 * MS; // 5 ms ahead, 10 ms each way
        assertEquals(Association.SAMPLE, a.receive(reply(request, t2, t2 + MS), T0 + 21 * MS));
        assertEquals(3 * MS, a.source().offsetNs(T0 + 21 * MS), 1);
        assertEquals(3 * MS, a.lastOffsetNs());
    }

    @Test
    void shouldCountAReplyBeyondMaxDelayAsAnAnswerButTakeNoSample() {
        Association a = association(AssociationConfig.server().withMaxDelayNs(15 * MS));
        a.poll(T0, request, unsynced);
        long t2 = T0 + 15 * MS; // 20 ms round trip: beyond 15 ms
        assertEquals(0, a.receive(reply(request, t2, t2 + MS), T0 + 21 * MS));
        assertEquals(PacketVerdict.MAX_DELAY_EXCEEDED, a.lastVerdict());
        assertEquals(0, a.source().samples());
        assertEquals(1, a.reach(), "the server answered");
        a.poll(T0 + 64 * S, request, unsynced);
        long t2b = T0 + 64 * S + 5 * MS + 5 * MS; // 10 ms round trip: within
        assertEquals(Association.SAMPLE, a.receive(reply(request, t2b, t2b + MS), T0 + 64 * S + 11 * MS));
        assertEquals(1, a.source().samples());
        assertEquals(10 * MS, a.source().minDelayNs());
    }

    @Test
    void shouldTakeTheKernelTransmitTimestampForTheRequestItBelongsTo() {
        Association a = association(AssociationConfig.server());
        a.poll(T0, request, unsynced);
        a.transmitted(request.transmitTs() + 1, T0 + 400_000); // another request's: ignored
        a.transmitted(request.transmitTs(), T0 + 100_000); // the packet left 100 us after poll() ran
        long t2 = T0 + 15 * MS;
        a.receive(reply(request, t2, t2 + MS), T0 + 21 * MS);
        assertEquals(5 * MS - 50_000, a.source().offsetNs(T0 + 21 * MS), 1);
        assertEquals(20 * MS - 100_000, a.source().minDelayNs());
    }

    @Test
    void shouldRejectBogusAndDuplicateResponses() {
        Association a = association(AssociationConfig.server());
        a.poll(T0, request, unsynced);
        NtpPacket good = reply(request, T0 + 15 * MS, T0 + 16 * MS);
        NtpPacket forged = reply(request, T0 + 15 * MS, T0 + 16 * MS);
        forged.originTs(forged.originTs() + 1);
        assertEquals(0, a.receive(forged, T0 + 21 * MS));
        assertEquals(PacketVerdict.BOGUS, a.lastVerdict());
        assertEquals(Association.SAMPLE, a.receive(good, T0 + 21 * MS));
        assertEquals(0, a.receive(good, T0 + 22 * MS));
        assertEquals(PacketVerdict.DUPLICATE, a.lastVerdict());
        assertEquals(1, a.source().samples());
        NtpPacket wrongMode = reply(request, T0, T0);
        wrongMode.mode(NtpPacket.MODE_SYMMETRIC_PASSIVE);
        assertEquals(0, a.receive(wrongMode, T0 + 23 * MS));
        assertEquals(PacketVerdict.INVALID_MODE, a.lastVerdict());
    }

    @Test
    void shouldRejectUnsynchronisedServersButCountThemReachable() {
        Association a = association(AssociationConfig.server());
        a.poll(T0, request, unsynced);
        NtpPacket h = reply(request, T0 + 15 * MS, T0 + 16 * MS);
        h.leap(3);
        // The first such answer changes what selection sees: the daemon runs it again, and the source says why.
        assertEquals(Association.RESELECT, a.receive(h, T0 + 21 * MS));
        assertEquals(PacketVerdict.UNSYNCHRONISED, a.lastVerdict());
        assertEquals(1, a.reach());
        assertEquals(Source.Unusable.UNSYNCHRONISED, a.source().unusable(T0 + 21 * MS, Long.MAX_VALUE));
        assertFalse(a.source().pending(), "an answer, if unsynchronised, is no vote still to come");
        a.poll(T0 + 64 * S, request, unsynced);
        h = reply(request, T0 + 64 * S, T0 + 64 * S);
        h.stratum(16);
        assertEquals(0, a.receive(h, T0 + 64 * S + 21 * MS));
        assertEquals(PacketVerdict.UNSYNCHRONISED, a.lastVerdict());
        assertEquals(0, a.source().samples());
        // A synchronised answer makes it usable again; a later unsynchronised one takes it out at once.
        a.poll(T0 + 128 * S, request, unsynced);
        assertEquals(Association.SAMPLE, a.receive(reply(request, T0 + 128 * S, T0 + 128 * S), T0 + 128 * S + 21 * MS));
        assertNull(a.source().unusable(T0 + 128 * S + 21 * MS, Long.MAX_VALUE));
        a.poll(T0 + 192 * S, request, unsynced);
        h = reply(request, T0 + 192 * S, T0 + 192 * S);
        h.leap(3);
        assertEquals(Association.RESELECT, a.receive(h, T0 + 192 * S + 21 * MS));
        assertEquals(Source.Unusable.UNSYNCHRONISED, a.source().unusable(T0 + 192 * S + 21 * MS, Long.MAX_VALUE));
    }

    @Test
    void shouldConfirmASpikeAfterAnEighthOfMinpollAndGiveTheTimeBackAfterwards() {
        Association a = association(AssociationConfig.server());
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        long t = T0;
        for (int i = 0; i < 400 && a.pollLog2() < 8; i++) {
            t = a.nextPollNs();
            a.poll(t, request, unsynced);
            long up = 100_000 + Math.round(20_000 * r.nextExponential());
            long down = 100_000 + Math.round(20_000 * r.nextExponential());
            a.receive(reply(request, t + up, t + up), t + up + down);
        }
        assertTrue(a.pollLog2() >= 8, "a quiet server: the interval grew to " + a.pollLog2());
        t = a.nextPollNs();
        a.poll(t, request, unsynced);
        long spikeNs = t + 200_000;
        a.receive(reply(request, t + 50 * MS, t + 50 * MS), spikeNs); // 50 ms off, nothing in the delay explains it
        assertEquals(PacketVerdict.SPIKE, a.lastVerdict());
        long confirmNs = a.nextPollNs() - spikeNs;
        // Before: at minpoll (64 s), not one long interval later; now an eighth of that, so that a step of the server
        // (the same jump in the next sample) is taken seconds after it is seen.
        assertTrue(confirmNs >= 8 * S && confirmNs < 8500 * MS, "asks again after 1/8 of minpoll: " + confirmNs);
    }

    @Test
    void shouldGiveTheTimeAnEarlyConfirmationTookBackOverTheNextIntervals() {
        Association a = association(AssociationConfig.server().withPoll(6, 6));
        long t = T0;
        for (int i = 0; i < 20; i++) {
            t = a.nextPollNs();
            a.poll(t, request, unsynced);
            a.receive(reply(request, t + 100_000, t + 100_000), t + 200_000);
        }
        t = a.nextPollNs();
        a.poll(t, request, unsynced);
        long spikeNs = t + 200_000;
        a.receive(reply(request, t + 50 * MS, t + 50 * MS), spikeNs);
        assertEquals(PacketVerdict.SPIKE, a.lastVerdict());
        assertTrue(a.nextPollNs() - spikeNs < 8500 * MS, "confirmed early: " + (a.nextPollNs() - spikeNs));
        for (int k = 1; k <= 5; k++) {
            t = a.nextPollNs();
            a.poll(t, request, unsynced);
            a.receive(reply(request, t + 100_000, t + 100_000), t + 200_000);
            assertEquals(PacketVerdict.ACCEPTED, a.lastVerdict(), "poll " + k);
        }
        // The confirmation borrowed 7/8 of an interval, given back a quarter interval at a time: the fifth poll after
        // the spike comes no sooner than five intervals (each at least 64 s) after it. No more packets than without it.
        assertTrue(t - spikeNs >= 5 * 64 * S, "fifth poll after the spike " + (t - spikeNs) / S + " s after it");
        assertTrue(a.nextPollNs() - t <= 68 * S + 200_000, "then the usual interval: " + (a.nextPollNs() - t));
    }

    @Test
    void shouldStopCountingAsPendingAfterTwoUnansweredRequestsOfABurst() {
        Association a = association(AssociationConfig.server().withIburst(true));
        assertTrue(a.source().pending());
        assertEquals(Association.SEND, a.poll(T0, request, unsynced));
        assertEquals(T0 + 2 * S, a.nextPollNs(), "iburst: 2 s apart");
        assertEquals(Association.SEND, a.poll(a.nextPollNs(), request, unsynced));
        assertTrue(a.source().pending(), "one request unanswered");
        assertEquals(Source.Unusable.AWAITING, a.source().unusable(T0 + 2 * S, Long.MAX_VALUE));
        assertEquals(Association.SEND, a.poll(a.nextPollNs(), request, unsynced));
        assertFalse(a.source().pending(), "two requests unanswered: no longer a vote to wait for");
        assertEquals(Source.Unusable.NOT_ANSWERING, a.source().unusable(T0 + 4 * S, Long.MAX_VALUE));
    }

    @Test
    void shouldSayWhyAPoolMemberIsDropped() {
        Association a = association(AssociationConfig.server().withPool(true));
        int flags = 0;
        for (int i = 0; i < 20 && flags == 0; i++) {
            flags = a.poll(a.nextPollNs(), request, unsynced) & ~Association.SEND;
        }
        assertEquals(Association.DEMOBILISE | Association.REPLACE, flags);
        assertEquals("no answer to 8 polls", a.demobiliseReason());
    }

    @Test
    void shouldRejectALoopAndAServerBeyondMaxdist() {
        Association a = association(AssociationConfig.server().withLocalRefId(0xC0000201));
        a.poll(T0, request, unsynced);
        NtpPacket h = reply(request, T0 + 15 * MS, T0 + 16 * MS);
        h.stratum(3);
        h.refId(0xC0000201);
        assertEquals(0, a.receive(h, T0 + 21 * MS));
        assertEquals(PacketVerdict.LOOP, a.lastVerdict());
        a.poll(T0 + 64 * S, request, unsynced);
        h = reply(request, T0 + 64 * S, T0 + 64 * S);
        h.rootDispersion(NtpShort.fromNs(2 * S));
        assertEquals(0, a.receive(h, T0 + 64 * S + 21 * MS));
        assertEquals(PacketVerdict.DISTANCE_EXCEEDED, a.lastVerdict());
    }

    @Test
    void shouldBackOffOnKissOfDeathRate() {
        Association a = association(AssociationConfig.server());
        a.poll(T0, request, unsynced);
        NtpPacket forged = kiss(request, "RATE");
        forged.originTs(12345);
        assertEquals(0, a.receive(forged, T0 + MS));
        assertEquals(PacketVerdict.BOGUS, a.lastVerdict(), "a KoD must answer our request");
        assertEquals(6, a.pollLog2());
        assertEquals(0, a.receive(kiss(request, "RATE"), T0 + MS));
        assertEquals(PacketVerdict.KOD_RATE, a.lastVerdict());
        assertEquals(8, a.pollLog2(), "at least the server's poll (8)");
        assertEquals(8, a.minPollLog2());
        assertTrue(a.nextPollNs() >= T0 + MS + 256 * S * 31 / 32, "next poll in 256 s");
        assertFalse(a.demobilised());
    }

    @Test
    void shouldDemobiliseOnKissOfDeathDenyAndReplaceAPoolMember() {
        Association server = association(AssociationConfig.server());
        server.poll(T0, request, unsynced);
        assertEquals(Association.DEMOBILISE, server.receive(kiss(request, "DENY"), T0 + MS));
        assertTrue(server.demobilised());
        assertEquals(Long.MAX_VALUE, server.nextPollNs());
        assertEquals(0, server.poll(T0 + 64 * S, request, unsynced));

        Association member = association(AssociationConfig.server().withPool(true));
        member.poll(T0, request, unsynced);
        assertEquals(Association.DEMOBILISE | Association.REPLACE, member.receive(kiss(request, "RSTR"), T0 + MS));
    }

    @Test
    void shouldMarkAnUnansweredServerUnreachableBackOffToMaxpollAndReturnToMinpollWhenItAnswers() {
        Association a = association(AssociationConfig.server());
        long t = T0;
        a.poll(t, request, unsynced);
        t += 64 * S;
        a.poll(t, request, unsynced);
        a.receive(reply(request, t + 15 * MS, t + 16 * MS), t + 21 * MS);
        assertEquals(1, a.reach());
        for (int i = 0; i < 8; i++) {
            t = a.nextPollNs();
            a.poll(t, request, unsynced);
        }
        assertEquals(0, a.reach());
        assertFalse(a.source().reachable());
        assertEquals(7, a.pollLog2(), "one step once 4 requests went unanswered; 7 known unanswered, the 8th still out");
        a.poll(a.nextPollNs(), request, unsynced);
        assertEquals(8, a.pollLog2(), "another step after 8");
        for (int i = 0; i < 24; i++) {
            a.poll(a.nextPollNs(), request, unsynced);
        }
        assertEquals(10, a.pollLog2(), "up to maxpoll: a server gone for a day costs about 90 requests, as with chronyd");
        t = a.nextPollNs();
        a.poll(t, request, unsynced);
        a.receive(reply(request, t + 15 * MS, t + 16 * MS), t + 21 * MS);
        assertEquals(6, a.pollLog2(), "back: its estimate aged, so measure at minpoll again");
        long nextS = (a.nextPollNs() - (t + 21 * MS)) / S;
        assertTrue(nextS >= 60 && nextS <= 68, "from now on, not after the long interval scheduled before: " + nextS + " s");
    }

    @Test
    void shouldDropAnUnreachablePoolMemberForAReplacement() {
        Association a = association(AssociationConfig.server().withPool(true));
        int flags = 0;
        int polls = 0;
        while (flags == 0 || flags == Association.SEND) {
            flags = a.poll(a.nextPollNs(), request, unsynced);
            polls++;
        }
        assertEquals(Association.DEMOBILISE | Association.REPLACE, flags);
        assertEquals(Association.POLLS_TO_DROP, polls, "dropped at the 8th poll without an answer");
    }

    @Test
    void shouldSendAnInitialBurstWithIburst() {
        Association a = association(AssociationConfig.server().withIburst(true));
        long t = T0;
        for (int i = 0; i < Association.BURST_COUNT; i++) {
            assertEquals(t, a.nextPollNs());
            assertEquals(Association.SEND, a.poll(t, request, unsynced));
            a.receive(reply(request, t + 15 * MS, t + 16 * MS), t + 21 * MS);
            t += 2 * S;
        }
        assertEquals(8, a.source().samples());
        assertTrue(a.nextPollNs() - (t - 2 * S) > 60 * S, "then the normal poll interval");
    }

    @Test
    void shouldSendABurstAtOnceWhenAskedAndThenPollAsBefore() {
        Association a = association(AssociationConfig.server().withPoll(6, 6)); // no iburst, no burst
        long t = T0;
        assertEquals(Association.SEND, a.poll(t, request, unsynced));
        a.receive(reply(request, t + 15 * MS, t + 16 * MS), t + 21 * MS);
        assertTrue(a.nextPollNs() - t > 60 * S, "one request, then 64 s");
        t += 5 * S;
        assertFalse(a.inBurst());
        a.burstNow(t); // jntpc burst
        assertTrue(a.inBurst(), "jntpc activity counts it in a burst at once");
        for (int i = 0; i < Association.BURST_COUNT; i++) {
            assertEquals(t, a.nextPollNs(), "request " + i + " of the burst");
            assertEquals(Association.SEND, a.poll(t, request, unsynced));
            a.receive(reply(request, t + 15 * MS, t + 16 * MS), t + 21 * MS);
            t += 2 * S;
        }
        assertEquals(1 + Association.BURST_COUNT, a.source().samples());
        assertEquals(1 + Association.BURST_COUNT, a.sent());
        assertFalse(a.inBurst());
        assertTrue(a.nextPollNs() - (t - 2 * S) > 60 * S, "then the normal poll interval");
    }

    @Test
    void shouldDrawThePollIntervalFromOneToOneAndASixteenthOfIt() {
        Association a = association(AssociationConfig.server().withPoll(6, 6));
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        long sum = 0;
        long t = T0;
        for (int i = 0; i < 200; i++) {
            a.poll(t, request, unsynced);
            long interval = a.nextPollNs() - t;
            min = Math.min(min, interval);
            max = Math.max(max, interval);
            sum += interval;
            t = a.nextPollNs();
        }
        // Never shorter than 64 s (chronyd waits 64 s to 64 s + 2%, ntpd 64 s to 64 s + 1/16): no more requests.
        assertTrue(min >= 64 * S && max < 68 * S, min + " .. " + max);
        assertTrue(max - min > 2 * S, "spread: " + (max - min));
        assertTrue(sum / 200 > 65 * S, "mean " + sum / 200);
    }

    @Test
    void shouldCountAClientsPollIntervalFromTheReply() {
        Association a = association(AssociationConfig.server().withPoll(6, 6));
        a.poll(T0, request, unsynced);
        long fromRequest = a.nextPollNs();
        a.receive(reply(request, T0 + 20 * MS, T0 + 21 * MS), T0 + 41 * MS);
        assertEquals(PacketVerdict.ACCEPTED, a.lastVerdict());
        assertEquals(fromRequest + 41 * MS, a.nextPollNs(), "a 41 ms round trip lengthens the interval by 41 ms");
        a.receive(reply(request, T0 + 20 * MS, T0 + 21 * MS), T0 + 90 * MS);
        assertEquals(fromRequest + 41 * MS, a.nextPollNs(), "a duplicate moves nothing");
    }

    @Test
    void shouldMeasureASymmetricPeerFromBothSides() {
        // A's clock is true time, B's is 3 ms ahead; 1 ms each way.
        Association a = new Association(AssociationConfig.peer(), sync.addSource(SourceConfig.of("b", 2)),
                new SplittableRandom(1), T0);
        NtpPacket pa = packet();
        assertEquals(Association.SEND, a.poll(T0, pa, synced));
        assertEquals(NtpPacket.MODE_SYMMETRIC_ACTIVE, pa.mode());
        assertEquals(2, pa.stratum());
        assertEquals(0x0A000001, pa.refId());
        assertEquals(NtpTimestamp.fromUnixNs(T0), pa.transmitTs(), "symmetric packets carry real time");

        long rxB = T0 + MS + 3 * MS;
        Association b = Association.passive(AssociationConfig.peer(), sync.addSource(SourceConfig.of("a", 3)),
                new SplittableRandom(2), pa, rxB);
        assertEquals(rxB, b.nextPollNs(), "a passive association answers at once");
        NtpPacket pb = packet();
        b.poll(rxB, pb, synced);
        assertEquals(NtpPacket.MODE_SYMMETRIC_PASSIVE, pb.mode());
        assertEquals(pa.transmitTs(), pb.originTs());

        long rxA = T0 + 2 * MS;
        assertEquals(Association.SAMPLE, a.receive(pb, rxA));
        assertEquals(3 * MS, a.source().offsetNs(rxA), 1);
        assertEquals(2 * MS, a.source().minDelayNs());

        long sendA = T0 + 10 * S;
        a.poll(sendA, pa, synced);
        assertEquals(pb.transmitTs(), pa.originTs());
        long rxB2 = sendA + MS + 3 * MS;
        assertEquals(Association.SAMPLE, b.receive(pa, rxB2));
        assertEquals(-3 * MS, b.source().offsetNs(rxB2), 1);
        assertEquals(2 * MS, b.source().minDelayNs());
    }

    @Test
    void shouldMoveItsLocalTimestampsWithAClockStep() {
        Association a = association(AssociationConfig.server());
        a.poll(T0, request, unsynced);
        long next = a.nextPollNs();
        a.onClockStep(T0 + 5 * MS + S, S); // stepped 1 s forward while the request was out
        assertEquals(next + S, a.nextPollNs());
        long t2 = T0 + 15 * MS;
        assertEquals(Association.SAMPLE, a.receive(reply(request, t2, t2 + MS), T0 + 21 * MS + S));
        assertEquals(5 * MS - S, a.source().offsetNs(T0 + 21 * MS + S), 1);
    }

    /**
     * A server that answers as chrony does: interleaved when a request's origin names its receive timestamp of an
     * earlier request whose reply's precise (kernel) TX time it kept; basic otherwise. Its clock is 5 ms ahead;
     * 10 ms each way; it reads T3 1 ms after T2, but the reply leaves 50 us later than that reading.
     */
    private static final class InterleavingServer {
        long savedRx;
        long savedTx;

        NtpPacket answer(NtpPacket req, long trueNs) {
            long t2 = trueNs + 10 * MS + 5 * MS;
            long t3Read = t2 + MS;
            long t3Sent = t3Read + 50_000;
            boolean interleave = req.originTs() != 0 && req.originTs() == savedRx && req.receiveTs() != req.transmitTs();
            NtpPacket h = packet().leapVersionMode(0, 4, NtpPacket.MODE_SERVER).stratum(1).pollLog2(req.pollLog2())
                    .precisionLog2(-20).refId(GPS).originTs(interleave ? req.receiveTs() : req.transmitTs())
                    .receiveTs(NtpTimestamp.fromUnixNs(t2) | 1)
                    .transmitTs(interleave ? savedTx : NtpTimestamp.fromUnixNs(t3Read));
            savedRx = h.receiveTs();
            savedTx = NtpTimestamp.fromUnixNs(t3Sent);
            return h;
        }
    }

    @Test
    void shouldUseInterleavedRepliesForTheServersPreciseTransmitTime() {
        Association a = association(AssociationConfig.server().withXleave(true).withPoll(0, 0));
        InterleavingServer server = new InterleavingServer();
        long t = T0;
        long[] offsets = new long[4];
        boolean[] interleaved = new boolean[4];
        for (int i = 0; i < 4; i++) {
            assertEquals(Association.SEND, a.poll(t, request, unsynced));
            if (i == 0) {
                assertEquals(0, request.originTs(), "the first request is basic");
            } else {
                assertNotEquals(0, request.originTs(), "later ones name the server's last receive timestamp");
                assertNotEquals(request.receiveTs(), request.transmitTs());
            }
            NtpPacket reply = server.answer(request, t);
            long t4 = t + 21 * MS + 50_000;
            assertEquals(Association.SAMPLE, a.receive(reply, t4), a.lastVerdict().toString());
            offsets[i] = a.lastOffsetNs();
            interleaved[i] = a.lastInterleaved();
            t += 2 * S;
        }
        // Basic replies carry the server's early T3 reading: 25 us of error. Interleaved ones are exact.
        assertFalse(interleaved[0]);
        assertEquals(5 * MS - 25_000, offsets[0], 2);
        assertTrue(interleaved[2] && interleaved[3], "interleaved from the second reply on");
        assertEquals(5 * MS, offsets[3], 2);
        assertEquals(20 * MS, a.lastDelayNs(), 2);
    }

    @Test
    void shouldStayBasicWithoutXleaveAndAcceptABasicFallback() {
        Association a = association(AssociationConfig.server().withPoll(0, 0));
        a.poll(T0, request, unsynced);
        assertEquals(0, request.originTs());
        a.receive(reply(request, T0 + 10 * MS, T0 + 11 * MS), T0 + 21 * MS);
        a.poll(T0 + S, request, unsynced);
        assertEquals(0, request.originTs(), "no interleaved request without xleave");
        assertEquals(0, request.receiveTs());
        // With xleave, a server that never interleaves still gives basic samples.
        Association x = association(AssociationConfig.server().withXleave(true).withPoll(0, 0));
        for (int i = 0; i < 3; i++) {
            x.poll(T0 + i * S, request, unsynced);
            assertEquals(Association.SAMPLE, x.receive(reply(request, T0 + i * S + 10 * MS, T0 + i * S + 11 * MS),
                    T0 + i * S + 21 * MS));
            assertFalse(x.lastInterleaved());
        }
    }
}
