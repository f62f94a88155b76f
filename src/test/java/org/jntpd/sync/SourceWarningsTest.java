package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;
import org.jntpd.clock.VirtualClock;
import org.junit.jupiter.api.Test;

/**
 * The warnings about sources, from constructed offset streams with a known truth: four sources polled every 64 s
 * with Gaussian jitter, one of them smearing the leap second (or on another timescale), the others not.
 */
class SourceWarningsTest {
    private static final long S = 1_000_000_000L;
    private static final long H = 3_600 * S;
    /** 2017-01-01T00:00:00Z: 2016-12-31T23:59:60 was inserted before it. */
    private static final long LEAP_S = 1_483_228_800L;
    private static final long LEAP_NS = LEAP_S * S;
    private static final long POLL_NS = 64 * S;
    /** A time far from any leap second. */
    private static final long T0 = LEAP_NS + 100 * 86_400 * S;

    /** What the sink was told: raised (key -> text and when), and the keys cleared. */
    private static final class Recorder implements SourceWarnings.Sink {
        final Map<String, String> raised = new LinkedHashMap<>();
        final Map<String, Long> raisedAtNs = new LinkedHashMap<>();
        final List<String> cleared = new ArrayList<>();

        @Override
        public void raise(String key, String text, long nowNs) {
            raised.putIfAbsent(key, text);
            raisedAtNs.putIfAbsent(key, nowNs);
        }

        @Override
        public void clear(String key) {
            cleared.add(key);
        }
    }

    /** Google's smear of an insertion (24 h linear, noon to noon) against a clock that inserts it, s. */
    private static double googleSmearS(long tNs) {
        long startNs = LEAP_NS - 12 * H;
        if (tNs < startNs || tNs > LEAP_NS + 12 * H) {
            return 0;
        }
        double smeared = (tNs - startNs) / (86_401.0 * S); // share of the 86401 s smeared into 86400
        return (tNs < LEAP_NS ? 0 : 1) - smeared;
    }

    /**
     * Runs the sources (name -> true offset in s at local time t) from {@code fromNs} to {@code toNs}, polled every
     * 64 s each (staggered), with {@code jitterS} Gaussian noise, leap indicators as {@code leap} says.
     */
    private static Recorder run(SourceWarnings w, Recorder r, Map<String, LongToDoubleFunction> sources, long fromNs,
            long toNs, double jitterS, LongToDoubleFunction leap) {
        SplittableRandom rnd = new SplittableRandom(42);
        String[] names = sources.keySet().toArray(String[]::new);
        double[] offsets = new double[names.length];
        int[] leaps = new int[names.length];
        for (long t = fromNs; t < toNs; t += POLL_NS / names.length) {
            int polled = (int) ((t - fromNs) / (POLL_NS / names.length) % names.length);
            for (int i = 0; i < names.length; i++) {
                if (i == polled || Double.isNaN(offsets[i])) {
                    offsets[i] = (sources.get(names[i]).applyAsDouble(t) + jitterS * rnd.nextGaussian()) * S;
                }
                leaps[i] = (int) leap.applyAsDouble(t);
            }
            w.observe(t, names, offsets, leaps);
        }
        return r;
    }

    private static Map<String, LongToDoubleFunction> sources(String odd, LongToDoubleFunction oddOffsetS) {
        Map<String, LongToDoubleFunction> m = new LinkedHashMap<>();
        m.put("a.example", t -> 0.004);
        m.put("b.example", t -> -0.003);
        m.put("c.example", t -> 0.0);
        m.put(odd, oddOffsetS);
        return m;
    }

    private static LeapSeconds table() {
        LeapSeconds l = new LeapSeconds();
        l.add(LEAP_S, 1);
        return l;
    }

    private static final LongToDoubleFunction NO_LEAP_BITS = t -> 0;

