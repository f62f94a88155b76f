package org.jntpd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jntpd.sync.SourceState;
import org.jntpd.sync.SyncStatus;
import org.junit.jupiter.api.Test;

/**
 * The daemon's sync classes in the simulated world of shared/SCENARIOS.md: chrony's pass limits, falsetickers,
 * leap seconds and the step and panic thresholds. A few seeds each; the 100-seed table is bench/simulate.
 */
class AccuracyTest {
    private static final Path SCENARIOS = Path.of(System.getProperty("jntpd.projectDir", "."), "bench", "scenarios");

    private static Scenario scenario(String id) throws IOException {
        return ScenarioParser.parse(SCENARIOS.resolve(id + ".scn"));
    }

    /** Mean RMS of scenario {@code id} over seeds 1..{@code seeds}, s. */
    private static double meanRms(String id, int seeds) throws IOException {
        Scenario sc = scenario(id);
        double sum = 0;
        for (int seed = 1; seed <= seeds; seed++) {
            sum += new Simulation(sc, seed).run().rmsS();
        }
        return sum / seeds;
    }

    private static Scenario inline(String... lines) {
        return ScenarioParser.parse("inline", List.of(lines));
    }

    @Test
    void shouldMeetChronysPassLimitsInTheDefaultScenario() throws IOException {
        Scenario def = scenario("DEF");
        for (long seed = 1; seed <= 5; seed++) {
            Simulation.Result r = new Simulation(def, seed).run();
            String run = "DEF seed " + seed + ": " + r;
            assertTrue(r.syncS() <= 210, run); // |x| < 1 ms and |freq error| < 500 ppm from then on
            assertTrue(r.maxS() <= 1e-3, run);
            assertTrue(r.rmsS() <= 0.3e-3, run);
            assertTrue(r.freqMax() <= 500e-6, run);
            assertTrue(r.freqRms() <= 10e-6, run);
            assertEquals(0, r.steps(), "the initial 0.1 s is slewed: " + run);
        }
    }

    @Test
    void shouldStayWithinAMillisecondWithTwoFalsetickersOfFive() throws IOException {
        for (String id : List.of("FT5-pm0.5", "FT5-009")) {
            Scenario sc = scenario(id);
            for (long seed = 1; seed <= 3; seed++) {
                Simulation.Result r = new Simulation(sc, seed).run();
                assertFalse(r.falsetickerSelected(), id + " seed " + seed + ": " + r);
                assertTrue(r.maxS() < 1e-3, id + " seed " + seed + ": " + r);
            }
        }
    }

    @Test
    void shouldRefuseToSynchroniseWhenThreeOfFiveLieAndSayWhy() throws IOException {
        Simulation sim = new Simulation(scenario("FT5-majority"), 1);
        Simulation.Result r = sim.runUntil(1000);
        assertEquals(SyncStatus.NO_MAJORITY, sim.synchroniser().status());
        assertEquals("no majority: only 2 of 5 sources agree", sim.synchroniser().statusMessage());
        assertFalse(sim.synchroniser().state().synced());
        assertFalse(r.falsetickerSelected());
        assertEquals(0, sim.clock().frequencyPpm(), "the clock was never touched");
        assertEquals(0.1 + 1e-4 * 1000, sim.clock().offsetNs() * 1e-9, 1e-4, "it runs free (plus 18 us of wander, 1 sigma)");
    }

    @Test
    void shouldInsertAndDeleteALeapSecondAtTheEndOfTheUtcDay() throws IOException {
        for (String id : List.of("LEAP-insert", "LEAP-delete")) {
            Scenario sc = scenario(id);
            Simulation sim = new Simulation(sc, 1);
            sim.runUntil(86_400 - 2);
            assertEquals(0, sim.clock().leapsInserted() + sim.clock().leapsDeleted(), id);
            double xBefore = sim.clock().offsetNs();
            Simulation.Result r = sim.runUntil(86_400 + 2);
            boolean insert = id.endsWith("insert");
            assertEquals(insert ? 1 : 0, sim.clock().leapsInserted(), id);
            assertEquals(insert ? 0 : 1, sim.clock().leapsDeleted(), id);
            // The clock acted when it read 00:00:00 (23:59:59 for a deletion): within its own error of the true instant.
            long trueInstantNs = (sc.epochS() + 86_400 - (insert ? 0 : 1)) * 1_000_000_000L;
            assertEquals(trueInstantNs, sim.clock().lastLeapTrueNs(), 1e5, id);
            assertEquals(insert ? -1e9 : 1e9, sim.clock().offsetNs() - xBefore, 1e5, id + ": exactly one second");
            assertTrue(r.maxS() < 1e-3, id + ": " + r);
            r = sim.run();
            assertTrue(r.maxS() < 1e-3, id + " to the end: " + r);
        }
    }

