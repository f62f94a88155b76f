package org.jntpd.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

class LoopRunnerTest {
    private static final LoopRunner.Policy QUICK = new LoopRunner.Policy(1_000_000L, 8_000_000L, 300_000_000L,
            50_000_000L);

    /** An agent whose passes do what the test says, counting what the runner did with it. */
    private static final class Scripted implements Agent {
        final IntSupplier pass;
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger errorsSeen = new AtomicInteger();
        final AtomicInteger recoveries = new AtomicInteger();
        volatile RuntimeException failStart;

        Scripted(IntSupplier pass) {
            this.pass = pass;
        }

        @Override
        public String roleName() {
            return "test loop";
        }

        @Override
        public void onStart() {
            starts.incrementAndGet();
            if (failStart != null) {
                throw failStart;
            }
        }

        @Override
        public int doWork() {
            return pass.getAsInt();
        }

        @Override
        public void onError(Throwable cause) {
            errorsSeen.incrementAndGet();
        }

        @Override
        public void onRecovered() {
            recoveries.incrementAndGet();
        }

        @Override
        public void onClose() {
            closes.incrementAndGet();
        }
    }

    private static final class Deaths implements LoopRunner.DeathHandler {
        final CountDownLatch died = new CountDownLatch(1);
        final AtomicInteger count = new AtomicInteger();
        final AtomicReference<Throwable> cause = new AtomicReference<>();

        @Override
        public void died(LoopRunner runner, Throwable t) {
            count.incrementAndGet();
            cause.set(t);
            died.countDown();
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what);
            Thread.sleep(1);
        }
    }

    @Test
    void shouldCountFailingPassesBackOffAndGoOnWhenPassesSucceedAgain() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Scripted agent = new Scripted(() -> {
            int n = calls.incrementAndGet();
            if (n >= 3 && n < 8) {
                throw new IllegalStateException("transient " + n);
            }
            return 0;
        });
        Deaths deaths = new Deaths();
        try (LoopRunner r = new LoopRunner("test-loop", agent, IdleStrategy.park(100_000L), QUICK, deaths)) {
            long t0 = System.nanoTime();
            r.start();
            await(() -> r.passes() >= 20, "passes after the failures");
            assertEquals(5, r.errors());
            assertEquals(5, agent.errorsSeen.get(), "each failure reported to the agent");
            // Back-off between the five failures: 1 + 2 + 4 + 8 + 8 ms at least.
            assertTrue(System.nanoTime() - t0 >= 23_000_000L, "no back-off");
            assertEquals(LoopRunner.State.RUNNING, r.state());
            // 50 ms of passes without a failure: recovered, told once (the sync loop serves its state again).
            await(() -> agent.recoveries.get() == 1, "the recovery");
            long passes = r.passes();
            await(() -> r.passes() >= passes + 20, "passes after the recovery");
            assertEquals(1, agent.recoveries.get());
        }
        assertEquals(0, deaths.count.get());
        assertEquals(1, agent.starts.get());
        assertEquals(1, agent.closes.get());
    }

    @Test
    void shouldDieAfterFailingForTheWholeBudgetAndCallTheHandlerOnce() throws Exception {
        IllegalStateException broken = new IllegalStateException("always");
        Scripted agent = new Scripted(() -> {
            throw broken;
        });
        Deaths deaths = new Deaths();
        try (LoopRunner r = new LoopRunner("test-loop", agent, IdleStrategy.waitsInAgent(), QUICK, deaths)) {
            r.start();
            assertTrue(deaths.died.await(10, TimeUnit.SECONDS), "the loop never died");
            r.thread().join(5_000);
            assertEquals(LoopRunner.State.DEAD, r.state());
            assertSame(broken, r.cause());
            assertEquals(0, r.passes());
            // 300 ms of back-off capped at 8 ms: a few dozen attempts, never a spin.
            assertTrue(r.errors() > 5 && r.errors() < 300, "attempts: " + r.errors());
        }
        assertEquals(1, deaths.count.get());
        assertSame(broken, deaths.cause.get());
        assertEquals(1, agent.closes.get(), "closed once, before the handler");
    }

    @Test
    void shouldDieWhenSomePassesKeepFailingThoughOthersSucceed() throws Exception {
        // Every third pass fails (only those reach what is broken): never 50 ms without a failure, so never recovered.
        AtomicInteger calls = new AtomicInteger();
        Scripted agent = new Scripted(() -> {
            if (calls.incrementAndGet() % 3 == 0) {
                throw new IllegalStateException("the clock refuses");
            }
            return 1;
        });
        Deaths deaths = new Deaths();
        try (LoopRunner r = new LoopRunner("test-loop", agent, IdleStrategy.park(1_000_000L), QUICK, deaths)) {
            r.start();
            assertTrue(deaths.died.await(10, TimeUnit.SECONDS), "the loop never died");
            assertTrue(r.passes() > 10, "passes succeeded meanwhile: " + r.passes());
        }
    }

    @Test
    void shouldDieAtOnceOnAnError() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Scripted agent = new Scripted(() -> {
            if (calls.incrementAndGet() == 4) {
                throw new OutOfMemoryError("test");
            }
            return 1;
        });
        Deaths deaths = new Deaths();
        try (LoopRunner r = new LoopRunner("test-loop", agent, IdleStrategy.waitsInAgent(), QUICK, deaths)) {
            r.start();
            assertTrue(deaths.died.await(10, TimeUnit.SECONDS));
            assertInstanceOf(OutOfMemoryError.class, r.cause());
            assertEquals(3, r.passes());
            assertEquals(4, calls.get(), "no pass after the error");
        }
    }

    @Test
    void shouldDieWhenItCannotStart() throws Exception {
        Scripted agent = new Scripted(() -> 0);
        agent.failStart = new IllegalArgumentException("cannot open");
        Deaths deaths = new Deaths();
        try (LoopRunner r = new LoopRunner("test-loop", agent, IdleStrategy.waitsInAgent(), QUICK, deaths)) {
            r.start();
            assertTrue(deaths.died.await(10, TimeUnit.SECONDS));
            assertSame(agent.failStart, r.cause());
            assertEquals(0, r.passes());
            assertEquals(1, agent.closes.get());
        }
    }

    @Test
    void shouldStopWhenAskedWithoutCallingTheHandler() throws Exception {
        Scripted agent = new Scripted(() -> 1);
        Deaths deaths = new Deaths();
        LoopRunner r = new LoopRunner("test-loop", agent, IdleStrategy.busySpin(), QUICK, deaths);
        r.start();
        await(() -> r.passes() > 1000, "passes");
        r.close();
        assertEquals(LoopRunner.State.STOPPED, r.state());
        assertTrue(!r.thread().isAlive());
        assertNull(r.cause());
        assertEquals(0, deaths.count.get());
        assertEquals(1, agent.closes.get());
    }
}
