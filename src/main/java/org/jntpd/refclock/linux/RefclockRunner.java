package org.jntpd.refclock.linux;

import static org.jntpd.time.Units.NS_PER_S;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.jntpd.base.Agent;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.Log;
import org.jntpd.base.LoopRunner;
import org.jntpd.base.RateLimitedLog;
import org.jntpd.refclock.PulseMonitor;
import org.jntpd.refclock.Refclock;
import org.jntpd.refclock.RefclockSample;
import org.jntpd.refclock.RefclockSettings;
import org.jntpd.time.Units;

/**
 * Runs one reference clock on its own platform thread: opens the device, waits on it, feeds the pure driver and, every
 * 2^pollLog2 s, hands the clock's {@link RefclockSample} to the daemon's {@link RefclockSink}. Never one of the serving
 * threads; built by {@link RefclockRunners#create}.
 *
 * <p>Failures degrade, never crash: a device that cannot be opened, vanishes or answers an error is closed and opened
 * again after 1, 2, 4 ... 64 s; errors are counted ({@link #counters()}) and logged sparingly. EINTR and timeouts are
 * part of waiting, not errors. Anything else a turn throws (a bug) is the {@link LoopRunner}'s: counted, logged,
 * the next turn after a back-off, and the daemon's policy when turns keep failing.
 *
 * <p>Thread safety: {@link #onClockStep} may be called from any thread (the daemon's sync thread, right after the
 * step): it moves the stored measurements at once, under the lock the runner takes to measure. (It was posted and
 * applied before the runner's next turn; but a runner waiting in the device has measured by then, and a pulse
 * stamped after the step was moved with the older ones: 0.3 s wrong after a 0.3 s step.) {@link #onRateChange} too.
 * {@link #dropSamples} is posted and applied before the runner's next turn. {@link #counters()} may be read from any
 * thread.
 */
public final class RefclockRunner implements Agent, AutoCloseable {
    /** Longest wait in one device call: posted drops and {@link #close()} take effect within it. */
    public static final long MAX_WAIT_NS = 250_000_000L;
    private static final long FIRST_RETRY_NS = NS_PER_S;
    private static final long MAX_RETRY_NS = 64_000_000_000L;
    private static final Refclock.Verdict[] VERDICTS = Refclock.Verdict.values();
    /** Polls without a sample before the log says so. */
    private static final int QUIET_POLLS = 8;

    /**
     * A snapshot of a runner's counters.
     *
     * @param samples        samples handed to the sink
     * @param emptyPolls     polls with nothing to hand over (no measurement accepted since the last poll)
     * @param measurements   raw measurements the clock accepted
     * @param refused        raw measurements the clock refused (stale, unsynchronised, not locked ...; see
     *                       {@link Refclock.Verdict})
     * @param goodPulses     PPS: pulses that fit the pulse train
     * @param missedPulses   PPS: periods without a pulse
     * @param spuriousPulses PPS: pulses off the train or of the wrong width
     * @param unreadPulses   PPS: events the kernel counted that were never fetched
     * @param pulseJitterNs  PPS: timestamp jitter (1 sigma) of the pulse train, -1 until known
     * @param badMessages    data the driver could not use: SHM torn reads and bad modes, malformed SOCK datagrams, NMEA
     *                       checksum or format errors, PHC reads without a usable result
     * @param deviceErrors   failed opens and failed device calls
     * @param deviceOpen     whether the device is open now
     * @param lastError      the last device error, null if none
     */
    public record Counters(long samples, long emptyPolls, long measurements, long refused, long goodPulses,
            long missedPulses, long spuriousPulses, long unreadPulses, long pulseJitterNs, long badMessages,
            long deviceErrors, boolean deviceOpen, String lastError) {
    }

    private final DeviceLoop loop;
    private final Refclock clock;
    private final Object lock;
    private final LongSupplier realtimeNs;
    private final RefclockSink sink;
    private final String location;
    private final long pollIntervalNs;
    private final LoopRunner runner;
    private final RateLimitedLog log;
    private final AtomicBoolean pendingDrop = new AtomicBoolean();
    private final CountDownLatch firstOpen = new CountDownLatch(1);
    // Runner thread only.
    private long nextPollNs;
    private long nextOpenNs;
    private long retryNs = FIRST_RETRY_NS;
    private int quietPolls;
    private final long[] verdictsAtLastSample = new long[VERDICTS.length];

    private volatile long samples;
    private volatile long emptyPolls;
    private volatile long measurements;
    private volatile long refused;
    private volatile long goodPulses;
    private volatile long missedPulses;
    private volatile long spuriousPulses;
    private volatile long unreadPulses;
    private volatile long pulseJitterNs = -1;
    private volatile long badMessages;
    private volatile long deviceErrors;
    private volatile boolean deviceOpen;
    private volatile String lastError;