    @Test
    void shouldNameTheSourceThatSmearsTheLeapSecondHoursBeforeIt() {
        Recorder r = new Recorder();
        SourceWarnings w = new SourceWarnings(r, table());
        run(w, r, sources("time.google.com", SourceWarningsTest::googleSmearS), LEAP_NS - 40 * H, LEAP_NS + 20 * H,
                0.002, NO_LEAP_BITS);
        assertEquals(Set.of("smear:time.google.com"), r.raised.keySet(), r.raised::toString);
        String text = r.raised.get("smear:time.google.com");
        assertTrue(text.contains("appears to smear the leap second of 2016-12-31 (insertion)"), text);
        long atNs = r.raisedAtNs.get("smear:time.google.com");
        // 100 ms of smear is reached 2.4 h after it starts (L - 12 h); the fit needs 1.5 h of it.
        assertTrue(atNs > LEAP_NS - 12 * H && atNs < LEAP_NS - 8 * H, () -> "raised at L" + (atNs - LEAP_NS) / (double) H + " h");
        java.util.regex.Matcher ppm = java.util.regex.Pattern.compile("\\(([-+0-9.]+) ppm\\)").matcher(text);
        assertTrue(ppm.find(), text);
        // The fit spans the last 3 h, partly before the smear began: less steep than the smear's -11.57 ppm.
        assertEquals(-11, Double.parseDouble(ppm.group(1)), 2.5, text);
    }

    @Test
    void shouldNameASmearerAlsoWhenTheLocalClockDoesNotApplyTheLeap() {
        // The local clock keeps counting through the leap: the others step -1 s, the smearer ramps to -1 s in 24 h.
        Map<String, LongToDoubleFunction> m = new LinkedHashMap<>();
        LongToDoubleFunction stepped = t -> t < LEAP_NS ? 0 : -1;
        m.put("a.example", t -> stepped.applyAsDouble(t) + 0.004);
        m.put("b.example", stepped);
        m.put("c.example", t -> stepped.applyAsDouble(t) - 0.002);
        m.put("smear.example", t -> googleSmearS(t) + stepped.applyAsDouble(t));
        Recorder r = new Recorder();
        run(new SourceWarnings(r, table()), r, m, LEAP_NS - 30 * H, LEAP_NS + 14 * H, 0.002, NO_LEAP_BITS);
        assertEquals(Set.of("smear:smear.example"), r.raised.keySet(), r.raised::toString);
    }

    @Test
    void shouldNameASourceThatNeverStepsAtTheLeap() {
        Recorder r = new Recorder();
        // No smear: it simply keeps counting, 1 s ahead of the others after the leap.
        run(new SourceWarnings(r, table()), r, sources("noleap.example", t -> t < LEAP_NS ? 0 : 1),
                LEAP_NS - 6 * H, LEAP_NS + 6 * H, 0.002, NO_LEAP_BITS);
        assertEquals(Set.of("smear:noleap.example"), r.raised.keySet(), r.raised::toString);
        assertTrue(r.raised.get("smear:noleap.example").matches(".*did not step with the other sources at the leap "
                + "second of 2016-12-31 \\(insertion\\) \\(\\+(0\\.99|1\\.00)\\d s against them since\\).*"),
                r.raised::toString);
    }

    @Test
    void shouldLearnTheLeapFromTheSourcesLeapIndicatorsWithoutALeapFile() {
        Recorder r = new Recorder();
        // chrony-like servers announce on the last day only; a smearing server does not announce at all.
        Map<String, LongToDoubleFunction> m = sources("smear.example", SourceWarningsTest::googleSmearS);
        SourceWarnings w = new SourceWarnings(r, null);
        String[] names = m.keySet().toArray(String[]::new);
        double[] offsets = new double[4];
        int[] leaps = new int[4];
        SplittableRandom rnd = new SplittableRandom(7);
        for (long t = LEAP_NS - 30 * H; t < LEAP_NS; t += 16 * S) {
            for (int i = 0; i < 4; i++) {
                offsets[i] = (m.get(names[i]).applyAsDouble(t) + 0.002 * rnd.nextGaussian()) * S;
                leaps[i] = i < 3 && t >= LEAP_NS - 24 * H ? 1 : 0;
            }
            w.observe(t, names, offsets, leaps);
        }
        assertEquals(Set.of("smear:smear.example"), r.raised.keySet(), r.raised::toString);
    }