    @Test
    void shouldDropAServerThatStepsAwayWithoutFollowingIt() {
        Scenario sc = inline("id SERVERSTEP", "limit 20000", "settle 300", "server s1", "server s2 step 5000 0.05",
                "server s3");
        for (long seed = 1; seed <= 3; seed++) {
            Simulation sim = new Simulation(sc, seed);
            Simulation.Result r = sim.run();
            assertFalse(r.falsetickerSelected(), "seed " + seed + ": " + r);
            assertTrue(r.maxS() < 1e-3, "seed " + seed + ": " + r);
            assertEquals(SourceState.FALSETICKER, sim.associations().get(1).source().state());
        }
    }

    @Test
    void shouldStepALargeInitialOffsetOnceAndThenTrack() {
        Simulation sim = new Simulation(inline("id STEP", "limit 3000", "settle 300", "client offset 0.5",
                "server s1 jitter 1e-4"), 1);
        Simulation.Result r = sim.run();
        assertEquals(1, r.steps());
        assertEquals(-0.5e9, sim.clock().lastStepNs(), 1e6);
        assertTrue(r.maxS() < 1e-3, r.toString());
    }

    @Test
    void shouldHonourTheStepAndPanicThresholdsAsConfigured() {
        Simulation.Result stepped = new Simulation(inline("id LOWSTEP", "limit 600", "settle 300", "client offset 0.1",
                "server s1", "conf server s1", "conf tinker step 0.05"), 1).run();
        assertEquals(1, stepped.steps(), "0.1 s is beyond a 0.05 s step threshold");

        Simulation panic = new Simulation(inline("id PANIC", "limit 600", "settle 300", "client offset 0.5",
                "server s1", "conf server s1", "conf tinker panic 0.3"), 1);
        Simulation.Result r = panic.run();
        assertEquals(0, r.steps());
        assertEquals(SyncStatus.PANIC, panic.synchroniser().status());
        assertTrue(panic.synchroniser().statusMessage().startsWith("offset -0.5"), panic.synchroniser().statusMessage());
        assertTrue(panic.synchroniser().statusMessage().endsWith("exceeds the panic threshold of 0.300000000 s: not correcting the clock"));
    }

    @Test
    void shouldTakeOutTheBiasOfQueueingOnOneWay() throws IOException {
        // chrony's own asymmetric-jitter test (011): request leg J = 30 us, reply leg 970 us. Every sample's error is
        // biased (-470 us on average); jntpd learns the asymmetry and corrects for it. Mean RMS over 3 seeds was
        // 250-265 us before (chronyd: 85 us), about 65 us with the correction.
        Scenario sc = scenario("ASYM-chrony011");
        double sum = 0;
        for (int seed = 1; seed <= 3; seed++) {
            Simulation sim = new Simulation(sc, seed);
            sum += sim.run().rmsS();
            assertTrue(sim.associations().get(0).source().asymmetry() < -0.3,
                    "queueing on the way back: " + sim.associations().get(0).source().asymmetry());
        }
        assertTrue(sum / 3 < 100e-6, "mean RMS " + sum / 3 * 1e6 + " us");
    }

    @Test
    void shouldFollowAFrequencyRampWithoutLagging() throws IOException {
        // The oscillator's frequency rises 1 ppm per hour for 10000 s and falls back as fast later (temperature).
        // The random-walk model follows a ramp only as fast as samples come, and at 1024 s a few of them; surprised
        // by its innovations the filter now polls faster until it predicts well again. Mean RMS over these 4 seeds was
        // 122 us before (chronyd: 122 us over 100 seeds), about 70 us now.
        double rms = meanRms("FR-ramp", 4);
        assertTrue(rms < 95e-6, "mean RMS " + rms * 1e6 + " us");
    }

    @Test
    void shouldApplyTheScenariosFrequencyRampsAndSinesToTheOscillator() {
        // noselect: the clock runs free; 1000 s of a 1e-9/s ramp from 100 s, and a sine of 2e-6 over 400 s.
        Simulation sim = new Simulation(inline("id FRAMP", "limit 2000", "settle 0",
                "client offset 0 freq 0 wander 0 freqramp 100 1100 1e-9 freqsine 2e-6 400", "server s1",
                "conf server s1 noselect"), 1);
        sim.run();
        assertEquals(1e-6 + 2e-6 * Math.sin(2 * Math.PI * 2000 / 400), sim.clock().oscillatorFrequency(), 1e-12);
        // Phase: the ramp's integral (a triangle then a rectangle) plus the sine's, summed per second.
        double expected = 0;
        for (int k = 0; k < 2000; k++) {
            expected += 1e-9 * Math.max(0, Math.min(k, 1100) - 100) + 2e-6 * Math.sin(2 * Math.PI * k / 400);
        }
        assertEquals(expected, sim.clock().offsetNs() * 1e-9, 1e-9);
    }

