package org.jntpd.rtc;

import static org.jntpd.time.Units.NS_PER_S;

import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jntpd.base.Log;

/**
 * Keeps the hardware clock as chrony's {@code rtc_linux.c} does: sets the system clock from it at start ({@code -s},
 * {@link RtcStartup} decides), then, while the system clock is synchronised, measures where the RTC's seconds begin
 * ({@link RtcTracker} fits its offset and drift), saves them in the {@code rtcfile} (chrony's format, atomically), and
 * re-sets the RTC when it is further off than {@code rtcautotrim}.
 *
 * <p>Single-threaded: {@code rtc.linux.RtcService} runs it on its own thread, since reading at a second boundary
 * blocks. What it needs from the rest of the daemon comes through {@link Host}, whose methods are thread-safe; clock
 * steps arrive from other threads through {@link #onClockStep}.
 *
 * <p>A boundary is taken by polling {@code RTC_RD_TIME} from shortly before the predicted tick until the seconds
 * change: the result brackets the tick between two reads, a bound it states itself, where an update interrupt's
 * wake-up latency is unknown (milliseconds under qemu's TCG, and any scheduling delay). The interrupt (or a full
 * second of polling) only finds the RTC's phase the first time, after a step, and after a missed prediction.
 */
public final class RtcKeeper {
    /** A boundary bracketed wider than this (the reads were descheduled) is measured again at the next tick. */
    static final long MAX_UNCERTAINTY_NS = 2_000_000L;
    private static final int ATTEMPTS = 3;
    /** Polling starts this long before the predicted tick, plus what the drift may have moved it since. */
    private static final long MIN_LEAD_NS = 20_000_000L;
    private static final long MAX_LEAD_NS = 450_000_000L;
    /** How far the prediction may miss per second: the fitted gain's error, or any crystal's drift when unknown. */
    private static final double KNOWN_RATE_BOUND = 100e-6;
    private static final double UNKNOWN_RATE_BOUND = 1000e-6;
    /** While the clock is unsynchronised nothing is measured; it is looked at again this often. */
    static final long IDLE_CHECK_NS = NS_PER_S;

    /** What the keeper needs from the daemon. Every method is thread-safe. */
    public interface Host {
        /** CLOCK_REALTIME, Unix ns: what the RTC's ticks are stamped with, and what the RTC is set from. */
        long kernelNowNs();

        /** A CLOCK_REALTIME reading on the disciplined clock's timescale (the identity under clock control). */
        long toClockNs(long kernelNs);

        /** Whether the disciplined clock is synchronised to a source. */
        boolean synchronised();

        /** Steps the system clock (-s, before the synchronisation loop starts); positive = forward. */
        void stepClock(long stepNs);
    }

    /**
     * @param file              the rtcfile; null when only -s is wanted (nothing is tracked)
     * @param zone              the RTC's time zone ({@code rtconutc}: UTC)
     * @param autotrimNs        re-set the RTC when it is further off than this; 0 = never
     * @param clockControl      whether the daemon may change clocks (-s steps, trims); false under -x
     * @param notBeforeNs       -s believes no RTC earlier than this (the state files' last update)
     * @param maxBackwardStepNs -s steps the system clock back by at most this
     */
    public record Settings(Path file, ZoneId zone, long autotrimNs, boolean clockControl, long notBeforeNs,
            long maxBackwardStepNs) {}

    private final Settings settings;
    private final Host host;
    private final RtcSetter.Sleeper sleeper;
    private final RtcReader reader;
    private final RtcSetter setter;
    private final RtcTracker tracker = new RtcTracker();
    private final RtcCoefficients fileCoefficients;
    private final RtcReading reading = new RtcReading();
    private final RtcReading trimReading = new RtcReading();
    private final RtcReading trimOnClock = new RtcReading();
    private final AtomicLong pendingStepNs = new AtomicLong();
    private final AtomicInteger steps = new AtomicInteger();
    private boolean phaseKnown;
    private long lastTickNs;
    private boolean saveFailed;

    /**
     * @param driverName the RTC's kernel driver ({@code rtc_cmos}), for where a write makes it tick; null = unknown
     */
    public RtcKeeper(Settings settings, RtcDevice device, RtcSetter.Sleeper sleeper, String driverName, Host host) {
        this.settings = settings;
        this.host = host;
        this.sleeper = sleeper;
        this.reader = new RtcReader(device, host::kernelNowNs, settings.zone());
        this.setter = new RtcSetter(device, reader, host::kernelNowNs, sleeper, settings.zone(),
                RtcSetter.setOffsetForDriver(driverName), RtcSetter.WriteBehaviour.RESTARTS);
        if (settings.file() != null) {
            RtcFile.ReadResult r = RtcFile.read(settings.file());
            fileCoefficients = r.coefficients();
            if (r.problem() != null) {
                Log.info(r.problem());
            }
        } else {
            fileCoefficients = null;
        }
    }