    /**
     * @param location where the clock was configured ("file:line"), for log lines; null if not from a file
     */
    RefclockRunner(DeviceLoop loop, RefclockSink sink, String location) {
        this(loop, sink, location, LOG_ONLY);
    }

    /** Without a daemon's policy (tests): a dead runner is logged; its source goes unreachable. */
    static final LoopRunner.DeathHandler LOG_ONLY = (r, cause) -> Log.error(r.agent().roleName()
            + " stopped; its source is unreachable");


    /** @param onDeath what the daemon does when the runner's loop dies (see {@link LoopRunner}) */
    RefclockRunner(DeviceLoop loop, RefclockSink sink, String location, LoopRunner.DeathHandler onDeath) {
        this.loop = loop;
        this.clock = loop.clock;
        this.lock = loop.lock;
        this.realtimeNs = loop.realtimeNs;
        this.sink = sink;
        this.location = location;
        this.pollIntervalNs = intervalNs(clock.settings().pollLog2());
        this.log = new RateLimitedLog("refclock " + refId() + " (" + loop.device()
                + (location == null ? "" : ", configured at " + location) + "): ");
        this.runner = new LoopRunner("refclock-" + refId(), this, IdleStrategy.waitsInAgent(), LoopRunner.DEFAULT, onDeath);
    }

    /** 2^log2 seconds in ns (log2 down to -30). */
    static long intervalNs(int log2) {
        return Units.log2ToNs(log2);
    }

    public RefclockSettings settings() {
        return clock.settings();
    }

    public String refId() {
        return clock.settings().refId();
    }

    /**
     * The {@code time2} in force: the configured one, or for an NMEA clock with {@code time2 auto} the saved or learnt
     * one ({@code ntpq -c cv} shows it as fudgetime2). Thread-safe.
     */
    public long time2Ns() {
        return loop.time2Ns();
    }

    /** The device as the log names it: a path, "SHM unit 0". */
    public String device() {
        return loop.device();
    }

    /** The monitor its Refclock calls hold: shared by the clocks of one lock group (tests). */
    Object monitor() {
        return lock;
    }

    /** Where the clock was configured, "file:line"; null when not from a file. */
    public String location() {
        return location;
    }

    /** Starts the thread; the device is opened there ({@link #awaitFirstOpen}). */
    public void start() {
        runner.start();
    }

