package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Random;
import java.util.function.LongUnaryOperator;
import org.jntpd.clock.SoftwareClock;
import org.jntpd.clock.VirtualClock;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigParser;
import org.jntpd.refclock.RefclockSample;
import org.jntpd.refclock.SystemReference;
import org.jntpd.refclock.linux.RefclockRunner;
import org.jntpd.refclock.linux.RefclockRunners;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.SystemState;
import org.jntpd.sync.Synchroniser;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * A reference clock's sample meets each of the discipline's rate changes once on its way to its source: in the
 * runner's filter (changes before its poll, which the sample numbers) or in the loop (changes after); and not at all
 * under -x, where the kernel clock's rate never changes and the software correction maps a kernel time at its present
 * rate. The runners are built from a config line and never started: the samples are offered by hand.
 */
class RefclockSourcesTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_790_000_000L * S;
    private static final SyncLoop.Listener QUIET = (SystemState state, long nowNs) -> {};

    private static RefclockSample sample(long localTimeNs, long offsetNs, long rateChanges) {
        return new RefclockSample(localTimeNs, offsetNs, 0, 1000, 100, NtpPacket.LEAP_NONE, 16, rateChanges);
    }

    @Test
    void shouldApplyEachRateChangeOnceToASampleOnItsWay() throws Exception {
        Config config = ConfigParser.parse("t.conf", "refclock pps /dev/pps0 poll 4\n", Path.of("."));
        VirtualClock clock = new VirtualClock(T0, 0, 0, 0, new Random(1), 100_000);
        Synchroniser sync = new Synchroniser(clock, SyncConfig.defaults());
        try (StatsFiles stats = new StatsFiles(config.stats());
                RefclockRunners runners = RefclockRunners.create(config.refclocks(), 1, () -> T0,
                        SystemReference.UNSYNCHRONISED, (r, s) -> { });
                RefclockSources sources = new RefclockSources(sync, LongUnaryOperator.identity(), true, stats, QUIET)) {
            sources.attach(runners);
            RefclockRunner runner = runners.runners().getFirst();
            long at = T0 + 10 * S;
            sources.onRateChange(at, 1e-6); // change 1
            long t = T0 + 2 * S;

            sources.offer(runner, sample(t, -500, 0)); // polled before its filter heard of change 1
            sources.takeSamples();
            assertEquals(t - 8_000, sources.sources().getFirst().lastSampleNs, "re-expressed on its way: 8 s x 1 ppm");

            sources.offer(runner, sample(t + S, -500, 1)); // its filter applied change 1 already
            sources.takeSamples();
            assertEquals(t + S, sources.sources().getFirst().lastSampleNs, "not applied twice");
        }
    }

    @Test
    void shouldLeaveTheReexpressionToTheSoftwareCorrectionUnderMinusX() throws Exception {
        Config config = ConfigParser.parse("t.conf", "refclock pps /dev/pps0 poll 4\n", Path.of("."));
        long[] rawNs = {T0};
        SoftwareClock software = new SoftwareClock(() -> rawNs[0]);
        Synchroniser sync = new Synchroniser(software, SyncConfig.defaults());
        LongUnaryOperator kernelToClock = raw -> software.correction().correctedNs(raw);
        try (StatsFiles stats = new StatsFiles(config.stats());
                RefclockRunners runners = RefclockRunners.create(config.refclocks(), 1, () -> rawNs[0],
                        SystemReference.UNSYNCHRONISED, (r, s) -> { });
                RefclockSources sources = new RefclockSources(sync, kernelToClock, false, stats, QUIET)) {
            sources.attach(runners);
            RefclockRunner runner = runners.runners().getFirst();
            long t = T0 + 2 * S; // a pulse's kernel time
            long atPresentRate = T0 + 2 * S - 8_000; // the clock's reading there, were it always 1 ppm faster
            rawNs[0] = T0 + 10 * S;
            software.setFrequencyPpm(1); // the discipline's change at 10 s (raw = corrected: no correction before)
            sources.onRateChange(software.nowNs(), 1e-6); // as the discipline tells it

            sources.offer(runner, sample(t, -500, 0));
            sources.takeSamples();
            assertEquals(atPresentRate, sources.sources().getFirst().lastSampleNs, "the mapping re-expresses, once");
        }
    }
}