    /** Whether there is anything to do after start: an rtcfile to keep. */
    public boolean tracks() {
        return settings.file() != null;
    }

    /**
     * -s: sets the system clock from the RTC, corrected by the drift the rtcfile predicts, when it is at least 1 s off
     * and the RTC is believable ({@link RtcStartup}). The RTC's time is taken at a second boundary, so the result is
     * as good as the drift prediction, not the RTC's one-second resolution.
     */
    public void setClockAtStart() {
        if (!settings.clockControl()) {
            Log.notice("-s ignored: clock control is off (-x), the system clock is never changed");
            return;
        }
        long rtcNs;
        long systemNs;
        if (sharpestBoundary()) {
            rtcNs = reading.rtcSeconds * NS_PER_S;
            systemNs = reading.systemNs;
        } else {
            rtcNs = reader.readNow() * NS_PER_S + NS_PER_S / 2; // somewhere in its second: the middle, as chrony
            systemNs = reader.lastSystemNs();
        }
        RtcStartup.Decision d = RtcStartup.decide(rtcNs, systemNs, fileCoefficients, settings.notBeforeNs(),
                settings.maxBackwardStepNs());
        if (d.step()) {
            host.stepClock(d.stepNs());
            Log.notice(d.reason());
        } else {
            Log.info("-s: " + d.reason());
        }
    }

    /**
     * One turn: takes the clock steps that came in, and while the clock is synchronised measures the next boundary,
     * adds it to the fit, saves the rtcfile and trims the RTC when due. Blocks up to a second or two.
     *
     * @return CLOCK_REALTIME at which the next turn is due
     */
    public long turn() {
        takeSteps();
        if (!host.synchronised()) {
            return host.kernelNowNs() + IDLE_CHECK_NS;
        }
        int stepsBefore = steps.get();
        if (!measure()) {
            Log.debug("RTC: no sharp second boundary this time");
            return host.kernelNowNs() + tracker.measurementIntervalNs();
        }
        if (steps.get() != stepsBefore || !host.synchronised()) {
            return host.kernelNowNs(); // the clock changed under the measurement: take the step, measure again
        }
        tracker.addSample(reading.rtcSeconds, host.toClockNs(reading.systemNs));
        if (tracker.valid()) {
            save();
        }
        if (settings.clockControl() && tracker.shouldTrim(settings.autotrimNs(), true)) {
            trim();
        }
        publishStatus();
        return lastTickNs + tracker.measurementIntervalNs() - NS_PER_S / 2;
    }

    /** The system clock was stepped (any thread). */
    public void onClockStep(long stepNs) {
        pendingStepNs.addAndGet(stepNs);
        steps.incrementAndGet();
    }

    private void takeSteps() {
        long stepNs = pendingStepNs.getAndSet(0);
        if (stepNs != 0) {
            tracker.onSystemClockStep(stepNs);
            phaseKnown = false; // the ticks' stamps moved with the clock
        }
    }

    /**
     * The sharpest of up to {@link #ATTEMPTS} boundaries found by polling into {@link #reading}, stopping at one known
     * to {@link #MAX_UNCERTAINTY_NS}: a reader preempted across the tick brackets it widely (in a starved guest, 0.8 s,
     * and the clock was set 0.41 s off). False when polling found none.
     */
    private boolean sharpestBoundary() {
        long bestRtcSeconds = 0;
        long bestSystemNs = 0;
        long bestUncertaintyNs = Long.MAX_VALUE;
        for (int attempt = 0; attempt < ATTEMPTS && bestUncertaintyNs > MAX_UNCERTAINTY_NS; attempt++) {
            if (!reader.measureByPolling(reading, RtcReader.defaultTimeoutNs())) {
                break;
            }
            if (reading.uncertaintyNs < bestUncertaintyNs) {
                bestRtcSeconds = reading.rtcSeconds;
                bestSystemNs = reading.systemNs;
                bestUncertaintyNs = reading.uncertaintyNs;
            }
        }
        if (bestUncertaintyNs == Long.MAX_VALUE) {
            return false;
        }
        reading.rtcSeconds = bestRtcSeconds;
        reading.systemNs = bestSystemNs;
        reading.uncertaintyNs = bestUncertaintyNs;
        return true;
    }

