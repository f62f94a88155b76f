package org.jntpd.rtc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.VirtualClock;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
import org.jntpd.config.ConfigParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service's wiring: which settings start it, which it refuses, and how it keeps the kernel off the RTC. */
class RtcServiceTest {
    @TempDir
    Path dir;

    private Config config(String text) throws Exception {
        return ConfigParser.parse("test.conf", text, dir);
    }

    private static VirtualClock clock() {
        return new VirtualClock(1_700_000_000_000_000_000L, 0, 0, 0, new SplittableRandom(1), 500);
    }

    @Test
    void shouldRefuseAnRtcfileWithRtcsyncAsChronyDoes() {
        // The parser refuses the pair (so --check-config does too), naming both lines.
        ConfigException e = assertThrows(ConfigException.class, () -> config("rtcfile " + dir.resolve("rtc") + "\nrtcsync\n"));
        assertTrue(e.getMessage().startsWith("test.conf:2: rtcfile (test.conf:1) cannot be used with rtcsync (test.conf:2)"),
                e.getMessage());
    }

    @Test
    void shouldStartNothingWithoutAnRtcfileOrMinusS() throws Exception {
        assertNull(RtcService.start(config("rtcsync\n"), false, clock(), LongUnaryOperator.identity(), () -> true));
        assertNull(RtcService.start(config("rtconutc\n"), false, null, LongUnaryOperator.identity(), () -> true));
    }

    @Test
    void shouldGoOnWithoutAnRtcThatCannotBeOpened() throws Exception {
        Config c = config("rtcfile " + dir.resolve("rtc") + "\nrtcdevice " + dir.resolve("no-such-rtc") + "\n");
        long startNs = System.nanoTime();
        try (RtcService s = RtcService.start(c, true, null, LongUnaryOperator.identity(), () -> true)) {
            s.onClockStep(1_000_000); // no keeper: nothing to move, and no failure
            assertTrue(System.nanoTime() - startNs < 4_000_000_000L, "the open failed at once, no start timeout");
            for (int i = 0; i < 100 && s.running(); i++) {
                Thread.sleep(10);
            }
            assertFalse(s.running(), "the service ended after logging why");
        }
    }

    @Test
    void shouldKeepStaUnsyncSetWhileAnRtcfileIsKept() throws Exception {
        VirtualClock clock = clock();
        ClockControl guarded = RtcService.clockFor(clock, config("rtcfile " + dir.resolve("rtc") + "\n"), true);
        guarded.setSyncStatus(true, 1_000, 5_000);
        assertFalse(clock.synced(), "the kernel's 11-minute mode would set the RTC being tracked");
        guarded.stepNs(1_000);
        guarded.setFrequencyPpm(12.5);
        assertEquals(12.5, clock.frequencyPpm(), 1e-9, "everything else passes through");

        assertSame(clock, RtcService.clockFor(clock, config("rtcsync\n"), true), "rtcsync: the kernel keeps the RTC");
        assertSame(clock, RtcService.clockFor(clock, config("rtcfile " + dir.resolve("rtc") + "\n"), false),
                "-x: the kernel's status is not ours");
    }
}
