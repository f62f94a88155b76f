package org.jntpd.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.LeapMode;
import org.jntpd.time.Dispersion;
import org.jntpd.wire.NtpPacket;

/**
 * The system process: owns the sources, runs selection and the discipline, arms leap seconds, and publishes the
 * resulting {@link SystemState}. Single-threaded (the daemon's sync thread); only {@link #state()} may be read from
 * other threads.
 *
 * <p>The daemon's loop: a producer (association, reference clock) feeds {@link Source#accumulate(Sample)}; when
 * that returns true, call {@link #update(long)}. Call {@link #onTimer(long)} when the local clock reaches
 * {@link #nextTimerNs()}. Read the drift to save with {@link #frequencyPpm()}.
 */
public final class Synchroniser {
    /** Housekeeping period: leap arming, and the published state going unsynchronised once the last update is too old. */
    private static final long HOUSEKEEPING_NS = 60_000_000_000L;
    /** Frequency uncertainty of a source that starts while the clock frequency is unknown: most a quartz can be off. */
    private static final double UNKNOWN_FREQ_SD = 500e-6;
    /** ... and after a saved drift was restored (temperature and ageing since). */
    private static final double RESTORED_FREQ_SD = 10e-6;
    /** ... and while the discipline tracks the frequency, on top of the system's own estimate. */
    private static final double TRACKED_FREQ_SD = 1e-6;

    private final ClockControl clock;
    private final SyncConfig cfg;
    private final List<Source> sources = new ArrayList<>();
    private final List<ClockStepListener> stepListeners = new ArrayList<>();
    private final Selection selection = new Selection();
    private final LeapSeconds leapSeconds = new LeapSeconds();
    private final Discipline discipline;

    private volatile SystemState state;
    private SyncStatus status = SyncStatus.NO_SOURCES;
    private Discipline.Correction lastCorrection;
    private double lastOffsetS;
    private double lastOffsetSigmaS;
    private double systemFrequencyVariance = Double.NaN;
    private LeapMode armedLeap = LeapMode.NONE;
    private long nextHousekeepingNs;
    /** Local time of the last update or timer: when {@link #statusMessage()} judges the sources. */
    private long lastNowNs;

    public Synchroniser(ClockControl clock, SyncConfig cfg) {
        this.clock = clock;
        this.cfg = cfg;
        this.discipline = new Discipline(clock, cfg, new Discipline.Listener() {
            @Override
            public void onFrequencyChange(long nowNs, double dFreq) {
                // The kernel takes the new rate up to a tick later: the clock's phase is that much less certain.
                double lateS = clock.frequencyChangeDelayNs() * 1e-9;
                double phaseVariance = dFreq * dFreq * lateS * lateS / 3;
                for (Source s : sources) {
                    s.onFrequencyChange(nowNs, dFreq, phaseVariance);
                }
                for (ClockStepListener l : stepListeners) {
                    l.onFrequencyChange(nowNs, dFreq);
                }
            }

            @Override
            public void onStep(long nowNs, long stepNs) {
                for (Source s : sources) {
                    s.onStep(stepNs);
                }
                nextHousekeepingNs += stepNs;
                for (ClockStepListener l : stepListeners) {
                    l.onClockStep(nowNs, stepNs);
                }
            }
        });
        this.state = SystemState.unsynchronised(cfg.precisionLog2(), SyncStatus.NO_SOURCES);
        this.nextHousekeepingNs = clock.nowNs();
    }

    public SyncConfig config() {
        return cfg;
    }

    /** Adds a source (an association's or a reference clock's). */
    public Source addSource(SourceConfig config) {
        Source s = new Source(this, config);
        sources.add(s);
        if (status == SyncStatus.NO_SOURCES) {
            status = SyncStatus.NO_SELECTABLE_SOURCES; // until the first selection says more
        }
        return s;
    }

    /** Removes a source (a demobilised association). */
    public void removeSource(Source s) {
        sources.remove(s);
        if (sources.isEmpty() && status != SyncStatus.SYNCHRONISED) {
            status = SyncStatus.NO_SOURCES;
        }
    }

