package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigParser;
import org.jntpd.refclock.Refclock.Verdict;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

class RefclockTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    private static List<Refclock> fromConfig(String text, SystemReference system) throws Exception {
        Config c = ConfigParser.parse("test.conf", text, Path.of("."));
        List<Refclock> clocks = new ArrayList<>();
        for (int i = 0; i < c.refclocks().size(); i++) {
            clocks.add(new Refclock(RefclockSettings.from(c.refclocks().get(i), i, 20), system));
        }
        return clocks;
    }

    @Test
    void shouldResolveSettingsFromAConfigLine() throws Exception {
        List<Refclock> clocks = fromConfig("""
                refclock SHM 0 refid NMEA offset 0.012 delay 0.2 poll 3
                refclock PPS /dev/pps0 lock NMEA width 0.1 flag2 1 filter 8 precision 1e-7
                refclock sock /run/chrony.ttyS0.sock
                """, SystemReference.UNSYNCHRONISED);
        RefclockSettings shm = clocks.get(0).settings();
        assertEquals("NMEA", shm.refId());
        assertEquals(12 * MS, shm.offsetNs());
        assertEquals(200 * MS, shm.delayNs());
        assertEquals(3, shm.pollLog2());
        assertEquals(RefclockSettings.DEFAULT_FILTER_LENGTH, shm.filterLength());
        assertEquals(20, shm.precisionNs(), "the system precision when none is configured");
        assertEquals(16 * S, shm.maxSampleAgeNs(), "two polls");
        RefclockSettings pps = clocks.get(1).settings();
        assertEquals("PPS1", pps.refId(), "chrony's default: driver and index");
        assertEquals("NMEA", pps.lockRefId());
        assertEquals(100 * MS, pps.widthNs());
        assertTrue(pps.clearEdge(), "flag2 selects the clear edge");
        assertEquals(8, pps.filterLength());
        assertEquals(100, pps.precisionNs());
        assertEquals(-23, pps.precisionLog2(), "2^-23 s = 119 ns covers 100 ns");
        assertEquals(0x4E4D4541, shm.refIdBits(), "NMEA");
        assertEquals(0x50505331, pps.refIdBits(), "PPS1");
        assertEquals("SOC2", clocks.get(2).settings().refId());

        assertTrue(Refclock.resolveLocks(clocks).isEmpty());
        assertSame(clocks.get(0), clocks.get(1).lockedTo());
    }

    @Test
    void shouldNameALockThatResolvesToNothing() throws Exception {
        // The parser refuses a lock that names nothing: the clock it names is left out here, after parsing.
        List<Refclock> clocks = fromConfig("""
                refclock SHM 0 refid GPS
                refclock PPS /dev/pps0 lock NMEA
                refclock SHM 1 refid NMEA
                """, SystemReference.UNSYNCHRONISED).subList(0, 2);
        List<String> problems = Refclock.resolveLocks(clocks);
        assertEquals(List.of("refclock PPS1: 'lock NMEA' names no other configured reference clock (expected one of GPS)"),
                problems);
        assertNull(clocks.get(1).lockedTo());
    }

    @Test
    void shouldTurnAFullSampleIntoReferenceMinusLocalPlusTheConfiguredOffset() {
        Refclock c = new Refclock(RefclockSettings.defaults("shm", "SHM0").withCorrections(5 * MS, 0, 0, 100),
                SystemReference.UNSYNCHRONISED);
        long local = T0;
        assertEquals(Verdict.ACCEPTED, c.addSample(local + 200 * MS, local, local + 3 * S + 1234, 0, 0));
        RefclockSample s = c.poll();
        assertEquals(local, s.localTimeNs());
        assertEquals(3 * S + 1234 + 5 * MS, s.offsetNs(), "reference - local + offset: the local clock is behind");
        assertEquals(1, s.samples());
        assertTrue(c.reachedLastPoll());
        assertNull(c.poll(), "nothing since");
        assertFalse(c.reachedLastPoll());
    }

    @Test
    void shouldRefuseStaleFutureAndUnsynchronisedSamples() {
        Refclock c = new Refclock(RefclockSettings.defaults("shm", "SHM0"), SystemReference.UNSYNCHRONISED);
        long now = T0;
        assertEquals(Verdict.STALE_TIME, c.addSample(now, now - 33 * S, now, 0, 0), "older than two 16 s polls");
        assertEquals(Verdict.STALE_TIME, c.addSample(now, now + 1, now, 0, 0), "from the future");
        assertEquals(Verdict.BAD_LEAP, c.addSample(now, now - S, now, NtpPacket.LEAP_UNSYNCHRONIZED, 0));
        assertEquals(Verdict.ACCEPTED, c.addSample(now, now - S, now, NtpPacket.LEAP_ADD_SECOND, 0));
        assertEquals(Verdict.NON_INCREASING, c.addSample(now, now - S, now, 0, 0));
        assertEquals(1, c.verdictCount(Verdict.ACCEPTED));
        assertEquals(2, c.verdictCount(Verdict.STALE_TIME));
        assertEquals(NtpPacket.LEAP_ADD_SECOND, c.poll().leap());
    }

    @Test
    void shouldNumberLockedPulsesWithTheCoarseClocksSeconds() {
        // Truth: the local clock is 2.400123 s behind. The coarse clock (NMEA over SHM) says so to within 30 ms.
        Refclock nmea = new Refclock(RefclockSettings.defaults("shm", "NMEA"), SystemReference.UNSYNCHRONISED);
        Refclock pps = new Refclock(RefclockSettings.defaults("pps", "PPS").withLock("NMEA", 2, 200 * MS),
                SystemReference.UNSYNCHRONISED);
        assertTrue(Refclock.resolveLocks(List.of(nmea, pps)).isEmpty());
        long behind = 2_400_123_000L;
        long pulse = T0 + 10 * S - behind; // local clock reading at the true second T0 + 10 s
        assertEquals(Verdict.NO_LOCK_SAMPLE, pps.addPulse(pulse + MS, pulse, Math.floorMod(pulse, S), 0));
        long serialLocal = pulse + 100 * MS;
        nmea.addSample(serialLocal, serialLocal, serialLocal + behind + 30 * MS, 0, 0);
        assertEquals(Verdict.ACCEPTED, pps.addPulse(pulse + 200 * MS, pulse, Math.floorMod(pulse, S), 0));
        RefclockSample s = pps.poll();
        assertEquals(behind, s.offsetNs(), "the pulse's phase, the coarse clock's whole seconds");
        assertEquals(pulse, s.localTimeNs());
        assertTrue(pps.pulseActive());
    }

    @Test
    void shouldRefuseAPulseTheCoarseClockDisagreesWithOrHasNotSeenForLong() {
        Refclock nmea = new Refclock(RefclockSettings.defaults("shm", "NMEA"), SystemReference.UNSYNCHRONISED);
        Refclock pps = new Refclock(RefclockSettings.defaults("pps", "PPS").withLock("NMEA", 2, 200 * MS),
                SystemReference.UNSYNCHRONISED);
        Refclock.resolveLocks(List.of(nmea, pps));
        long pulse = T0 + 10 * S; // truth: the local clock is right
        nmea.addSample(pulse, pulse, pulse + 450 * MS, 0, 0); // the coarse clock is 0.45 s off: ambiguous
        assertEquals(Verdict.LOCK_MISMATCH, pps.addPulse(pulse + MS, pulse, 0, 0));
        nmea.addSample(pulse + S, pulse + S, pulse + S + 150 * MS, 0, 0); // 0.15 s off: within 0.2 s
        assertEquals(Verdict.ACCEPTED, pps.addPulse(pulse + S + MS, pulse + S, 0, 0));
        assertEquals(Verdict.LOCK_TOO_OLD, pps.addPulse(pulse + 3 * S + MS, pulse + 3 * S, 0, 0),
                "the coarse sample is two pulses old");
        assertEquals(0, pps.poll().offsetNs());
    }

    @Test
    void shouldUseTheSystemClockForPulsesOnlyWhileItIsSynchronisedWellEnough() {
        long[] distance = {Long.MAX_VALUE};
        SystemReference system = new SystemReference() {
            @Override
            public long rootDistanceNs(long localTimeNs) {
                return distance[0];
            }

            @Override
            public int leap() {
                return distance[0] == Long.MAX_VALUE ? NtpPacket.LEAP_UNSYNCHRONIZED : NtpPacket.LEAP_NONE;
            }
        };
        Refclock pps = new Refclock(RefclockSettings.defaults("pps", "PPS"), system);
        long pulse = T0 + 5 * S + 37_000; // the local clock is 37 us ahead
        assertEquals(Verdict.SYSTEM_NOT_SYNCHRONISED, pps.addPulse(pulse, pulse, Math.floorMod(pulse, S), 0));
        distance[0] = 250 * MS;
        assertEquals(Verdict.SYSTEM_NOT_SYNCHRONISED, pps.addPulse(pulse, pulse, Math.floorMod(pulse, S), 0),
                "0.25 s is beyond the 0.2 s limit");
        distance[0] = 3 * MS;
        assertEquals(Verdict.ACCEPTED, pps.addPulse(pulse, pulse, Math.floorMod(pulse, S), 0));
        long late = T0 + 6 * S - 1_000; // 1 us behind: phase 999_999_000 wraps to -1000
        assertEquals(Verdict.ACCEPTED, pps.addPulse(late, late, Math.floorMod(late, S), 0));
        RefclockSample s = pps.poll();
        assertEquals((-37_000 + 1_000) / 2, s.offsetNs());
    }

    @Test
    void shouldRejectAPulseFromTheWrongEdgeWhenTheWidthIsKnown() {
        // A 100 ms pulse: its other edge is 100 ms from the second; anything beyond 50 ms is not this edge.
        Refclock pps = new Refclock(RefclockSettings.defaults("pps", "PPS").withPulses(1, 100 * MS, false),
                SystemReference.fixed(MS, 0));
        long clearEdge = T0 + 100 * MS;
        assertEquals(Verdict.WRONG_EDGE, pps.addPulse(clearEdge, clearEdge, 100 * MS, 0));
        assertEquals(Verdict.ACCEPTED, pps.addPulse(T0 + S + 40 * MS, T0 + S + 40 * MS, 40 * MS, 0));
    }

    @Test
    void shouldHandleFasterPulseRates() {
        assertThrows(IllegalArgumentException.class, () -> RefclockSettings.defaults("pps", "PPS").withPulses(7, 0, false),
                "7 Hz does not divide a second into whole ns");
        RefclockSettings tenHz = RefclockSettings.defaults("pps", "PPS").withPulses(10, 0, false);
        assertEquals(100 * MS, tenHz.pulsePeriodNs());
        assertEquals(40 * MS, tenHz.lockLimitNs(), "0.4 periods, below the 0.2 s default");
        Refclock unlocked = new Refclock(tenHz, SystemReference.fixed(MS, 0));
        long pulse = T0 + 300 * MS + 1_234; // 10 Hz: phase within the 100 ms period
        assertEquals(Verdict.ACCEPTED, unlocked.addPulse(pulse, pulse, Math.floorMod(pulse, 100 * MS), 0));
        assertEquals(-1_234, unlocked.poll().offsetNs());
        assertEquals(Verdict.SYSTEM_NOT_SYNCHRONISED, new Refclock(tenHz, SystemReference.fixed(45 * MS, 0)).addPulse(pulse, pulse, 0, 0),
                "45 ms of root distance could be the neighbouring pulse");
    }

    /**
     * A rate change re-expresses the pulses held (1 ppm slower from 8 s on: the pulses 8 and 4 s before move 8 and
     * 4 us later), and the sample says which changes it already holds, so that the loop applies only later ones.
     */
    @Test
    void shouldReexpressHeldPulsesAtARateChangeAndSayWhichChangesTheSampleHolds() {
        Refclock pps = new Refclock(RefclockSettings.defaults("pps", "PPS").withPoll(4, 0),
                SystemReference.fixed(MS, 0));
        assertEquals(Verdict.ACCEPTED, pps.addPulse(T0 + S, T0, 0, 0));
        assertEquals(Verdict.ACCEPTED, pps.addPulse(T0 + 5 * S, T0 + 4 * S, 0, 0));
        pps.onRateChange(T0 + 8 * S, -1e-6, 41);
        assertEquals(Verdict.ACCEPTED, pps.addPulse(T0 + 9 * S, T0 + 8 * S + 1, 1, 0));
        RefclockSample s = pps.poll();
        assertEquals(41, s.rateChanges());
        // Pulses at T0 + 8 us (offset -8 us), T0 + 4 s + 4 us (-4 us), T0 + 8 s + 1 ns (-1 ns): the middle one.
        assertEquals(T0 + 4 * S + 4_000, s.localTimeNs());
        assertEquals(-4_000, s.offsetNs());
        assertNull(pps.poll(), "nothing new: no sample");
    }

    @Test
    void shouldTrackAJitteryPpsThroughTheFilter() {
        // 64 pulses per poll, 2 us Gaussian timestamp noise, local clock 40 us ahead and 5 ppm fast.
        Random rnd = new Random(7);
        Refclock pps = new Refclock(RefclockSettings.defaults("pps", "PPS").withPoll(6, 0), SystemReference.fixed(MS, 0));
        for (int k = 0; k < 64; k++) {
            long pulse = T0 + k * S + 40_000 + k * 5_000 + Math.round(rnd.nextGaussian() * 2000);
            assertEquals(Verdict.ACCEPTED, pps.addPulse(pulse + MS, pulse, Math.floorMod(pulse, S), 0));
        }
        RefclockSample s = pps.poll();
        long expected = -(40_000 + 5_000 * (s.localTimeNs() - T0) / S);
        assertTrue(Math.abs(s.offsetNs() - expected) < 1000, s + " expected offset " + expected);
        assertTrue(s.jitterNs() > 1500 && s.jitterNs() < 2600, "jitter " + s.jitterNs() + " for a true 2000 ns");
        assertTrue(s.dispersionNs() < s.jitterNs(), "the mean of ~38 samples is better than one");
    }
}
