package org.jntpd.daemon;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Log;
import org.jntpd.config.RefclockSpec;
import org.jntpd.refclock.RefclockSample;
import org.jntpd.refclock.RefclockSettings;
import org.jntpd.refclock.linux.RefclockRunner;
import org.jntpd.refclock.linux.RefclockRunners;
import org.jntpd.sync.ClockStepListener;
import org.jntpd.sync.RateChanges;
import org.jntpd.sync.Sample;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceConfig;
import org.jntpd.sync.Synchroniser;
import org.jntpd.time.Units;

/**
 * The reference clocks as sources of the selection (the loop's side of chrony's refclock.c): takes the samples their
 * runners deliver from their own threads, moves each onto the disciplined clock's timescale and into its source (with
 * a clockstats line) as if measured on the clock as it runs now, and marks a reference clock unreachable after
 * {@value #MISSED_POLLS} poll intervals without one.
 *
 * <p>Re-expression at the clock's present rate, when the disciplined clock is the kernel's (the runners' times run at
 * the rates the discipline sets): each rate change goes to the runners, whose filters re-express the raw measurements
 * they hold (a poll's 2^poll pulses are combined on one rate), and to {@link RateChanges}, which re-expresses a sample
 * for the changes after its poll, while it waits for the loop. Under a software correction (-x) the kernel clock's
 * rate never changes and {@code kernelToClockNs} maps a kernel time with the correction as it is now, which already
 * reads it at the present rate: nothing more is applied.
 */
final class RefclockSources implements AutoCloseable {
    /** A reference clock is unreachable after this many poll intervals without a sample. */
    static final int MISSED_POLLS = 8;

    /** A reference clock as a source, and when it last delivered. */
    static final class RefSource {
        final RefclockRunner runner;
        final Source source;
        final long pollIntervalNs;
        long lastSampleNs;

        RefSource(RefclockRunner runner, Source source, long pollIntervalNs) {
            this.runner = runner;
            this.source = source;
            this.pollIntervalNs = pollIntervalNs;
        }
    }

    /** A sample on its way from the runner's thread to the loop's. */
    private record Delivery(RefclockRunner runner, RefclockSample sample) {}

    private final Synchroniser sync;
    private final LongUnaryOperator kernelToClockNs;
    private final StatsFiles stats;
    private final SyncLoop.Listener listener;
    private final ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    private final Map<RefclockRunner, RefSource> byRunner = new IdentityHashMap<>();
    private final List<RefSource> sources = new ArrayList<>();
    private final List<RefSource> sourcesView = Collections.unmodifiableList(sources);
    private final Sample sample = new Sample();
    /**
     * The discipline's rate changes since a sample still to come was polled (its filter applied the earlier ones, the
     * sample carries their number): at most a poll's worth, 2^4 s by default, at about four changes a second (two
     * updates a second, each a slew's start and end).
     */
    private final RateChanges rateChanges = new RateChanges(256);
    private final boolean kernelRateDisciplined;
    private RefclockRunners runners;

    /**
     * @param kernelToClockNs        maps the runners' kernel (CLOCK_REALTIME) times onto the disciplined clock's
     *                               timescale
     * @param kernelRateDisciplined  whether the disciplined clock is the kernel's (its rate changes are the runners'
     *                               clock's), not a correction over it
     */
    RefclockSources(Synchroniser sync, LongUnaryOperator kernelToClockNs, boolean kernelRateDisciplined,
            StatsFiles stats, SyncLoop.Listener listener) {
        this.sync = sync;
        this.kernelToClockNs = kernelToClockNs;
        this.kernelRateDisciplined = kernelRateDisciplined;
        this.stats = stats;
        this.listener = listener;
    }