    /** Whether any source ever answered (an NTP server) or delivered (a reference clock). */
    public boolean anyAnswered() {
        for (Source s : sources) {
            if (s.everReachable()) {
                return true;
            }
        }
        return false;
    }

    public List<Source> sources() {
        return List.copyOf(sources);
    }

    /** How many more sources a pool may mobilise now ({@code tos maxclock} minus the sources there are). */
    public int sourcesWanted() {
        return Math.max(0, cfg.maxClock() - sources.size());
    }

    /** Registers a listener told about every step of the clock. */
    public void addStepListener(ClockStepListener l) {
        stepListeners.add(l);
    }

    public void removeStepListener(ClockStepListener l) {
        stepListeners.remove(l);
    }

    /** Leap seconds from a leap-second file: see {@link LeapSeconds#add(long, int)}. */
    public LeapSeconds leapSeconds() {
        return leapSeconds;
    }

    /** Runs selection and, when it succeeds, the discipline; publishes the new state. Returns why (not) synchronised. */
    public SyncStatus update(long nowNs) {
        lastNowNs = nowNs;
        selection.run(sources, nowNs, cfg, discipline.updated());
        status = selection.status;
        if (status == SyncStatus.SYNCHRONISED) {
            Source peer = selection.systemPeer;
            double offsetS = selection.offset;
            lastOffsetS = offsetS;
            lastOffsetSigmaS = Math.sqrt(selection.offsetVariance);
            // A step of the system peer just recognised is a known correction, which the discipline slews out fast;
            // otherwise the offset is filtering noise, spread over the minimum slew duration.
            double knownSigmaS = peer.steppedAtLastSample() ? lastOffsetSigmaS : Double.POSITIVE_INFINITY;
            lastCorrection = discipline.update(nowNs, offsetS, knownSigmaS, selection.frequency);
            if (lastCorrection == Discipline.Correction.PANIC) {
                status = SyncStatus.PANIC;
            } else if (lastCorrection == Discipline.Correction.STEPOUT_WAIT) {
                status = SyncStatus.STEPOUT_WAIT;
            } else {
                systemFrequencyVariance = selection.frequencyVariance;
                long nowAfter = lastCorrection == Discipline.Correction.STEP ? nowNs + Math.round(offsetS * 1e9) : nowNs;
                publishSynchronised(peer, nowAfter);
            }
        }
        if (status != SyncStatus.SYNCHRONISED) {
            publishStatus(nowNs);
        }
        armLeap(nowNs);
        return status;
    }

    private void publishSynchronised(Source peer, long nowNs) {
        long sigmaNs = (long) (lastOffsetSigmaS * 1e9);
        long rootDelayNs = peer.rootDelayNs() + peer.minDelayNs();
        long rootDispersionNs = peer.rootDispersionNs() + (long) (peer.jitterNs()) + sigmaNs
                + Dispersion.grownNs(nowNs - peer.lastSampleNs());
        int leap = leapSeconds.dueToday(nowNs, selection.leapVote);
        state = new SystemState(true, leap, Math.min(NtpPacket.STRATUM_UNSYNCHRONIZED, peer.stratum() + 1), peer.config().refIdAsServer(), nowNs,
                rootDelayNs, rootDispersionNs, cfg.precisionLog2(), SyncStatus.SYNCHRONISED);
        clock.setSyncStatus(true, sigmaNs, rootDelayNs / 2 + rootDispersionNs);
    }

    /** Keeps the last synchronised values (the clock free-runs on them) but records the status; unsynchronised once too old. */
    private void publishStatus(long nowNs) {
        SystemState s = state;
        // Holdover on the last update while the sources cannot be used, until the root distance passes maxdist; but
        // not while the clock is known to be off by more than the panic threshold (RFC 5905 exits there).
        if (s.synced() && !tooOld(s, nowNs) && status != SyncStatus.PANIC) {
            if (s.status() != status) {
                state = new SystemState(true, s.leap(), s.stratum(), s.refId(), s.referenceTimeNs(), s.rootDelayNs(),
                        s.rootDispersionNs(), s.precisionLog2(), status);
            }
        } else if (s.synced() || s.status() != status) {
            state = new SystemState(false, NtpPacket.LEAP_NONE, NtpPacket.STRATUM_UNSYNCHRONIZED, s.refId(),
                    s.referenceTimeNs(), s.rootDelayNs(), s.rootDispersionNs(), s.precisionLog2(), status);
            if (s.synced()) {
                clock.setSyncStatus(false, (long) (lastOffsetSigmaS * 1e9), s.rootDelayNs() / 2 + s.rootDispersionNs(nowNs));
            }
        }
    }

