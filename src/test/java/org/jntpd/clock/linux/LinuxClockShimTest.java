package org.jntpd.clock.linux;

import static org.jntpd.guest.ProbeLines.records;
import static org.jntpd.platform.Adjtimex.STA_DEL;
import static org.jntpd.platform.Adjtimex.STA_FLL;
import static org.jntpd.platform.Adjtimex.STA_INS;
import static org.jntpd.platform.Adjtimex.STA_PLL;
import static org.jntpd.platform.Adjtimex.STA_UNSYNC;
import static org.jntpd.platform.Adjtimex.TIME_OK;
import static org.jntpd.platform.Adjtimex.TIME_WAIT;
import static org.jntpd.time.Units.NS_PER_S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.ForkedJvm;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeBuild;
import org.jntpd.platform.Timex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LinuxClock on a virtual CLOCK_REALTIME: each test forks a JVM whose libc clock functions come from native/vclock
 * (JNTPD_VIRTUAL_CLOCK=0.3,50: 0.3 s ahead, the oscillator 50 ppm fast) and runs a {@link LinuxClockProbe}
 * scenario; the shim measures the virtual clock against true time exactly. The host's clock state is read (modes 0)
 * before and after the class: it must not change.
 */
class LinuxClockShimTest {
    private static final double OSCILLATOR_PPM = 50;
    private static Path shim;
    private static long[] hostBefore;
    private static long hostRealMinusMonoBeforeNs;