    /** Makes each of {@code runners} a source of the selection; clock steps are passed on to them. */
    void attach(RefclockRunners runners) {
        this.runners = runners;
        for (RefclockRunner r : runners.runners()) {
            RefclockSpec spec = runners.spec(r);
            String name = r.refId() + "(" + r.device() + ")";
            Source source = sync.addSource(new SourceConfig(name, r.settings().refIdBits(), spec.prefer(), spec.noselect()));
            RefSource ref = new RefSource(r, source, Units.log2ToNs(r.settings().pollLog2()));
            byRunner.put(r, ref);
            sources.add(ref);
        }
        sync.addStepListener(new ClockStepListener() {
            @Override
            public void onClockStep(long nowNs, long stepNs) {
                runners.onClockStep(stepNs);
                rateChanges.onClockStep(nowNs, stepNs);
            }

            @Override
            public void onFrequencyChange(long nowNs, double dFreq) {
                onRateChange(nowNs, dFreq);
            }
        });
    }

    /**
     * The discipline changed the clock's rate (loop thread). Recorded first, then passed to the runners: a sample a
     * runner polls before its filter hears of the change carries the previous number and is re-expressed for this
     * change on its way, one polled after carries this number; so each sample gets each change once, here or there.
     * Nothing under a software correction (see the class comment).
     */
    void onRateChange(long nowNs, double dFreq) {
        if (!kernelRateDisciplined) {
            return;
        }
        rateChanges.onFrequencyChange(nowNs, dFreq);
        if (runners != null) {
            runners.onRateChange(nowNs, dFreq, rateChanges.count());
        }
    }

    /** The reference clocks' sources, in configuration order (read-only). */
    List<RefSource> sources() {
        return sourcesView;
    }

    /** A runner's sample (any thread: the runner's). */
    void offer(RefclockRunner runner, RefclockSample sample) {
        deliveries.add(new Delivery(runner, sample));
    }

    /** Takes the samples delivered since the last call; returns whether a source accepted one (time to update). */
    boolean takeSamples() {
        Delivery d;
        boolean accepted = false;
        while ((d = deliveries.poll()) != null) {
            RefSource ref = byRunner.get(d.runner());
            if (ref == null) {
                continue;
            }
            RefclockSample x = d.sample();
            RefclockSettings settings = d.runner().settings();
            // Runners measure against the kernel clock; the sample is moved onto the disciplined clock's timescale.
            long localNs = kernelToClockNs.applyAsLong(x.localTimeNs());
            long offsetNs = x.offsetNs() - (localNs - x.localTimeNs());
            // A reference clock is its own root: its delay and dispersion are the whole path.
            sample.set(localNs, offsetNs, x.delayNs(), x.dispersionNs(), x.delayNs(), x.dispersionNs(),
                    settings.stratum(), settings.refIdBits(), x.leap(), settings.precisionLog2());
            if (kernelRateDisciplined) {
                // The discipline changed the clock's rate since the poll (at least a slew's end).
                rateChanges.reexpress(sample, x.rateChanges());
            }
            ref.source.setReachable(true);
            ref.lastSampleNs = sample.localTimeNs;
            if (stats.active()) {
                stats.clock(sample.localTimeNs, ref.source.name(), sample.offsetNs * 1e-9, x.dispersionNs() * 1e-9);
            }
            if (ref.source.accumulate(sample)) {
                accepted = true;
                listener.sample(ref.source.name(), x.localTimeNs());
            }
        }
        return accepted;
    }

    /** Marks unreachable the reference clocks silent for {@value #MISSED_POLLS} poll intervals. */
    void checkReachability(long nowNs) {
        for (RefSource r : sources) {
            if (r.source.reachable() && nowNs - r.lastSampleNs > MISSED_POLLS * r.pollIntervalNs) {
                r.source.setReachable(false);
                Log.warn(r.source.name() + ": no sample for " + MISSED_POLLS + " polls; unreachable");
            }
        }
    }

    /** Forgets every reference clock's estimates and the samples the runners hold (the clock was changed). */
    void resetSources() {
        for (RefSource r : sources) {
            r.source.reset();
        }
        if (runners != null) {
            runners.dropSamples();
        }
    }

    @Override
    public void close() {
        if (runners != null) {
            runners.close();
        }
    }
}