    /** Whether the root distance of {@code s} has grown beyond maxdist: the estimate is worthless. */
    private boolean tooOld(SystemState s, long nowNs) {
        return s.rootDelayNs() / 2 + s.rootDispersionNs(nowNs) >= cfg.maxDistanceNs();
    }

    private void armLeap(long nowNs) {
        SystemState s = state;
        int vote = selection.status == SyncStatus.SYNCHRONISED ? selection.leapVote : s.leap();
        int leap = s.synced() ? leapSeconds.dueToday(nowNs, vote) : 0;
        LeapMode mode = leap == NtpPacket.LEAP_ADD_SECOND ? LeapMode.INSERT
                : leap == NtpPacket.LEAP_DELETE_SECOND ? LeapMode.DELETE : LeapMode.NONE;
        if (mode != armedLeap) {
            clock.setLeap(mode);
            armedLeap = mode;
            if (s.synced() && s.leap() != leap) {
                state = new SystemState(true, leap, s.stratum(), s.refId(), s.referenceTimeNs(), s.rootDelayNs(),
                        s.rootDispersionNs(), s.precisionLog2(), s.status());
            }
        }
    }

    /** Ends slews, arms and disarms leap seconds, ages the published state. Call at {@link #nextTimerNs()}. */
    public void onTimer(long nowNs) {
        lastNowNs = nowNs;
        discipline.onTimer(nowNs);
        if (nowNs - nextHousekeepingNs >= 0) {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_NS;
            if (status == SyncStatus.SYNCHRONISED && tooOld(state, nowNs)) {
                status = SyncStatus.NO_SELECTABLE_SOURCES; // no update for so long
            }
            publishStatus(nowNs);
            armLeap(nowNs);
        }
    }

    /** Local time at which {@link #onTimer(long)} is due next. */
    public long nextTimerNs() {
        return Math.min(discipline.nextTimerNs(), nextHousekeepingNs);
    }

    /** The published state (thread-safe). */
    public SystemState state() {
        return state;
    }

    public SyncStatus status() {
        return status;
    }

    /** A line for the log saying why the last update did or did not synchronise. Allocates. */
    public String statusMessage() {
        return switch (status) {
            case SYNCHRONISED -> "synchronised to " + selection.systemPeer.name() + " (" + selection.combined + " of "
                    + selection.candidates + " sources combined), offset " + fmt(lastOffsetS) + " s";
            case NO_SOURCES -> "no sources configured";
            case NO_SELECTABLE_SOURCES -> "no selectable sources: " + unusableSummary();
            case NO_MAJORITY -> "no majority: only " + selection.agreeing + " of " + selection.candidates + " sources agree"
                    + (selection.pending > 0 ? " (" + selection.pending + " more awaited)" : "");
            case TOO_FEW_SURVIVORS -> "only " + selection.survivors + " sources agree, tos minsane requires " + cfg.minSane();
            case PANIC -> "offset " + fmt(lastOffsetS) + " s exceeds the panic threshold of "
                    + fmt(cfg.panicThresholdNs() * 1e-9) + " s: not correcting the clock";
            case STEPOUT_WAIT -> "offset " + fmt(lastOffsetS) + " s beyond the step threshold, waiting for the stepout interval";
        };
    }

    /** "1 not answering, 1 answering unsynchronised (leap 3)": the sources selection cannot use now, by reason. */
    private String unusableSummary() {
        int[] counts = new int[Source.Unusable.values().length];
        for (Source s : sources) {
            Source.Unusable why = s.unusable(lastNowNs, cfg.maxDistanceNs());
            if (why != null) {
                counts[why.ordinal()]++;
            }
        }
        StringBuilder b = new StringBuilder();
        for (Source.Unusable u : Source.Unusable.values()) {
            if (counts[u.ordinal()] > 0) {
                b.append(b.isEmpty() ? "" : ", ").append(counts[u.ordinal()]).append(' ').append(u.text);
            }
        }
        return b.isEmpty() ? "none of " + sources.size() + " usable" : b.toString();
    }