    @BeforeAll
    static void buildShim() throws Exception {
        NativeBuild.assumeGcc();
        hostBefore = hostTimex();
        hostRealMinusMonoBeforeNs = hostRealMinusMonoNs();
        Path out = NativeBuild.buildDir().resolve("native");
        shim = out.resolve("libjntpd_vclock.so");
        Path source = NativeBuild.projectDir().resolve("native/vclock/vclock.c");
        if (!Files.exists(shim) || Files.getLastModifiedTime(shim).compareTo(Files.getLastModifiedTime(source)) < 0) {
            Process p = new ProcessBuilder("sh", NativeBuild.projectDir().resolve("native/vclock/build.sh").toString(),
                    out.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), () -> "native/vclock/build.sh failed:\n" + log);
        }
    }

    @AfterAll
    static void hostClockUntouched() {
        if (hostBefore == null) {
            return;
        }
        long[] after = hostTimex();
        String[] names = {"status", "freq", "offset", "constant", "tick", "tai"};
        for (int i = 0; i < names.length; i++) {
            assertEquals(hostBefore[i], after[i], "the host's adjtimex " + names[i] + " changed");
        }
        assertEquals(hostRealMinusMonoBeforeNs, hostRealMinusMonoNs(), 100_000_000L, "the host clock was stepped");
    }

    @Test
    void shouldCancelTheOscillatorErrorWithMinus50Ppm() throws Exception {
        String out = probe("frequency");
        assertEquals(0.0, Double.parseDouble(field(out, "phase", "opened", "freq_ppm")), "boot state: no correction");
        assertEquals(100_000.0, Double.parseDouble(field(out, "phase", "opened", "max_ppm")));
        assertEquals(OSCILLATOR_PPM, ratePpm(out, "uncorrected"), 0.01);
        // (1 + 50e-6)(1 - 50e-6) - 1 = -0.0025 ppm
        assertEquals(-0.0025, ratePpm(out, "corrected"), 0.005);
        Map<String, String> kernel = timex(out, "corrected");
        assertEquals(-50L << 16, Long.parseLong(kernel.get("freq")));
        assertEquals(10_000, Long.parseLong(kernel.get("tick")));
    }

    @Test
    void shouldGoBeyond500PpmThroughTheTickAndStickToANeighbouringTick() throws Exception {
        String out = probe("tick");
        long[][] tickAndFreq = {
            {10_020, 0}, // 2000 ppm: 20 ticks of 100 ppm
            {10_020, 60L << 16}, // 2060: the nearest tick (21) is a neighbour of 20: stay, 60 ppm residual
            {10_022, -40L << 16}, // 2160: 22 is two away: move
            {9_980, 0}, {11_000, 0}, {9_000, 0}, {10_000, 0}};
        double[] ppm = {2000, 2060, 2160, -2000, 100_000, -100_000, 0};
        for (int i = 0; i < ppm.length; i++) {
            Map<String, String> kernel = timex(out, "set_" + ppm[i]);
            assertEquals(tickAndFreq[i][0], Long.parseLong(kernel.get("tick")), "tick for " + ppm[i] + " ppm");
            assertEquals(tickAndFreq[i][1], Long.parseLong(kernel.get("freq")), "freq for " + ppm[i] + " ppm");
            assertEquals(ppm[i], Double.parseDouble(field(out, "phase", "set_" + ppm[i], "applied_ppm")), 1e-9);
        }
        // The rates the virtual clock shows: (1 + 50e-6)(1 +- 2000e-6) - 1.
        assertEquals(((1 + 50e-6) * (1 + 2000e-6) - 1) * 1e6, ratePpm(out, "rate_2000.0"), 0.01);
        assertEquals(((1 + 50e-6) * (1 - 2000e-6) - 1) * 1e6, ratePpm(out, "rate_-2000.0"), 0.01);
        assertEquals("rejected", field(out, "beyond", null, "beyond"));
    }

    @Test
    void shouldStepByTheExactAmountIncludingNegativeFractions() throws Exception {
        String out = probe("step");
        List<Map<String, String>> steps = records(out, "step_ns", null);
        assertEquals(3, steps.size(), out);
        for (Map<String, String> s : steps) {
            long stepNs = Long.parseLong(s.get("step_ns"));
            long movedNs = Long.parseLong(s.get("after_ns")) - Long.parseLong(s.get("before_ns"));
            // Between the two offset readings the clock runs 50 ppm fast for a few microseconds at most.
            assertEquals(stepNs, movedNs, 5_000, "step " + s);
        }
        assertEquals("0", field(out, "reports", null, "reports"), "own steps are no interference");
    }

    @Test
    void shouldInsertALeapSecondRepeating235959EvenAfterAStep() throws Exception {
        String out = probe("leap");
        Map<String, String> armed = timex(out, "armed");
        int status = Integer.parseInt(armed.get("status"));
        assertTrue((status & STA_INS) != 0 && (status & STA_UNSYNC) == 0, "STA_INS set, STA_UNSYNC clear: " + armed);
        assertEquals("[86397,86398,86399,86399,0,1]", field(out, "seconds", null, "seconds"), out);
        Map<String, String> jump = records(out, "jump_from_ns", null).getFirst();
        long midnightNs = Long.parseLong(jump.get("midnight_ns"));
        long fromNs = Long.parseLong(jump.get("jump_from_ns"));
        long toNs = Long.parseLong(jump.get("jump_to_ns"));
        // Readings 5 ms apart (plus scheduling delays): the last before midnight, then back into 23:59:59.
        assertTrue(fromNs < midnightNs && fromNs > midnightNs - 100_000_000L, jump::toString);
        assertTrue(toNs >= midnightNs - NS_PER_S && toNs < midnightNs - NS_PER_S + 100_000_000L, jump::toString);
        assertEquals(TIME_WAIT, Integer.parseInt(timex(out, "after_leap").get("state")), out);
        int disarmed = Integer.parseInt(timex(out, "disarmed").get("status"));
        assertEquals(0, disarmed & (STA_INS | STA_DEL), "disarmed " + out);
        assertEquals("0", field(out, "reports", null, "reports"), "the leap second is no interference: " + out);
    }

    @Test
    void shouldTakeControlFromThePllAndPublishTheSyncStatus() throws Exception {
        String out = probe("sync");
        int before = Integer.parseInt(timex(out, "before").get("status"));
        assertEquals(STA_PLL | STA_FLL, before & (STA_PLL | STA_FLL), out);
        Map<String, String> opened = timex(out, "opened");
        assertEquals(0, Integer.parseInt(opened.get("status")) & (STA_PLL | STA_FLL), "PLL off: " + opened);
        assertTrue((Integer.parseInt(opened.get("status")) & STA_UNSYNC) != 0, "unsynchronised: " + opened);
        assertEquals("0", field(out, "adjtime_remaining_us", null, "adjtime_remaining_us"), "adjtime slew cancelled");

        Map<String, String> synced = timex(out, "synced");
        assertEquals(0, Integer.parseInt(synced.get("status")) & STA_UNSYNC, synced::toString);
        assertEquals(TIME_OK, Integer.parseInt(synced.get("state")), synced::toString);
        assertEquals("3", synced.get("esterror"), "2.5 us rounded up");
        assertEquals("150", synced.get("maxerror"));
        // The kernel grows maxerror by 500 us per second and keeps the clock synchronised meanwhile.
        Map<String, String> later = timex(out, "synced_later");
        assertEquals(0, Integer.parseInt(later.get("status")) & STA_UNSYNC, later::toString);
        assertTrue(Long.parseLong(later.get("maxerror")) >= 150 + 2 * 500, later::toString);

        Map<String, String> tooLarge = timex(out, "bound_too_large");
        assertTrue((Integer.parseInt(tooLarge.get("status")) & STA_UNSYNC) != 0, tooLarge::toString);
        assertEquals("16000000", tooLarge.get("maxerror"));
        Map<String, String> unsynced = timex(out, "unsynced");
        assertTrue((Integer.parseInt(unsynced.get("status")) & STA_UNSYNC) != 0, unsynced::toString);
        assertEquals("16000000", unsynced.get("maxerror"));
        assertEquals("16000000", unsynced.get("esterror"));
    }

    @Test
    void shouldReportAnotherProgramsFrequencyStepAndPll() throws Exception {
        String out = probe("interference");
        assertEquals("0", field(out, "phase", "own", "reports"), "own adjustments explained: " + out);
        assertEquals("1", field(out, "phase", "frequency", "reports"), out);
        Map<String, String> freq = records(out, "event", "frequency").getFirst();
        assertEquals(-50.0, Double.parseDouble(freq.get("expected_ppm")), 1e-4);
        assertEquals(100.0, Double.parseDouble(freq.get("found_ppm")), 1e-4);

        assertEquals("2", field(out, "phase", "step", "reports"), out);
        long stepNs = Long.parseLong(records(out, "event", "step").getFirst().get("step_ns"));
        // 5 ms, plus the 50 ppm oscillator over the 0.1 s after the frequency was taken over (+100 ppm explained).
        assertEquals(5_000_000, stepNs, 20_000, out);

        assertEquals("3", field(out, "phase", "status", "reports"), out);
        Map<String, String> status = records(out, "event", "status").getFirst();
        assertEquals(STA_PLL, Integer.parseInt(status.get("found")) & ~Integer.parseInt(status.get("expected")));
        assertEquals(0, Integer.parseInt(timex(out, "restored").get("status")) & STA_PLL, out);
        assertEquals("3", field(out, "phase", "end", "reports"), "each change reported once: " + out);
    }

    // --------------------------------------------------------------------------------------------- helpers

    private static String probe(String scenario) throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(Map.of("JNTPD_VIRTUAL_CLOCK", "0.3," + OSCILLATOR_PPM),
                List.of(Libc.NATIVE_ACCESS_FLAG, "-D" + Libc.SHIM_PROP_NAME + "=" + shim),
                LinuxClockProbe.class, scenario);
        assertEquals(0, r.exitCode(), r::toString);
        return r.stdout();
    }

    /** The value of {@code key} on the first line where {@code selector} is {@code value} (any, when null). */
    private static String field(String out, String selector, String value, String key) {
        for (Map<String, String> rec : records(out, selector, value)) {
            if (rec.containsKey(key)) {
                return rec.get(key);
            }
        }
        throw new AssertionError("no " + selector + "=" + value + " line with " + key + " in:\n" + out);
    }

    private static Map<String, String> timex(String out, String phase) {
        List<Map<String, String>> r = records(out, "timex", phase);
        assertTrue(!r.isEmpty(), () -> "no timex=" + phase + " in:\n" + out);
        return r.getFirst();
    }

    private static double ratePpm(String out, String phase) {
        Map<String, String> r = records(out, "rate", phase).getFirst();
        double driftNs = Long.parseLong(r.get("offset2_ns")) - Long.parseLong(r.get("offset1_ns"));
        double elapsedNs = Long.parseLong(r.get("true2_ns")) - Long.parseLong(r.get("true1_ns"));
        return driftNs / elapsedNs * 1e6;
    }

    /** The host's status, freq, offset, constant, tick, tai: read with modes 0 in this JVM (libc, no shim). */
    private static long[] hostTimex() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tx = arena.allocate(Timex.LAYOUT);
            Timex.modes(tx, 0);
            Libc.check(Libc.clockAdjtime(Clocks.CLOCK_REALTIME, tx), "clock_adjtime");
            return new long[] {Timex.status(tx), Timex.freq(tx), Timex.offset(tx), Timex.constant(tx), Timex.tick(tx),
                Timex.tai(tx)};
        }
    }

    private static long hostRealMinusMonoNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * NS_PER_S + now.getNano() - System.nanoTime();
    }
}