    @Test
    void shouldRaiseNothingForSourcesThatAllInsertTheLeapDespiteJitter() {
        Recorder r = new Recorder();
        // Internet-like: 20 ms jitter, one source 80 ms off (an asymmetric path), a leap second all of them insert.
        Map<String, LongToDoubleFunction> m = sources("asymmetric.example", t -> -0.08);
        run(new SourceWarnings(r, table()), r, m, LEAP_NS - 40 * H, LEAP_NS + 40 * H, 0.02, t -> 1);
        assertEquals(Map.of(), r.raised);
        // And the local clock not inserting it: every source steps -1 s together.
        Recorder r2 = new Recorder();
        Map<String, LongToDoubleFunction> stepped = new LinkedHashMap<>();
        m.forEach((name, f) -> stepped.put(name, t -> f.applyAsDouble(t) + (t < LEAP_NS ? 0 : -1)));
        run(new SourceWarnings(r2, table()), r2, stepped, LEAP_NS - 20 * H, LEAP_NS + 20 * H, 0.02, t -> 1);
        assertEquals(Map.of(), r2.raised);
    }

    @Test
    void shouldEndTheSmearWarningAfterTheLeapWindow() {
        Recorder r = new Recorder();
        run(new SourceWarnings(r, table()), r, sources("g.example", SourceWarningsTest::googleSmearS),
                LEAP_NS - 20 * H, LEAP_NS + 40 * H, 0.002, NO_LEAP_BITS);
        assertEquals(Set.of("smear:g.example"), r.raised.keySet());
        assertEquals(List.of("smear:g.example"), r.cleared);
    }

    @Test
    void shouldNameATaiSourceAndItsTimescaleAfterFiveMinutes() {
        Recorder r = new Recorder();
        SourceWarnings w = new SourceWarnings(r, null);
        run(w, r, sources("tai.example", t -> 37.0004), T0, T0 + 4 * 60 * S, 0.003, NO_LEAP_BITS);
        assertEquals(Map.of(), r.raised, "not before 5 minutes");
        run(w, r, sources("tai.example", t -> 37.0004), T0 + 4 * 60 * S, T0 + 10 * 60 * S, 0.003, NO_LEAP_BITS);
        assertEquals(Set.of("timescale:tai.example"), r.raised.keySet(), r.raised::toString);
        String text = r.raised.get("timescale:tai.example");
        assertTrue(text.matches("source tai\\.example is 3[67]\\.\\d{3} s ahead .*") && text.contains("ahead of the other sources: it likely "
                + "serves TAI, not UTC (TAI - UTC = 37 s)"), text);
    }

    @Test
    void shouldNameGpsTimeTimeZonesAndWholeSecondErrors() {
        SourceWarnings w = new SourceWarnings(new Recorder(), null);
        assertTrue(w.likelyCause(18).contains("GPS time, not UTC (GPS - UTC = 18 s)"), w.likelyCause(18));
        assertTrue(w.likelyCause(-37).contains("UTC while they serve TAI"), w.likelyCause(-37));
        assertTrue(w.likelyCause(3_600).contains("time zone offset of +1:00"), w.likelyCause(3_600));
        assertTrue(w.likelyCause(-19_800).contains("time zone offset of -5:30"), w.likelyCause(-19_800));
        assertTrue(w.likelyCause(2).contains("whole-second error"), w.likelyCause(2));
        w.taiMinusUtcS(38); // after a future leap second
        assertTrue(w.likelyCause(38).contains("TAI"), w.likelyCause(38));
        assertTrue(w.likelyCause(19).contains("GPS time, not UTC (GPS - UTC = 19 s)"), w.likelyCause(19));

        Recorder r = new Recorder();
        run(new SourceWarnings(r, null), r, sources("gps.example", t -> -18.01), T0, T0 + 10 * 60 * S, 0.003,
                NO_LEAP_BITS);
        assertTrue(r.raised.get("timescale:gps.example").contains("18.01"), r.raised::toString);
        assertTrue(r.raised.get("timescale:gps.example").contains("behind the other sources: it likely serves UTC while "
                + "they serve GPS time"), r.raised::toString);
    }

    @Test
    void shouldNotTakeASourceDriftingThroughAWholeSecondForATimescale() {
        Recorder r = new Recorder();
        // 500 ppm: it crosses 37 +- 0.1 s in 400 s, but moves far more than 50 ms while it does.
        run(new SourceWarnings(r, null), r, sources("drift.example", t -> 36.9 + (t - T0) * 500e-6 / S), T0,
                T0 + 800 * S, 0.003, NO_LEAP_BITS);
        assertEquals(Map.of(), r.raised);
    }