    /** No locale: Locale.ROOT's digits without the CLDR data a locale makes Formatter load (mode6.Values). */
    private static String fmt(double v) {
        return String.format((Locale) null, "%.9f", v);
    }

    /** Sources agreeing in the last selection (0 unless it found a majority). */
    public int agreeingSources() {
        return selection.agreeing;
    }

    /** The current system peer, or null. */
    public Source systemPeer() {
        return status == SyncStatus.SYNCHRONISED ? selection.systemPeer : null;
    }

    /** The frequency correction without any slew, ppm: the drift value to save. */
    public double frequencyPpm() {
        return discipline.frequencyPpm();
    }

    /**
     * The standard error of the frequency the sources agreed on at the last clock update, ppm (the drift file's
     * skew); NaN before the first update (nothing measured).
     */
    public double frequencySigmaPpm() {
        return Math.sqrt(systemFrequencyVariance) * 1e6;
    }

    /**
     * The part of the last correction the discipline has still to slew into the clock at {@code nowNs}, s (sources
     * minus clock: positive = the clock is still behind, chronyc's "slow of NTP time"); 0 when no slew runs.
     */
    public double slewRemainingS(long nowNs) {
        return discipline.slewRate() * discipline.slewLeftNs(nowNs) * 1e-9;
    }

    /** The running slew's rate (s/s, positive = the clock gains on the sources), 0 when none runs. */
    public double slewRate() {
        return discipline.slewRate();
    }

    /** How long the running slew still runs after {@code nowNs}, ns (0 when none runs). */
    public long slewLeftNs(long nowNs) {
        return discipline.slewLeftNs(nowNs);
    }

    /**
     * chronyc's Residual freq: the system peer's frequency relative to the clock as now corrected, the running slew
     * left out, ppm (positive: the peer runs faster, the correction lacks that much). The discipline applies the whole
     * frequency the sources agree on at each update, so it is what the peer's own estimate says beyond that; NaN
     * without a system peer.
     */
    public double residualFrequencyPpm() {
        Source peer = systemPeer();
        return peer == null ? Double.NaN : (peer.frequency() + discipline.slewRate()) * 1e6;
    }

    /** chronyc's Update interval: local time between the last two clock updates, ns; -1 before the second. */
    public long updateIntervalNs() {
        return discipline.updateIntervalNs();
    }

    /** The next clock update steps the clock by the whole offset (jntpc makestep; loop thread). */
    public void requestStep() {
        discipline.requestStep();
    }

    public Discipline discipline() {
        return discipline;
    }

    /** The combined offset (sources minus clock, s) and its sigma at the last update. */
    public double lastOffsetS() {
        return lastOffsetS;
    }

    public double lastOffsetSigmaS() {
        return lastOffsetSigmaS;
    }

    int precisionLog2() {
        return cfg.precisionLog2();
    }

    /**
     * {@code from} settled after a step with its frequency changed by {@code change} (s/s): the local oscillator's
     * frequency may have jumped (a change every source sees at once, each only at its next samples, up to maxpoll
     * later), so every other source's frequency is put in doubt by as much ({@link Source#doubtFrequency}).
     */
    void frequencyChangeSeen(Source from, double change) {
        for (Source s : sources) {
            if (s != from) {
                s.doubtFrequency(change);
            }
        }
    }

    /** Prior frequency of a source's first sample: a slew in progress moves every offset. */
    double newSourceFrequency() {
        return -discipline.slewRate();
    }

    /** Prior frequency variance for a source's first sample, (s/s)^2. */
    double newSourceFrequencyVariance() {
        if (!Double.isNaN(systemFrequencyVariance)) {
            return systemFrequencyVariance + TRACKED_FREQ_SD * TRACKED_FREQ_SD;
        }
        double sd = discipline.frequencyKnown() ? RESTORED_FREQ_SD : UNKNOWN_FREQ_SD;
        return sd * sd;
    }
}
