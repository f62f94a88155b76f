package org.jntpd.base;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one {@link Agent} on its own platform thread, with the one error policy every jntpd thread loop follows
 * (Agrona's {@code AgentRunner} is the model; docs/DESIGN.md "Thread loops" states the policy):
 * <ul>
 * <li>A pass that throws an {@link Exception} is counted ({@link #errors()}), logged (at once, then the same
 *     message at most every {@link RateLimitedLog#REPEAT_NS} with the count in between), reported to the agent
 *     ({@link Agent#onError}), and the next pass runs after a back-off: {@link Policy#firstBackoffNs()}, doubling up
 *     to {@link Policy#maxBackoffNs()}, so a loop that fails at once cannot spin. The loop has recovered when its
 *     passes succeed for {@link Policy#recoveryNs()} without a failure; that ends the back-off.</li>
 * <li>The loop is <em>dead</em> when it has been failing (not recovered) for {@link Policy#giveUpNs()}: every pass,
 *     or only those that reach what is broken (the synchronisation loop's passes that adjust the clock); when a
 *     pass throws an {@link Error} (out of memory, a stack overflow, a broken class: nothing can be trusted after
 *     it), or when {@link Agent#onStart()} throws. The runner logs it at ERROR, runs {@link Agent#onClose()} and calls
 *     the {@link DeathHandler}: the daemon's stops the daemon with a non-zero exit status, so that systemd
 *     ({@code Restart=on-failure}) starts it again.</li>
 * <li>An agent whose work is done throws {@link AgentTerminationException}: the loop stops as if asked to.</li>
 * <li>{@link #passes()}, the count of passes that succeeded, is the loop's heartbeat: the systemd watchdog is fed
 *     only while every loop that matters has made progress since the last feed.</li>
 * </ul>
 * Nothing here allocates per pass: a pass costs a counter store and the idle strategy.
 */
public final class LoopRunner implements AutoCloseable {
    /** How a runner reacts to failing passes. */
    public record Policy(long firstBackoffNs, long maxBackoffNs, long giveUpNs, long recoveryNs) {
        public Policy {
            if (firstBackoffNs <= 0 || maxBackoffNs < firstBackoffNs || giveUpNs <= 0 || recoveryNs <= 0) {
                throw new IllegalArgumentException("loop policy: 0 < firstBackoffNs <= maxBackoffNs, giveUpNs and "
                        + "recoveryNs > 0");
            }
        }
    }

    /**
     * For tests only: how long passes may fail before the loop is dead, ms, instead of
     * {@link #GIVE_UP_DEFAULT_NS}. Not a configuration option.
     */
    public static final String GIVE_UP_PROP_NAME = "jntpd.loopGiveUpMs";
    /** 30 s: longer than any transient trouble we know of (a full send buffer, an interrupted call), short for an outage. */
    public static final long GIVE_UP_DEFAULT_NS = 30_000_000_000L;
    /**
     * 10 ms, doubling to 1 s, then 1 s between attempts until the loop recovers (5 s without a failed pass) or gives
     * up.
     */
    public static final Policy DEFAULT = new Policy(10_000_000L, 1_000_000_000L,
            Long.getLong(GIVE_UP_PROP_NAME, GIVE_UP_DEFAULT_NS / 1_000_000L) * 1_000_000L, 5_000_000_000L);
    private static final long JOIN_TIMEOUT_MS = 5_000;

    /** What to do when a loop dies (called once, on the loop's thread, after {@link Agent#onClose()}). */
    @FunctionalInterface
    public interface DeathHandler {
        void died(LoopRunner runner, Throwable cause);
    }

    /** A loop's life: NEW until started, RUNNING, then STOPPED (asked to) or DEAD (by the policy). */
    public enum State { NEW, RUNNING, STOPPED, DEAD }

    private final Agent agent;
    private final IdleStrategy idle;
    private final Policy policy;
    private final DeathHandler onDeath;
    private final Thread thread;
    private final RateLimitedLog log;
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean running = true;
    private volatile State state = State.NEW;
    private volatile Throwable cause;

    /**
     * @param threadName the platform thread's name
     * @param onDeath    called when the loop dies (see the class comment); not called when it is stopped
     */
    public LoopRunner(String threadName, Agent agent, IdleStrategy idle, Policy policy, DeathHandler onDeath) {
        this.agent = agent;
        this.idle = idle;
        this.policy = policy;
        this.onDeath = onDeath;
        this.log = new RateLimitedLog(agent.roleName() + ": ");
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
    }

    /** A runner with the {@link #DEFAULT} policy, started. */
    public static LoopRunner start(String threadName, Agent agent, IdleStrategy idle, DeathHandler onDeath) {
        LoopRunner r = new LoopRunner(threadName, agent, idle, DEFAULT, onDeath);
        r.start();
        return r;
    }

    /** Starts the thread (once). */
    public synchronized void start() {
        if (state == State.NEW) {
            state = State.RUNNING;
            thread.start();
        }
    }

    public Agent agent() {
        return agent;
    }

    /** Passes that succeeded: the heartbeat (any thread). */
    public long passes() {
        return passes.get();
    }

    /** Passes that threw (any thread). */
    public long errors() {
        return errors.get();
    }

    public State state() {
        return state;
    }

    /** Why the loop died, or null. */
    public Throwable cause() {
        return cause;
    }

    public Thread thread() {
        return thread;
    }

    private void run() {
        try {
            agent.onStart();
        } catch (AgentTerminationException done) {
            Log.info(agent.roleName() + ": " + done.getMessage());
            state = State.STOPPED;
            close(agent);
            return;
        } catch (Throwable t) {
            die(t, "could not start");
            return;
        }
        long localPasses = 0;
        long failingSinceNs = 0;
        long lastFailureNs = 0;
        long backoffNs = 0;
        long failures = 0;
        while (running) {
            int work;
            try {
                work = agent.doWork();
            } catch (AgentTerminationException done) {
                Log.info(agent.roleName() + ": " + done.getMessage());
                break;
            } catch (Exception e) {
                if (!running) {
                    break; // interrupted or closed under it by a stop: not a failure
                }
                errors.incrementAndGet();
                failures++;
                long nowNs = System.nanoTime();
                if (failingSinceNs == 0) {
                    failingSinceNs = nowNs;
                }
                lastFailureNs = nowNs;
                log.warn("pass failed: " + describe(e) + "; trying again with back-off");
                try {
                    agent.onError(e);
                } catch (RuntimeException ignored) {
                    // onError must not throw; the failure it would report is already logged
                }
                if (nowNs - failingSinceNs >= policy.giveUpNs()) {
                    die(e, "failing for " + String.format(java.util.Locale.ROOT, "%.3g", policy.giveUpNs() * 1e-9)
                            + " s (" + failures + " failed passes)");
                    return;
                }
                backoffNs = backoffNs == 0 ? policy.firstBackoffNs() : Math.min(2 * backoffNs, policy.maxBackoffNs());
                pause(backoffNs);
                continue;
            } catch (Error e) {
                errors.incrementAndGet();
                die(e, "failed");
                return;
            }
            passes.lazySet(++localPasses);
            if (failingSinceNs != 0 && System.nanoTime() - lastFailureNs >= policy.recoveryNs()) {
                log.recovered("passes succeed again after " + failures + " failure(s)");
                failingSinceNs = 0;
                backoffNs = 0;
                failures = 0;
                try {
                    agent.onRecovered();
                } catch (RuntimeException ignored) {
                    // onRecovered must not throw; the next failure, if any, is counted and logged as usual
                }
            }
            idle.idle(work);
        }
        state = State.STOPPED;
        close(agent);
    }

    private void die(Throwable t, String how) {
        cause = t;
        state = State.DEAD;
        Log.error(agent.roleName() + ": " + how + ": " + describe(t) + "; the loop has stopped");
        close(agent);
        try {
            onDeath.died(this, t);
        } catch (RuntimeException e) {
            Log.error(agent.roleName() + ": the death handler failed: " + describe(e));
        }
    }

    private static void close(Agent agent) {
        try {
            agent.onClose();
        } catch (RuntimeException e) {
            Log.warn(agent.roleName() + ": closing: " + describe(e));
        }
    }

    /** Waits {@code ns} unless asked to stop. */
    private void pause(long ns) {
        long endNs = System.nanoTime() + ns;
        long leftNs;
        while (running && (leftNs = endNs - System.nanoTime()) > 0) {
            LockSupport.parkNanos(leftNs);
        }
    }

    /** The exception and where it was thrown, for one log line. */
    static String describe(Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        return t + (trace.length > 0 ? " (at " + trace[0] + ")" : "");
    }

    /** Asks the loop to stop, without waiting (it does within the agent's longest wait). */
    public void stop() {
        running = false;
        LockSupport.unpark(thread);
    }

    /**
     * Asks the loop to stop and waits for it (up to 5 s; the agent's own waits are bounded). Not from the loop's
     * own thread: there it only asks.
     */
    @Override
    public void close() {
        stop();
        if (thread == Thread.currentThread() || !thread.isAlive()) {
            return;
        }
        try {
            thread.join(JOIN_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            Log.warn(agent.roleName() + ": did not stop within " + JOIN_TIMEOUT_MS + " ms");
        }
    }
}