    @Test
    void shouldClearATimescaleWarningOnceTheSourceAgreesAgainAndForgetRemovedSources() {
        Recorder r = new Recorder();
        SourceWarnings w = new SourceWarnings(r, null);
        run(w, r, sources("x.example", t -> 37), T0, T0 + 10 * 60 * S, 0.003, NO_LEAP_BITS);
        run(w, r, sources("x.example", t -> 0.001), T0 + 10 * 60 * S, T0 + 20 * 60 * S, 0.003, NO_LEAP_BITS);
        assertEquals(List.of("timescale:x.example"), r.cleared);
        run(w, r, sources("y.example", t -> 37), T0 + 20 * 60 * S, T0 + 30 * 60 * S, 0.003, NO_LEAP_BITS);
        w.observe(T0 + 31 * 60 * S, new String[] {"a.example"}, new double[] {0}, new int[] {0});
        assertEquals(List.of("timescale:x.example", "timescale:y.example"), r.cleared, "removed with its source");
    }

    @Test
    void shouldRaiseNothingWithoutAMajority() {
        Recorder r = new Recorder();
        Map<String, LongToDoubleFunction> m = new LinkedHashMap<>();
        m.put("utc.example", t -> 0);
        m.put("tai.example", t -> 37);
        run(new SourceWarnings(r, null), r, m, T0, T0 + 20 * 60 * S, 0.003, NO_LEAP_BITS);
        assertEquals(Map.of(), r.raised, "two sources 37 s apart: which one is on TAI is not known");
    }

    /**
     * The whole path: the synchroniser's sources (their filters, spike gates and the discipline's leap) measured against
     * a virtual clock that inserts the leap second, one server smearing it; the detector reads the filters' estimates
     * as the daemon does. Returns what was raised.
     */
    private static Recorder closedLoop(boolean withSmearer) {
        return closedLoop(withSmearer, false, null);
    }

    /** As above; {@code exclude}: enable smearexclude; {@code states} collects the smearer's state at each hour. */
    private static Recorder closedLoop(boolean withSmearer, boolean exclude, List<String> states) {
        long startNs = LEAP_NS - 20 * H;
        VirtualClock clock = new VirtualClock(startNs, 0, 5e-6, 0, new SplittableRandom(3), 100_000);
        Synchroniser sync = new Synchroniser(clock, SyncConfig.defaults());
        sync.leapSeconds().add(LEAP_S, 1);
        Recorder r = new Recorder();
        SourceWarnings w = new SourceWarnings(r, sync.leapSeconds());
        w.excludeSmearing(exclude);
        String[] names = {"a.example", "b.example", "c.example", withSmearer ? "time.google.com" : "d.example"};
        Source[] src = reachableSources(sync, names);
        Sample sample = new Sample();
        SplittableRandom rnd = new SplittableRandom(11);
        long stepNs = POLL_NS / names.length;
        for (long t = startNs; t < LEAP_NS + 14 * H; t += stepNs) {
            advance(clock, sync, t);
            int i = (int) ((t - startNs) / stepNs % names.length);
            double utcNs = t - (t >= LEAP_NS ? S : 0); // the servers' UTC: Unix time repeats the inserted second
            double serverNs = withSmearer && i == 3 ? utcNs + googleSmearS(t) * S : utcNs;
            long delayNs = 10_000_000 + (long) (Math.abs(rnd.nextGaussian()) * 2_000_000);
            int leap = i < 3 && t >= LEAP_NS - 24 * H && t < LEAP_NS ? 1 : 0;
            measureAndObserve(sync, w, src[i], sample.set(clock.nowNs(), Math.round(serverNs - clock.nowNs()
                    + rnd.nextGaussian() * 500_000), delayNs, 1_000, 1_000_000, 2_000_000, 1, 0, leap, -24));
            if (states != null && (t - startNs) % H == 0) {
                states.add((t - LEAP_NS) / H + "h " + src[3].unusable(clock.nowNs(), SyncConfig.defaults().maxDistanceNs()));
            }
        }
        assertEquals(1, clock.leapsInserted(), "the local clock inserted the leap second");
        // The virtual clock's offset is against continuous (non-leaping) time: UTC is 1 s behind it now.
        assertTrue(Math.abs(clock.offsetNs() + S) < 10_000_000, "and follows the UTC servers: " + clock.offsetNs());
        return r;
    }

    @Test
    void shouldNameTheSmearerFromTheFiltersEstimatesWhileTheClockInsertsTheLeap() {
        Recorder r = closedLoop(true);
        assertEquals(Set.of("smear:time.google.com"), r.raised.keySet(), r.raised::toString);
        assertTrue(r.raisedAtNs.get("smear:time.google.com") < LEAP_NS - 6 * H, r.raisedAtNs::toString);
    }