    /**
     * Waits until the thread has tried to open the device once (whether it could: {@link Counters#deviceOpen()}).
     * The daemon waits for this before it drops privileges: a device is opened with the rights the process has.
     *
     * @return false when the attempt did not end within the timeout
     */
    public boolean awaitFirstOpen(long timeoutMs) throws InterruptedException {
        return firstOpen.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /**
     * The system clock was just stepped by {@code stepNs} (positive = forward): the measurements taken before move
     * with it. Thread-safe; waits only for a measurement in progress.
     */
    public void onClockStep(long stepNs) {
        synchronized (lock) {
            clock.onClockStep(stepNs);
            loop.onClockStep(stepNs);
        }
    }

    /**
     * The system clock's rate changed by {@code dFreq} at {@code atNs} (change {@code number}): the measurements taken
     * before are re-expressed at the new rate ({@link Refclock#onRateChange}). Thread-safe, as {@link #onClockStep}.
     */
    public void onRateChange(long atNs, double dFreq, long number) {
        synchronized (lock) {
            clock.onRateChange(atNs, dFreq, number);
        }
    }

    /** Posts an unknown jump of the system clock: all measurements are forgotten. Thread-safe. */
    public void dropSamples() {
        pendingDrop.set(true);
        LockSupport.unpark(runner.thread());
    }

    public Counters counters() {
        return new Counters(samples, emptyPolls, measurements, refused, goodPulses, missedPulses, spuriousPulses,
                unreadPulses, pulseJitterNs, badMessages, deviceErrors, deviceOpen, lastError);
    }

    /** Whether the thread runs. */
    public boolean running() {
        return runner.thread().isAlive();
    }

    /** Its loop (heartbeat, errors, state). */
    public LoopRunner runner() {
        return runner;
    }

    /** Stops the thread (within {@link #MAX_WAIT_NS} or so) and closes the device. */
    @Override
    public void close() {
        runner.close();
    }

    @Override
    public String roleName() {
        return toString();
    }

    @Override
    public void onStart() {
        nextPollNs = System.nanoTime() + pollIntervalNs;
        nextOpenNs = System.nanoTime();
    }

    @Override
    public int doWork() {
        step();
        return 1; // a turn waits in the device, or parks, itself
    }

    @Override
    public void onClose() {
        loop.close();
        deviceOpen = false;
        firstOpen.countDown();
    }

    /** One turn: the posted steps, then the clock's poll when due, else an open attempt or a wait on the device. */
    private void step() {
        applyPosts();
        long mono = System.nanoTime();
        if (mono - nextPollNs >= 0) {
            poll();
            nextPollNs += pollIntervalNs;
            if (mono - nextPollNs >= 0) {
                nextPollNs = mono + pollIntervalNs; // behind after a stall: no burst of polls
            }
            return;
        }
        long waitNs = Math.min(nextPollNs - mono, MAX_WAIT_NS);
        if (!deviceOpen) {
            if (mono - nextOpenNs < 0) {
                DeviceLoop.park(Math.min(waitNs, nextOpenNs - mono));
                return;
            }
            try {
                loop.open();
                deviceOpen = true;
                retryNs = FIRST_RETRY_NS;
                if (deviceErrors == 0) {
                    Log.info(this + ": opened");
                } else {
                    log.recovered("opened again");
                }
            } catch (RuntimeException e) {
                loop.close();
                failed(e);
            }
            firstOpen.countDown();
            return;
        }
        try {
            loop.service(waitNs);
        } catch (RuntimeException e) {
            failed(e);
            loop.close();
            deviceOpen = false;
        }
        publish();
    }

    /** A device error: counted, logged sparingly, and the device opened again after the back-off. */
    private void failed(RuntimeException e) {
        deviceErrors++;
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        lastError = message;
        log.warn(message);
        nextOpenNs = System.nanoTime() + retryNs;
        retryNs = Math.min(2 * retryNs, MAX_RETRY_NS);
    }

    private void applyPosts() {
        if (!pendingDrop.getAndSet(false)) {
            return;
        }
        synchronized (lock) {
            clock.dropSamples();
        }
    }

    private void poll() {
        RefclockSample sample;
        synchronized (lock) {
            if (deviceOpen) {
                try {
                    loop.beforePoll();
                } catch (RuntimeException e) {
                    failed(e); // the next service() meets the same trouble and reopens
                }
            }
            sample = clock.poll();
        }
        publish();
        if (sample == null) {
            emptyPolls++;
            if (++quietPolls == QUIET_POLLS && deviceOpen) {
                log.warn("no measurement for " + QUIET_POLLS + " polls" + refusals());
            }
            return;
        }
        if (quietPolls >= QUIET_POLLS) {
            log.recovered("measuring again");
        }
        quietPolls = 0;
        synchronized (lock) {
            for (Refclock.Verdict v : VERDICTS) {
                verdictsAtLastSample[v.ordinal()] = clock.verdictCount(v);
            }
        }
        samples++;
        sink.sample(this, sample); // a sink that throws is a bug: the loop runner's policy applies
    }

    /** What the clock refused since the last sample, for the log: "; the clock refused 12 (mostly LOCK_MISMATCH)". */
    private String refusals() {
        long total = 0;
        Refclock.Verdict most = null;
        long mostCount = 0;
        synchronized (lock) {
            for (Refclock.Verdict v : VERDICTS) {
                long n = clock.verdictCount(v) - verdictsAtLastSample[v.ordinal()];
                if (v != Refclock.Verdict.ACCEPTED && n > 0) {
                    total += n;
                    if (n > mostCount) {
                        most = v;
                        mostCount = n;
                    }
                }
            }
        }
        return total == 0 ? ": the device delivered nothing" : "; the clock refused " + total + " (mostly " + most + ")";
    }

    /** Copies the drivers' counters to the volatile fields {@link #counters()} reads. */
    private void publish() {
        long accepted;
        long all = 0;
        synchronized (lock) {
            accepted = clock.verdictCount(Refclock.Verdict.ACCEPTED);
            for (Refclock.Verdict v : VERDICTS) {
                all += clock.verdictCount(v);
            }
        }
        measurements = accepted;
        refused = all - accepted;
        badMessages = loop.badMessages;
        PulseMonitor m = loop.pulses();
        if (m != null) {
            goodPulses = m.goodPulses();
            missedPulses = m.missingPulses();
            spuriousPulses = m.spuriousIntervalPulses() + m.spuriousWidthPulses();
            unreadPulses = m.unreadEvents();
            pulseJitterNs = m.jitterNs();
        }
    }

    @Override
    public String toString() {
        return "refclock " + refId() + " (" + loop.device() + ")";
    }
}