    /** The next sharp boundary into {@link #reading}; false when none was found in a few attempts. */
    private boolean measure() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (!phaseKnown) {
                if (!reader.measure(reading, RtcReader.defaultTimeoutNs())) {
                    return false;
                }
                lastTickNs = reading.systemNs;
                phaseKnown = true;
                if (reader.interruptSupport() < 0 && reading.uncertaintyNs <= MAX_UNCERTAINTY_NS) {
                    return true; // found by polling: already sharp
                }
                continue; // the interrupt gave the phase; poll the next tick
            }
            long now = host.kernelNowNs();
            double gainPpm = tracker.valid() ? tracker.gainPpm() : 0;
            double bound = tracker.valid() ? KNOWN_RATE_BOUND : UNKNOWN_RATE_BOUND;
            long tick;
            long leadNs;
            long k = Math.max(1, (now - lastTickNs) / NS_PER_S);
            do {
                tick = lastTickNs + Math.round(k * NS_PER_S / (1 + gainPpm * 1e-6)); // an RTC second in system time
                leadNs = Math.min(MAX_LEAD_NS, MIN_LEAD_NS + (long) ((tick - lastTickNs) * bound));
                k++;
            } while (tick - leadNs - now < MIN_LEAD_NS);
            sleeper.sleepUntilNs(tick - leadNs);
            if (!reader.measureByPolling(reading, 2 * leadNs + MIN_LEAD_NS)) {
                phaseKnown = false; // the tick was not where predicted
                continue;
            }
            lastTickNs = reading.systemNs;
            if (reading.uncertaintyNs <= MAX_UNCERTAINTY_NS) {
                return true;
            }
        }
        return false;
    }

    /** rtcautotrim: sets the RTC from the system clock; the tracker keeps the gain and re-learns the offset. */
    private void trim() {
        double offS = tracker.fastNs() * 1e-9;
        if (!setter.set(trimReading)) {
            Log.warn("rtcautotrim: could not set the RTC (no second boundary after the write)");
            return;
        }
        lastTickNs = trimReading.systemNs;
        phaseKnown = true;
        trimOnClock.rtcSeconds = trimReading.rtcSeconds;
        trimOnClock.systemNs = host.toClockNs(trimReading.systemNs);
        trimOnClock.uncertaintyNs = trimReading.uncertaintyNs;
        tracker.trimmed(trimOnClock);
        Log.notice(String.format(Locale.ROOT, "RTC was %+.6f s off the system clock (rtcautotrim %.3f s): set, now %+.6f s",
                offS, settings.autotrimNs() * 1e-9, trimOnClock.fastNs() * 1e-9));
        save();
    }

    /** Writes the tracker's coefficients to the rtcfile (atomically); a failure is logged once until it works again. */
    public void save() {
        if (settings.file() == null || !tracker.valid()) {
            return;
        }
        try {
            RtcFile.write(settings.file(), tracker.coefficients());
            saveFailed = false;
        } catch (IOException e) {
            if (!saveFailed) {
                Log.warn("cannot write rtcfile " + settings.file() + ": " + e.getMessage());
            }
            saveFailed = true;
        }
    }

    /**
     * What jntpc rtcdata shows (chronyc's rtcdata), as of the last measurement: published by the keeper's thread,
     * read by any.
     *
     * @param refRtcSeconds the RTC reading the estimate refers to, Unix seconds (0: none yet)
     * @param fastS         RTC minus system clock at that reading (positive: the RTC is ahead)
     * @param gainPpm       how fast the RTC runs against true time (positive: it gains)
     * @param residualRmsS  the fit's residual scatter
     */
    public record Status(boolean valid, long refRtcSeconds, int samples, int fittedSamples, double fastS,
            double gainPpm, double residualRmsS, String mode) {}

    private volatile Status status = new Status(false, 0, 0, 0, 0, 0, 0, RtcTracker.Mode.NORMAL.name());

    /** The estimate as of the last measurement (any thread). */
    public Status status() {
        return status;
    }

    private void publishStatus() {
        RtcCoefficients c = tracker.coefficients();
        status = new Status(c.valid(), c.refRtcSeconds(), tracker.samples(), tracker.fittedSamples(), c.fastSeconds(),
                c.gainPpm(), tracker.residualRmsNs() * 1e-9, tracker.mode().name());
    }

    /** The fit so far (for the log and tests). */
    RtcTracker tracker() {
        return tracker;
    }

    /** The rtcfile's coefficients as read at start; null when there were none. */
    RtcCoefficients fileCoefficients() {
        return fileCoefficients;
    }
}