    @Test
    void shouldExcludeTheSmearerUntilTheLeapIsOverWhenConfigured() {
        List<String> states = new ArrayList<>();
        Recorder r = closedLoop(true, true, states);
        String text = r.raised.get("smear:time.google.com");
        assertTrue(text.contains("it is excluded from selection until 2017-01-02T12:00:00Z (enable smearexclude)"), text);
        assertTrue(states.contains("-6h SMEARING") && states.contains("13h SMEARING"), states::toString);
        assertTrue(states.contains("-12h null"), "selectable before: " + states);
        Recorder def = closedLoop(true);
        assertTrue(def.raised.get("smear:time.google.com").contains("it is not excluded"), def.raised::toString);
    }

    @Test
    void shouldRaiseNothingFromTheFiltersEstimatesWhenEveryServerInsertsTheLeap() {
        assertEquals(Map.of(), closedLoop(false).raised);
    }

    @Test
    void shouldNameATaiServerFromTheFiltersEstimates() {
        long startNs = LEAP_NS + 100 * 86_400 * S;
        VirtualClock clock = new VirtualClock(startNs, 0, 5e-6, 0, new SplittableRandom(3), 100_000);
        Synchroniser sync = new Synchroniser(clock, SyncConfig.defaults());
        Recorder r = new Recorder();
        SourceWarnings w = new SourceWarnings(r, sync.leapSeconds());
        String[] names = {"a.example", "b.example", "c.example", "tai.example"};
        Source[] src = reachableSources(sync, names);
        Sample sample = new Sample();
        SplittableRandom rnd = new SplittableRandom(5);
        long stepNs = 4 * S; // iburst-like: each source every 16 s
        for (long t = startNs; t < startNs + 20 * 60 * S; t += stepNs) {
            advance(clock, sync, t);
            int i = (int) ((t - startNs) / stepNs % names.length);
            double serverNs = t + (i == 3 ? 37 * S : 0);
            measureAndObserve(sync, w, src[i], sample.set(clock.nowNs(), Math.round(serverNs - clock.nowNs()
                    + rnd.nextGaussian() * 2_000_000), 20_000_000, 1_000, 1_000_000, 2_000_000, 1, 0, 0, -24));
        }
        assertEquals(SyncStatus.SYNCHRONISED, sync.status(), () -> "to the three UTC servers: " + sync.statusMessage());
        assertTrue(Math.abs(clock.offsetNs()) < 50_000_000, "the clock follows UTC: " + clock.offsetNs());
        assertEquals(Set.of("timescale:tai.example"), r.raised.keySet(), r.raised::toString);
        assertTrue(r.raised.get("timescale:tai.example").contains("it likely serves TAI, not UTC"), r.raised::toString);
    }

    private static Source[] reachableSources(Synchroniser sync, String... names) {
        Source[] src = new Source[names.length];
        for (int i = 0; i < names.length; i++) {
            src[i] = sync.addSource(SourceConfig.of(names[i], i + 1));
            src[i].setReachable(true);
        }
        return src;
    }

    /** The sample into its source, the synchroniser updated when it was accepted, the detector run as the daemon does. */
    private static void measureAndObserve(Synchroniser sync, SourceWarnings w, Source src, Sample sample) {
        if (src.accumulate(sample)) {
            sync.update(sample.localTimeNs);
        }
        w.observe(sample.localTimeNs, sync.sources());
    }

    /** Advances {@code clock} to true time {@code trueNs}, running the synchroniser's timer on time (a slew ends then). */
    private static void advance(VirtualClock clock, Synchroniser sync, long trueNs) {
        while (sync.nextTimerNs() != Long.MAX_VALUE) {
            long aheadNs = sync.nextTimerNs() - clock.nowNs();
            long dueNs = clock.trueNs() + Math.max(0, (long) Math.ceil(aheadNs / (1 + clock.frequencyError())));
            if (dueNs > trueNs) {
                break;
            }
            clock.advanceTo(dueNs);
            if (clock.nowNs() - sync.nextTimerNs() >= 0) {
                sync.onTimer(clock.nowNs());
            } else {
                clock.advanceTo(clock.trueNs() + 1_000);
            }
        }
        clock.advanceTo(trueNs);
    }
}
