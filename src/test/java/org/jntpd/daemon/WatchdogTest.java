package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.jntpd.base.Agent;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.LoopRunner;
import org.junit.jupiter.api.Test;

class WatchdogTest {
    /** A loop that passes every millisecond until told to hang in its pass. */
    private static final class Loop implements Agent {
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean hang;

        @Override
        public String roleName() {
            return "loop";
        }

        @Override
        public int doWork() throws InterruptedException {
            if (hang) {
                release.await(); // a call that never returns, as far as the watchdog can tell
            }
            Thread.sleep(1);
            return 1;
        }
    }

    private static void passes(LoopRunner r, long atLeast) throws InterruptedException {
        long target = r.passes() + atLeast;
        for (int i = 0; i < 5_000 && r.passes() < target; i++) {
            Thread.sleep(1);
        }
    }

    @Test
    void shouldFeedOnlyWhileEveryWatchedLoopMakesProgress() throws Exception {
        List<String> sent = new ArrayList<>();
        Watchdog w = new Watchdog(2_000_000_000L, sent::add);
        Loop syncLoop = new Loop();
        Loop worker = new Loop();
        LoopRunner.DeathHandler none = (r, c) -> {};
        try (LoopRunner a = LoopRunner.start("t-sync", syncLoop, IdleStrategy.waitsInAgent(), none);
                LoopRunner b = LoopRunner.start("t-worker", worker, IdleStrategy.waitsInAgent(), none)) {
            w.watch(a);
            w.watch(b);
            passes(a, 3);
            passes(b, 3);
            assertTrue(w.check());
            passes(a, 3);
            passes(b, 3);
            assertTrue(w.check());
            worker.hang = true;
            passes(b, 2); // the pass under way when it was told
            long stuck = b.passes();
            passes(a, 3);
            assertEquals(stuck, b.passes());
            w.check(); // may still see the last pass before the hang
            passes(a, 3);
            assertFalse(w.check(), "a hung worker: not fed");
            worker.hang = false;
            worker.release.countDown();
            passes(a, 3);
            passes(b, 3);
            assertTrue(w.check(), "fed again once it moves");
        }
        // Fed by the 3 checks that saw progress everywhere (and maybe the one right after the hang began), no other.
        assertTrue(sent.size() >= 3 && sent.size() <= 4 && sent.stream().allMatch("WATCHDOG=1"::equals), sent.toString());
    }

    @Test
    void shouldReadSystemdsIntervalForThisProcessOnly() {
        assertEquals(30_000_000_000L, Watchdog.intervalNs(Map.of("WATCHDOG_USEC", "30000000"), 42));
        assertEquals(30_000_000_000L, Watchdog.intervalNs(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42));
        assertEquals(0, Watchdog.intervalNs(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "7"), 42));
        assertEquals(0, Watchdog.intervalNs(Map.of(), 42));
        assertEquals(0, Watchdog.intervalNs(Map.of("WATCHDOG_USEC", "soon"), 42));
    }
}
