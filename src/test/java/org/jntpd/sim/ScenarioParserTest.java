package org.jntpd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioParserTest {
    @Test
    void shouldReadEveryDirective() {
        Scenario sc = ScenarioParser.parse("x.scn", List.of(
                "# comment",
                "id X-1   # trailing comment",
                "limit 1000",
                "settle 10",
                "seeds 7",
                "epoch 1782777600",
                "sync-limits 0.1 1e-2",
                "falseticker-threshold 0.05",
                "reference a",
                "client offset -0.2 freq 5e-5 wander 1e-8 freqstep 500 1e-6",
                "server a offset 0.5 delay 1e-3 jitter 1e-4 up-jitter 2e-4 spike 0.01 0.05 loss 0.1 stamp-noise 2e-5 step 300 0 path-step 400 1e-3 2e-3 path-step 500 -1e-3 -1e-3",
                "server b",
                "network up 1799.9 period 86400",
                "leap insert 86400",
                "conf server a minpoll 4 maxpoll 6 iburst",
                "conf tos minsane 2"));
        assertEquals("X-1", sc.id());
        assertEquals(1000, sc.limitS());
        assertEquals(10, sc.settleS());
        assertEquals(7, sc.seeds());
        assertEquals(1_782_777_600L, sc.epochS());
        assertEquals(0.1, sc.syncOffsetLimitS());
        assertEquals(0.05, sc.falsetickerS());
        assertEquals(0.5, sc.referenceOffsetS(299.9), "the error is measured against a's clock");
        assertEquals(new Scenario.Client(-0.2, 5e-5, 1e-8, List.of(new Scenario.Step(500, 1e-6))), sc.client());
        Scenario.Server a = sc.servers().get(0);
        assertEquals(new Scenario.DelayLaw(1e-3, 2e-4, 0.01, 0.05), a.up());
        assertEquals(new Scenario.DelayLaw(1e-3, 1e-4, 0.01, 0.05), a.down());
        assertEquals(0.5, a.offsetAt(299.9));
        assertEquals(0.0, a.offsetAt(300));
        assertEquals(0.0, a.pathDelayS(399.9, false));
        assertEquals(1e-3, a.pathDelayS(400, false));
        assertEquals(2e-3, a.pathDelayS(400, true));
        assertEquals(1e-3, a.pathDelayS(500, true), 1e-15);
        assertEquals(0.0, a.pathDelayS(500, false), 1e-15);
        assertEquals(2e-5, a.stampNoiseS());
        assertEquals(new Scenario.DelayLaw(1e-4, 1e-4, 0, 0), sc.servers().get(1).up(), "defaults: D0 100 us, J 100 us");
        assertEquals(0.0, sc.servers().get(1).stampNoiseS(), "exact timestamps by default");
        assertTrue(sc.network().up(86_400 + 1799));
        assertTrue(!sc.network().up(86_400 + 1799.95));
        assertEquals(List.of(new Scenario.Leap(86_400, 1)), sc.leaps());
        assertEquals(List.of("server a minpoll 4 maxpoll 6 iburst", "tos minsane 2"), sc.conf());
    }

    @Test
    void shouldConfigureOneServerLinePerServerByDefault() {
        Scenario sc = ScenarioParser.parse("y", List.of("id Y", "limit 10", "settle 1", "server a", "server b"));
        assertEquals(List.of("server a", "server b"), sc.conf());
    }

    @Test
    void shouldNameFileLineAndWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScenarioParser.parse("bad.scn", List.of("id B", "limit ten")));
        assertEquals("bad.scn:2: expected LIMIT in seconds, got \"ten\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScenarioParser.parse("bad.scn", List.of("id B", "server a jitter 1e-4 colour red")));
        assertEquals("bad.scn:2: expected offset, delay, jitter, up-jitter, down-jitter, spike, loss, stamp-noise, step or path-step, "
                + "got \"colour\"",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScenarioParser.parse("bad.scn", List.of("id B", "limit 10", "settle 1")));
        assertTrue(e.getMessage().contains("at least one server"), e.getMessage());
    }

    @Test
    void shouldPutStampNoiseIntoTheOffsetsAndNotTheDelays() {
        // A quiet path (1 us jitter) polled every second: the delays tell the filter nothing about the stamps' noise,
        // so 300 us of it shows in the clock (a filter averaging 1 s samples), where exact stamps leave a few us.
        String[] world = {"id N", "limit 600", "settle 300", "client offset 0.001 freq 2e-5 wander 1e-9",
                "conf server s1 minpoll 0 maxpoll 0 iburst"};
        double exactS = 0;
        double noisyS = 0;
        for (int seed = 1; seed <= 3; seed++) {
            exactS += new Simulation(withServer(world, "server s1 jitter 1e-6"), seed).run().rmsS();
            noisyS += new Simulation(withServer(world, "server s1 jitter 1e-6 stamp-noise 3e-4"), seed).run().rmsS();
        }
        assertTrue(exactS / 3 < 5e-6, "exact stamps: RMS " + exactS / 3);
        assertTrue(noisyS > 5 * exactS, "noisy stamps: RMS " + noisyS / 3 + " against " + exactS / 3);
    }

    private static Scenario withServer(String[] world, String server) {
        List<String> lines = new java.util.ArrayList<>(List.of(world));
        lines.add(server);
        return ScenarioParser.parse("inline", lines);
    }
}