    @Test
    void shouldLeaveAnUnsteeredClockToItsOscillator() {
        // noselect: measured, never used; the clock runs at f0 from x0 (no wander).
        Simulation sim = new Simulation(inline("id FREE", "limit 5000", "settle 0", "client offset 0.01 freq 2e-5 wander 0",
                "server s1", "conf server s1 noselect maxpoll 6"), 1);
        sim.run();
        assertEquals(0.01 + 2e-5 * 5000, sim.clock().offsetNs() * 1e-9, 1e-9);
        assertTrue(sim.associations().get(0).source().samples() > 70);
    }

    @Test
    void shouldApplyTheScenariosFrequencyStepsToTheOscillator() {
        Simulation sim = new Simulation(inline("id FSTEP", "limit 2000", "settle 0",
                "client offset 0 freq 1e-5 wander 0 freqstep 1000 -3e-5", "server s1", "conf server s1 noselect"), 1);
        sim.run();
        assertEquals(-2e-5, sim.clock().oscillatorFrequency(), 1e-15);
        assertEquals(1e-5 * 1000 - 2e-5 * 1000, sim.clock().offsetNs() * 1e-9, 1e-9);
    }

    @Test
    void shouldPassPacketsOnlyWhileTheNetworkIsUp() {
        Simulation sim = new Simulation(inline("id GAPS", "limit 172800", "settle 0", "server s1",
                "network up 1799.9 period 86400", "conf server s1 maxpoll 6"), 1);
        Simulation.Result r = sim.run();
        // 1800 s of 64 s polls a day: at most 29 answers a day, two days.
        assertTrue(r.samples() > 30 && r.samples() <= 2 * 29, "answers: " + r.samples());
    }

    @Test
    void shouldSeeTheConfiguredNetworkDelays() {
        Simulation sim = new Simulation(inline("id DELAY", "limit 20000", "settle 0", "server s1 delay 1e-3 jitter 1e-5",
                "conf server s1 maxpoll 6"), 1);
        sim.run();
        long minDelay = sim.associations().get(0).source().minDelayNs();
        assertTrue(minDelay >= 2_000_000 && minDelay < 2_002_000, "two legs of 1 ms plus a little jitter: " + minDelay);
    }

    @Test
    void shouldKeepTrackingThroughAPathChange() throws IOException {
        // 1 ms more each way for a third of the run, at default polling. Before DelayModel noticed a rise, the old
        // minimum stayed for 128 samples (hours) and the samples on the longer path were nearly ignored: mean RMS over
        // these seeds 116 us (T1-j100us, the same world without the change: 58 us); 61 us with it.
        double rms = meanRms("PATH-1ms", 3);
        assertTrue(rms < 85e-6, "mean RMS " + rms * 1e6 + " us");
    }

    @Test
    void shouldFollowAServerStepAtItsSecondSampleWithinAFractionOfAPoll() throws IOException {
        // The network bench's SSTEP at a poll a second: the server 1 ms ahead from 300 s. Seconds with the clock more
        // than 0.5 ms from the server's, seeds 1-5: 6, 4, 3, 4, 4 when a step needed three spikes in a row; 4, 3, 3,
        // 3, 3 once two that agree sufficed (taken a poll later, slewed over 1 s); 2, 2, 1, 2, 1 now that a spike is
        // confirmed after 1/8 of the interval and a known step slewed in 50 ms (1 is the least: the step's second).
        Scenario sc = scenario("SSTEP-poll0");
        int total = 0;
        for (int seed = 1; seed <= 5; seed++) {
            Simulation sim = new Simulation(sc, seed);
            int far = 0;
            for (int t = 290; t <= 330; t++) {
                sim.runUntil(t);
                double x = sim.clock().offsetNs() * 1e-9 - sc.referenceOffsetS(t);
                if (Math.abs(x) > 0.5e-3) {
                    far++;
                }
                if (t >= 304) {
                    assertTrue(Math.abs(x) < 150e-6, "seed " + seed + ": " + x * 1e6 + " us at " + t + " s");
                }
            }
            assertTrue(far >= 1, "seed " + seed + ": the step is 1 ms, it cannot be followed before it is seen");
            total += far;
        }
        assertTrue(total <= 10, total + " s more than 0.5 ms off the server over 5 runs (16 before)");
    }
}
