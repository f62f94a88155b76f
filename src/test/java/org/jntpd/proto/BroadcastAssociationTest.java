package org.jntpd.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.jntpd.clock.ReadOnlyClock;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceConfig;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.Synchroniser;
import org.jntpd.sync.SystemState;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The broadcast client (RFC 5905 mode 5, ntpd's ephemeral association) with known timestamps: the calibration's client
 * exchanges, the delay they give, and the offset of each broadcast, T3 + delay / 2 - T4, to the nanosecond.
 */
class BroadcastAssociationTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long US = 1_000L;
    private static final long T0 = 1_767_225_600L * S;
    private static final int GPS = NtpPacket.asciiRefId("GPS");

    private final Synchroniser sync = new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults());
    private final SystemState unsynced = sync.state();
    private final NtpPacket request = packet();

    private static NtpPacket packet() {
        return new NtpPacket().wrap(MemorySegment.ofArray(new byte[NtpPacket.HEADER_LENGTH]), 0, NtpPacket.HEADER_LENGTH);
    }

    /** A stratum-1 server's broadcast, sent at {@code t3Ns} by its clock, every 2^poll s. */
    private static NtpPacket broadcast(long t3Ns, int poll) {
        return packet().leapVersionMode(0, 4, NtpPacket.MODE_BROADCAST).stratum(1).pollLog2(poll).precisionLog2(-20)
                .rootDelay(0).rootDispersion(NtpShort.fromNs(MS)).refId(GPS)
                .referenceTs(NtpTimestamp.fromUnixNs(t3Ns - 10 * S)).originTs(0).receiveTs(0)
                .transmitTs(NtpTimestamp.fromUnixNs(t3Ns));
    }

    /** The server's answer to the calibration request {@code req}: received at {@code t2Ns}, sent at {@code t3Ns}. */
    private static NtpPacket reply(NtpPacket req, long t2Ns, long t3Ns) {
        return packet().leapVersionMode(0, 4, NtpPacket.MODE_SERVER).stratum(1).pollLog2(6).precisionLog2(-20)
                .rootDelay(0).rootDispersion(NtpShort.fromNs(MS)).refId(GPS)
                .referenceTs(NtpTimestamp.fromUnixNs(t2Ns - 10 * S)).originTs(req.transmitTs())
                .receiveTs(NtpTimestamp.fromUnixNs(t2Ns)).transmitTs(NtpTimestamp.fromUnixNs(t3Ns));
    }

    private Association mobilise(long fixedDelayNs, NtpPacket first, long rxNs) {
        Source s = sync.addSource(SourceConfig.of("198.18.0.1", 1));
        return Association.broadcastClient(AssociationConfig.server(), s, new SplittableRandom(1), fixedDelayNs, first,
                rxNs);
    }

    @Test
    void shouldCalibrateWithClientExchangesThenCorrectEachBroadcastByHalfTheLeastDelay() {
        // The server is 3 ms ahead of us; the path is 400 us each way (plus queueing on some exchanges).
        long ahead = 3 * MS;
        long oneWay = 400 * US;
        NtpPacket first = broadcast(T0 + ahead, 4);
        Association a = mobilise(0, first, T0 + oneWay);
        assertEquals(0, a.receive(first, T0 + oneWay));
        assertEquals(PacketVerdict.CALIBRATING, a.lastVerdict());
        assertFalse(a.calibrated());
        assertEquals(T0 + oneWay, a.nextPollNs(), "the calibration starts at once");

        long[] extraUs = {250, 0, 90, 30}; // queueing of each exchange's reply: the second is clean
        long t = T0 + oneWay;
        for (int i = 0; i < Association.CALIBRATION_EXCHANGES; i++) {
            assertEquals(Association.SEND, a.poll(t, request, unsynced));
            assertEquals(NtpPacket.MODE_CLIENT, request.mode(), "calibration requests are client requests");
            long t2 = t + oneWay + ahead;
            long t4 = t + 2 * oneWay + 50 * US + extraUs[i] * US;
            assertEquals(Association.SAMPLE, a.receive(reply(request, t2, t2 + 50 * US), t4), "exchange " + i);
            assertTrue(a.nextPollNs() - t <= 2 * S, "2 s apart at most");
            t = a.nextPollNs();
        }
        assertEquals(0, a.poll(t, request, unsynced), "calibrated: nothing more is sent");
        assertTrue(a.calibrated());
        assertEquals(2 * oneWay, a.broadcastDelayNs(), "the least round trip of the four");
        assertEquals(4, a.sent());

        // Broadcasts now: T3 by the server's clock (3 ms ahead), received one way later.
        long t3 = t + 10 * S + ahead;
        long t4 = t + 10 * S + oneWay;
        assertEquals(Association.SAMPLE, a.receive(broadcast(t3, 4), t4));
        assertEquals(PacketVerdict.ACCEPTED, a.lastVerdict());
        assertEquals(t3 + oneWay - t4, a.lastOffsetNs(), "T3 + delay/2 - T4");
        assertEquals(ahead, a.lastOffsetNs());
        assertEquals(2 * oneWay, a.lastDelayNs());
        assertEquals(4, a.pollLog2(), "the server's broadcast interval");
    }

    @Test
    void shouldTakeTheFirstBroadcastAtOnceWithAFixedBroadcastDelay() {
        NtpPacket first = broadcast(T0 - 7 * MS, 6); // the server is 7 ms behind... and 2 ms away
        Association a = mobilise(4 * MS, first, T0 + 2 * MS);
        assertTrue(a.calibrated());
        long t4 = T0 + 2 * MS;
        assertEquals(Association.SAMPLE, a.receive(first, t4));
        assertEquals(T0 - 7 * MS + 2 * MS - t4, a.lastOffsetNs());
        assertEquals(-7 * MS, a.lastOffsetNs());
        assertEquals(0, a.poll(a.nextPollNs(), request, unsynced), "no calibration: nothing is ever sent");
        assertEquals(0, a.sent());
    }

    @Test
    void shouldTakeNtpdsDefaultDelayWhenTheServerNeverAnswersTheCalibration() {
        NtpPacket first = broadcast(T0, 6);
        Association a = mobilise(0, first, T0);
        a.receive(first, T0);
        long t = T0;
        for (int i = 0; i < Association.CALIBRATION_EXCHANGES; i++) {
            assertEquals(Association.SEND, a.poll(t, request, unsynced));
            t = a.nextPollNs();
        }
        assertEquals(0, a.poll(t, request, unsynced));
        assertEquals(Association.DEFAULT_BROADCAST_DELAY_NS, a.broadcastDelayNs());
        long t3 = t + S;
        assertEquals(Association.SAMPLE, a.receive(broadcast(t3, 6), t3 + 2 * MS));
        assertEquals(0, a.lastOffsetNs(), "2 ms one way, taken as 4 ms / 2");
    }

    @Test
    void shouldDropAReplayedOrOlderBroadcast() {
        NtpPacket first = broadcast(T0, 6);
        Association a = mobilise(MS, first, T0 + MS / 2);
        assertEquals(Association.SAMPLE, a.receive(first, T0 + MS / 2));
        assertEquals(0, a.receive(broadcast(T0, 6), T0 + 64 * S));
        assertEquals(PacketVerdict.DUPLICATE, a.lastVerdict());
        assertEquals(0, a.receive(broadcast(T0 - S, 6), T0 + 64 * S));
        assertEquals(PacketVerdict.DUPLICATE, a.lastVerdict());
        assertEquals(1, a.source().samples());
    }

    @Test
    void shouldRefuseAServerReplyThatAnswersNoRequestAndAnUnsynchronisedBroadcast() {
        NtpPacket first = broadcast(T0, 6);
        Association a = mobilise(MS, first, T0);
        NtpPacket stray = reply(request, T0, T0);
        assertEquals(0, a.receive(stray, T0 + S));
        assertEquals(PacketVerdict.BOGUS, a.lastVerdict(), "no calibration request is outstanding");
        NtpPacket unsync = broadcast(T0 + S, 6).leap(NtpPacket.LEAP_UNSYNCHRONIZED).stratum(0);
        a.receive(unsync, T0 + S);
        assertEquals(PacketVerdict.UNSYNCHRONISED, a.lastVerdict());
        NtpPacket symmetric = broadcast(T0 + 2 * S, 6).leapVersionMode(0, 4, NtpPacket.MODE_SYMMETRIC_ACTIVE);
        a.receive(symmetric, T0 + 2 * S);
        assertEquals(PacketVerdict.INVALID_MODE, a.lastVerdict());
    }

    @Test
    void shouldShiftReachEachIntervalAndDemobiliseAfterEightSilentOnes() {
        NtpPacket first = broadcast(T0, 4);
        Association a = mobilise(MS, first, T0);
        a.receive(first, T0);
        assertEquals(1, a.reach());
        long t = a.nextPollNs();
        assertTrue(t - T0 >= 16 * S && t - T0 <= 17 * S, "the server's 16 s and 1/16 more: " + (t - T0));
        int flags = 0;
        int polls = 0;
        while ((flags & Association.DEMOBILISE) == 0 && polls < 20) {
            flags = a.poll(t, request, unsynced);
            t = a.nextPollNs();
            polls++;
        }
        assertTrue(a.demobilised());
        assertEquals(Association.DEMOBILISE, flags, "an ephemeral association goes, and no pool replaces it");
        assertEquals(15, polls, "8 polls shift the answered bit out, that one and 7 more find it empty (POLLS_TO_DROP)");
    }

    /**
     * Broadcasts that leave late by a varying amount after their T3 was read (a server whose CPU was taken away between
     * the clock reading and the send), which the client sees only as offsets too low by that lateness, after a
     * calibration whose replies were precise to microseconds. Two kinds, as captured here (BroadcastTest): chronyd's,
     * which stamps T3 before the send (10 us at best, often 100-500 us more), and jntpd's, which adds the median
     * send latency (-400..+700 us about it on this host's busy vCPUs). The client must average them (its error within
     * reach of the mean lateness), not take each one for a step of the server: before the broadcasts' scatter was
     * their dispersion, every late one was a spike, every third taken as a step, and the frequency jumped with it
     * (worst error 0.95 ms for the second kind at 2 s intervals over these seeds, 2.3 ms with calibration replies
     * scattered by 100 us; now 0.28 ms at most). Not a free gain: at 64 s the second kind's median error came to
     * 100-120 us, where it was ~36 us (its worst 0.5 ms, was 0.35); the first kind's median doubled to ~30-40 us, its
     * worst within 0.3 ms as before.
     */
    @Test
    void shouldAverageBroadcastsThatLeaveLateByVaryingAmounts() {
        List<String> failed = new ArrayList<>();
        for (int seed = 1; seed <= 6; seed++) {
            for (boolean twoSided : new boolean[] {false, true}) {
                late(0, 1, seed, twoSided, failed);
                late(20, 1, seed, twoSided, failed);
                late(20, 6, seed, twoSided, failed);
                late(-50, 4, seed, twoSided, failed);
            }
        }
        assertTrue(failed.isEmpty(), "median |error + mean lateness| within 130 us, worst within 550 us: " + failed);
    }

    /**
     * 300 broadcasts 2^poll s apart from a server 3 ms ahead whose clock runs {@code freqPpm} fast against ours, after
     * the calibration; the client's error judged over the last 200.
     */
    private void late(double freqPpm, int poll, int seed, boolean twoSided, List<String> failed) {
        long ahead = 3 * MS;
        long oneWay = 20 * US;
        SplittableRandom rnd = new SplittableRandom(seed);
        Source src = new Synchroniser(new ReadOnlyClock(T0), SyncConfig.defaults())
                .addSource(SourceConfig.of("198.18.0.1", 1));
        NtpPacket first = broadcast(T0 + ahead, poll);
        long t = T0 + oneWay;
        Association a = Association.broadcastClient(AssociationConfig.server(), src, new SplittableRandom(1), 0, first, t);
        a.receive(first, t);
        for (int i = 0; i < Association.CALIBRATION_EXCHANGES; i++) {
            a.poll(t, request, unsynced);
            long t2 = t + oneWay + ahead + (long) ((t - T0) * freqPpm * 1e-6);
            a.receive(reply(request, t2, t2 + 5 * US), t + 2 * oneWay + 5 * US + rnd.nextLong(5 * US));
            t = a.nextPollNs();
        }
        a.poll(t, request, unsynced);
        assertTrue(a.calibrated());
        long[] errors = new long[200];
        long lateSumNs = 0;
        for (int i = 0; i < 300; i++) {
            t += (1L << poll) * S;
            long lateNs = twoSided ? rnd.nextLong(-400 * US, 700 * US)
                    : 10 * US + (long) (-80 * US * Math.log(1 - rnd.nextDouble()))
                            + (rnd.nextDouble() < 0.2 ? rnd.nextLong(100 * US, 500 * US) : 0);
            long t4 = t + lateNs + oneWay;
            long serverNs = ahead + (long) ((t - T0) * freqPpm * 1e-6);
            a.receive(broadcast(t + serverNs, poll), t4);
            if (i >= 100) {
                errors[i - 100] = Math.round(a.source().offsetNs(t4)) - serverNs;
                lateSumNs += lateNs;
            }
        }
        long meanLateNs = lateSumNs / errors.length;
        long[] abs = Arrays.stream(errors).map(e -> Math.abs(e + meanLateNs)).sorted().toArray();
        if (abs[abs.length / 2] > 130 * US || abs[abs.length - 1] > 550 * US) {
            failed.add(String.format(Locale.ROOT, "%s %+.0f ppm poll %d seed %d: median %d us, max %d us",
                    twoSided ? "two-sided" : "one-sided", freqPpm, poll, seed, abs[abs.length / 2] / US,
                    abs[abs.length - 1] / US));
        }
    }
}
