package org.jntpd.clock.linux;

import static org.jntpd.platform.Adjtimex.ADJ_ESTERROR;
import static org.jntpd.platform.Adjtimex.ADJ_FREQUENCY;
import static org.jntpd.platform.Adjtimex.ADJ_MAXERROR;
import static org.jntpd.platform.Adjtimex.ADJ_NANO;
import static org.jntpd.platform.Adjtimex.ADJ_OFFSET;
import static org.jntpd.platform.Adjtimex.ADJ_OFFSET_SINGLESHOT;
import static org.jntpd.platform.Adjtimex.ADJ_SETOFFSET;
import static org.jntpd.platform.Adjtimex.ADJ_STATUS;
import static org.jntpd.platform.Adjtimex.ADJ_TICK;
import static org.jntpd.platform.Adjtimex.STA_DEL;
import static org.jntpd.platform.Adjtimex.STA_FLL;
import static org.jntpd.platform.Adjtimex.STA_INS;
import static org.jntpd.platform.Adjtimex.STA_PLL;
import static org.jntpd.platform.Adjtimex.STA_PPSFREQ;
import static org.jntpd.platform.Adjtimex.STA_PPSTIME;
import static org.jntpd.platform.Adjtimex.STA_RONLY;
import static org.jntpd.platform.Adjtimex.STA_UNSYNC;
import static org.jntpd.time.Units.NS_PER_S;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.ClockInterferenceListener;
import org.jntpd.clock.LeapMode;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Ptp;
import org.jntpd.platform.PtpClockCaps;
import org.jntpd.platform.Sys;
import org.jntpd.platform.Timex;

/**
 * A Linux clock steered through clock_adjtime(2): the system clock (CLOCK_REALTIME) or a PTP hardware clock
 * (/dev/ptpN). The design is chrony's sys_linux.c and sys_timex.c:
 * <ul>
 * <li>The kernel PLL is switched off when the clock is opened (its leftover phase offset and any adjtime() slew are
 * cancelled first); the phase is slewed only by the core's frequency term.</li>
 * <li>Frequency: {@code ADJ_FREQUENCY} (ppm scaled by 2^16) for up to the kernel's 500 ppm, and {@code ADJ_TICK}
 * beyond: at USER_HZ 100 the nominal tick is 10000 us and one tick unit is 100 ppm, so a total correction is split
 * into the nearest whole tick and a residual frequency, sticking to the current tick when the nearest one is its
 * neighbour (no thrashing between two ticks). Range +-100000 ppm. A PHC takes {@code ADJ_FREQUENCY} only, within
 * the {@code max_adj} of PTP_CLOCK_GETCAPS.</li>
 * <li>Steps: {@code ADJ_SETOFFSET | ADJ_NANO}. Leap seconds: STA_INS / STA_DEL. Sync status: STA_UNSYNC, maxerror
 * and esterror, so the kernel's 11-minute mode keeps the RTC while synchronised. Both are no-ops on a PHC.</li>
 * <li>Interference: every {@code clock_adjtime} call goes through {@link #adjtime(int)}, which first reads the
 * kernel's state (modes 0) and compares frequency, tick and status with what this clock last left there, and
 * compares the drift of the clock against CLOCK_MONOTONIC_RAW since the last call with what this clock's own
 * frequency explains. A difference goes to the {@link ClockInterferenceListener} once, and becomes the new
 * baseline.</li>
 * </ul>
 *
 * <p>Safety guard: when the environment variable {@value #FORBID_HOST_CLOCK_ENV} is set (to anything but "" or "0";
 * the build sets it for every test process and its children), opening CLOCK_REALTIME or CLOCK_TAI throws unless the
 * libc test double native/vclock stands in for libc ({@link Libc#defines} finds {@value #VIRTUAL_CLOCK_SYMBOL}): no
 * test can steer the machine's clock by mistake. PHCs are allowed.
 *
 * <p>Opening the system clock takes control of it: chrony-style, the constructor resets the kernel's adjtime() and
 * PLL state and marks the clock unsynchronised with no leap pending; the frequency found is kept (a previous run's).
 * A step makes the kernel forget its sync status and pending leap second (ntp_clear: STA_UNSYNC, 16 s errors):
 * this clock restores the sync status at once and re-arms the leap second at its next call that comes at least a
 * second after the step (the kernel needs a second boundary in between), so a step in the last two seconds before
 * the leap loses it. (The guest test shows both on a real kernel; native/vclock does not model ntp_clear.)
 *
 * <p>Thread safety: {@link #nowNs()} from any thread; the adjustments are synchronised (one steering thread, plus
 * perhaps a housekeeping thread calling {@link #checkInterference()}).
 */
public final class LinuxClock implements ClockControl, AutoCloseable {
    /** Environment variable: when set (not "" or "0"), the system clock may be opened only under the vclock shim. */
    public static final String FORBID_HOST_CLOCK_ENV = "JNTPD_FORBID_HOST_CLOCK";
    /** A symbol only native/vclock's libjntpd_vclock.so defines: its presence means CLOCK_REALTIME is virtual. */
    public static final String VIRTUAL_CLOCK_SYMBOL = "jntpd_vclock_configure";
    /**
     * Default tolerance for the rate of the clock against CLOCK_MONOTONIC_RAW that no correction explains, ppm. On a
     * real kernel CLOCK_REALTIME and the raw clock share one oscillator, so the natural rate is 0; a PHC has its own
     * oscillator, and the vclock shim its FREQ_PPM. 500 ppm is the kernel's own tolerance for an oscillator.
     */
    public static final double DEFAULT_RATE_TOLERANCE_PPM = 500;

    /** sysconf(_SC_CLK_TCK) on every architecture jntpd runs on; checked against the kernel's tick at open. */
    private static final int USER_HZ = 100;
    private static final int NOMINAL_TICK_US = 1_000_000 / USER_HZ;
    /** One tick unit more makes every second USER_HZ us longer. */
    private static final double PPM_PER_TICK = USER_HZ;
    /** The kernel accepts ticks within +-10% of nominal. */
    private static final int MAX_DELTA_TICK = NOMINAL_TICK_US / 10;
    private static final double SYSTEM_MAX_FREQUENCY_PPM = MAX_DELTA_TICK * PPM_PER_TICK;
    private static final double FREQ_SCALE = 65536.0;
    /** The longest tick of a Linux kernel (HZ=100): a new frequency takes effect at the next one. */
    private static final long FREQUENCY_CHANGE_DELAY_NS = 1_000_000_000L / 100;
    /** The kernel's NTP_PHASE_LIMIT: 16 s of maxerror means unsynchronised (and it sets STA_UNSYNC itself). */
    private static final long MAX_SYNC_ERROR_US = 16_000_000;
    private static final int PLL_STATUS_BITS = STA_PLL | STA_FLL | STA_PPSFREQ | STA_PPSTIME;
    /** Status bits compared for interference: not the read-only ones, and not STA_UNSYNC, which the kernel sets. */
    private static final int COMPARED_STATUS_BITS = ~(STA_RONLY | STA_UNSYNC);
    /** Added to every drift tolerance: reading two clocks, and the kernel applying a new frequency a tick late. */
    private static final long DRIFT_SLACK_NS = 100_000;
    /** A clock reading bracketed by raw readings this close needs no second try. */
    private static final long NARROW_BRACKET_NS = 20_000;
    /** After a step, wait this long (raw) before re-arming the leap second: the kernel needs one second boundary. */
    private static final long LEAP_REARM_DELAY_NS = 1_050_000_000L;

    private final int clockId;
    private final int phcFd;
    private final String name;
    private final double maxFrequencyPpm;
    private final double rateTolerancePpm;
    private final ClockInterferenceListener listener;
    private final Arena arena = Arena.ofShared();
    /** What this clock asks of the kernel (modes and fields set before {@link #adjtime(int)}). */
    private final MemorySegment request;
    /** The kernel's state as read (modes 0) before each adjustment. */
    private final MemorySegment current;

    /** The correction in effect, ppm: as the kernel reported it after the last call (quantised). */
    private double frequencyPpm;
    private int deltaTick;
    /** Kernel fields as this clock last left them, for the interference check. */
    private long lastFreqScaled;
    private long lastTick;
    private int lastStatus;
    /** Clock minus CLOCK_MONOTONIC_RAW at the last call, the raw time of that reading and its uncertainty. */
    private long baseOffsetNs;
    private long baseRawNs;
    private long baseUncertaintyNs;
    /** Written by {@link #sampleOffsetNs()} beside its result. */
    private long sampleRawNs;
    private long sampleUncertaintyNs;

    private LeapMode leapMode = LeapMode.NONE;
    private boolean synced;
    private long estErrorUs = MAX_SYNC_ERROR_US;
    private long maxErrorUs = MAX_SYNC_ERROR_US;
    /** Raw time from which a leap second cleared by a step may be re-armed (while leapRearmPending). */
    private long leapRearmRawNs;
    private boolean leapRearmPending;
    /** False until the first call has taken the kernel's state as the baseline. */
    private boolean started;
    /** Set only during takeControl's call that zeroes the PLL's phase offset with STA_PLL on. */
    private boolean pllReset;

    private LinuxClock(int clockId, int phcFd, String name, double maxFrequencyPpm, double rateTolerancePpm,
            ClockInterferenceListener listener) {
        this.clockId = clockId;
        this.phcFd = phcFd;
        this.name = name;
        this.maxFrequencyPpm = maxFrequencyPpm;
        this.rateTolerancePpm = rateTolerancePpm;
        this.listener = listener;
        this.request = arena.allocate(Timex.LAYOUT);
        this.current = arena.allocate(Timex.LAYOUT);
    }

    /**
     * Opens the system clock {@code clockId} (CLOCK_REALTIME; CLOCK_TAI follows it and cannot be steered) and takes
     * control of it: adjtime() slew and kernel PLL cancelled, STA_UNSYNC set, no leap second, frequency kept.
     *
     * @param rateTolerancePpm drift against CLOCK_MONOTONIC_RAW tolerated before a step is reported
     *                         ({@link #DEFAULT_RATE_TOLERANCE_PPM})
     * @throws IllegalStateException when {@value #FORBID_HOST_CLOCK_ENV} forbids it (see the class comment)
     */
    public static LinuxClock systemClock(int clockId, ClockInterferenceListener listener, double rateTolerancePpm) {
        requireAllowed(clockId, System.getenv(FORBID_HOST_CLOCK_ENV), Libc.defines(VIRTUAL_CLOCK_SYMBOL));
        if (clockId != Clocks.CLOCK_REALTIME) {
            throw new IllegalArgumentException("clock id " + clockId
                    + ": expected CLOCK_REALTIME (0); the kernel steers CLOCK_TAI through it");
        }
        LinuxClock clock = new LinuxClock(clockId, -1, "CLOCK_REALTIME", SYSTEM_MAX_FREQUENCY_PPM, rateTolerancePpm,
                listener);
        try {
            clock.takeControl();
        } catch (RuntimeException e) {
            clock.close();
            throw e;
        }
        return clock;
    }

    /**
     * Opens the PTP hardware clock {@code devicePath} (e.g. /dev/ptp0): clock id from the descriptor, frequency range
     * from PTP_CLOCK_GETCAPS, frequency kept as found.
     */
    public static LinuxClock phc(String devicePath, ClockInterferenceListener listener, double rateTolerancePpm) {
        int fd = Libc.open(devicePath, Sys.O_RDWR | Sys.O_CLOEXEC);
        Libc.check(fd, "open", devicePath);
        LinuxClock clock = null;
        try {
            double maxPpm;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment caps = a.allocate(PtpClockCaps.LAYOUT);
                Libc.check(Libc.ioctl(fd, Ptp.PTP_CLOCK_GETCAPS, caps), "ioctl", "PTP_CLOCK_GETCAPS " + devicePath);
                maxPpm = PtpClockCaps.max_adj(caps) / 1000.0;
            }
            clock = new LinuxClock(Clocks.phcClockId(fd), fd, devicePath, maxPpm, rateTolerancePpm, listener);
            clock.checkInterference(); // the first call only takes the kernel's state as the baseline
            return clock;
        } catch (RuntimeException e) {
            if (clock != null) {
                clock.close();
            } else {
                Libc.close(fd);
            }
            throw e;
        }
    }

    /**
     * The guard: refuses the system clocks when {@code forbidEnv} (the value of {@value #FORBID_HOST_CLOCK_ENV}) is
     * set, unless the virtual-clock shim is loaded.
     */
    static void requireAllowed(int clockId, String forbidEnv, boolean virtualClockLoaded) {
        boolean systemClock = clockId == Clocks.CLOCK_REALTIME || clockId == Clocks.CLOCK_TAI;
        boolean forbidden = forbidEnv != null && !forbidEnv.isEmpty() && !forbidEnv.equals("0");
        if (systemClock && forbidden && !virtualClockLoaded) {
            throw new IllegalStateException(FORBID_HOST_CLOCK_ENV + "=" + forbidEnv + ": refusing to steer this "
                    + "machine's clock (clock id " + clockId + "); load the virtual clock with -D"
                    + Libc.SHIM_PROP_NAME + "=.../libjntpd_vclock.so, or unset " + FORBID_HOST_CLOCK_ENV);
        }
    }

    private boolean isPhc() {
        return phcFd >= 0;
    }

    /** chrony's start: cancel an adjtime() slew, zero the PLL's phase offset, PLL off, unsynchronised, no leap. */
    private synchronized void takeControl() {
        adjtime(0);
        if (Timex.tick(current) < NOMINAL_TICK_US - MAX_DELTA_TICK || Timex.tick(current) > NOMINAL_TICK_US + MAX_DELTA_TICK) {
            throw new IllegalStateException(name + ": kernel tick " + Timex.tick(current) + " us is not within 10% of "
                    + NOMINAL_TICK_US + " us: USER_HZ is not " + USER_HZ);
        }
        Timex.offset(request, 0);
        adjtime(ADJ_OFFSET_SINGLESHOT);
        // The PLL's remaining phase offset outlives clearing STA_PLL: zero it with the PLL on, then switch it off.
        Timex.offset(request, 0);
        pllReset = true;
        try {
            adjtime(ADJ_OFFSET | ADJ_STATUS | ADJ_NANO);
        } finally {
            pllReset = false;
        }
        adjtime(ADJ_STATUS);
    }

    @Override
    public long nowNs() {
        long ns = Libc.clockGettimeNs(clockId);
        if (ns == Long.MIN_VALUE) {
            throw new NativeException("clock_gettime", name, Libc.errno());
        }
        return ns;
    }

    @Override
    public synchronized void setFrequencyPpm(double freqPpm) {
        if (!(Math.abs(freqPpm) <= maxFrequencyPpm)) {
            throw new IllegalArgumentException(name + ": frequency correction " + freqPpm + " ppm outside +-"
                    + maxFrequencyPpm);
        }
        if (isPhc()) {
            Timex.freq(request, Math.round(freqPpm * FREQ_SCALE));
            adjtime(ADJ_FREQUENCY);
            return;
        }
        int tick = tickFor(freqPpm, deltaTick);
        Timex.tick(request, NOMINAL_TICK_US + tick);
        Timex.freq(request, Math.round((freqPpm - tick * PPM_PER_TICK) * FREQ_SCALE));
        adjtime(ADJ_FREQUENCY | ADJ_TICK);
    }

    /**
     * The tick offset (units of {@value #PPM_PER_TICK} ppm) for a total correction, as chrony's set_frequency: the
     * nearest one, unless that is a neighbour of {@code currentDeltaTick}, which then stays (the residual frequency,
     * at most 150 ppm, is well inside the kernel's 500).
     */
    static int tickFor(double freqPpm, int currentDeltaTick) {
        int required = (int) Math.round(freqPpm / PPM_PER_TICK);
        if (Math.abs(required - currentDeltaTick) == 1) {
            required = currentDeltaTick;
        }
        return Math.clamp(required, -MAX_DELTA_TICK, MAX_DELTA_TICK);
    }

    /**
     * The correction in effect, ppm: the kernel's frequency and tick as this clock last left or found them (it starts
     * with what a previous run left; after interference, what the other program set).
     */
    @Override
    public synchronized double frequencyPpm() {
        return frequencyPpm;
    }

    @Override
    public double maxFrequencyPpm() {
        return maxFrequencyPpm;
    }

    /**
     * CLOCK_REALTIME: one tick at the lowest HZ a kernel is built with (100, 10 ms; chrony's sys_linux takes the same
     * bound); a PHC's driver applies adjfine at once.
     */
    @Override
    public long frequencyChangeDelayNs() {
        return isPhc() ? 0 : FREQUENCY_CHANGE_DELAY_NS;
    }

    @Override
    public synchronized void stepNs(long stepNs) {
        // A normalised timeval in ns (ADJ_NANO): whole seconds rounded down, nanoseconds in [0, 1e9).
        Timex.time_sec(request, Math.floorDiv(stepNs, NS_PER_S));
        Timex.time_usec(request, Math.floorMod(stepNs, NS_PER_S));
        adjtime(ADJ_SETOFFSET | ADJ_NANO);
        if (!isPhc()) {
            // The kernel's ntp_clear() on a step: STA_UNSYNC set, maxerror and esterror 16 s, the pending leap
            // second forgotten. Restore the sync status at once; the leap second can be re-armed only after the
            // kernel has passed through TIME_OK at a second boundary.
            if (leapMode != LeapMode.NONE) {
                leapRearmPending = true;
                leapRearmRawNs = baseRawNs + LEAP_REARM_DELAY_NS;
            }
            writeSyncStatus();
        }
    }

    @Override
    public synchronized void setLeap(LeapMode mode) {
        leapMode = mode;
        leapRearmPending = false;
        if (!isPhc()) {
            adjtime(ADJ_STATUS);
        }
    }

    /**
     * chrony's set_sync_status: while synchronised STA_UNSYNC is clear and esterror/maxerror (us, rounded up, at
     * most 16 s) are current; a bound of 16 s or more counts as unsynchronised, and unsynchronised means 16 s both.
     */
    @Override
    public synchronized void setSyncStatus(boolean synced, long estErrorNs, long maxErrorNs) {
        if (isPhc()) {
            return;
        }
        long estUs = MAX_SYNC_ERROR_US;
        long maxUs = MAX_SYNC_ERROR_US;
        boolean sync = synced;
        if (sync) {
            estUs = Math.min(ceilUs(estErrorNs), MAX_SYNC_ERROR_US);
            maxUs = ceilUs(maxErrorNs);
            if (maxUs >= MAX_SYNC_ERROR_US) {
                maxUs = MAX_SYNC_ERROR_US;
                sync = false;
            }
        }
        this.synced = sync;
        this.estErrorUs = estUs;
        this.maxErrorUs = maxUs;
        writeSyncStatus();
    }

    /** Writes the status with the last sync state's esterror and maxerror (without maxerror the kernel unsyncs). */
    private void writeSyncStatus() {
        Timex.esterror(request, estErrorUs);
        Timex.maxerror(request, maxErrorUs);
        adjtime(ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR);
    }

    private static long ceilUs(long ns) {
        return Math.max(0, Math.ceilDiv(ns, 1000L));
    }

    /**
     * Reads the kernel's state and reports interference (and re-arms a leap second a step cleared). Cheap: one
     * clock_adjtime read and a few clock readings; a daemon may call it every second to notice a step soon.
     */
    public synchronized void checkInterference() {
        adjtime(0);
    }

    /** The clock id passed to clock_adjtime / clock_gettime (a PHC's is dynamic). */
    public int clockId() {
        return clockId;
    }

    /**
     * The one place clock_adjtime is called. Reads the kernel's state (modes 0) and reports what changed since this
     * clock's last call; then, when {@code modes} is not 0, applies {@code modes} with the fields of {@link #request}
     * (status composed here from this clock's leap and sync state, PLL bits always off) and takes the kernel's
     * answer and a fresh clock-minus-raw reading as the new baseline.
     */
    private void adjtime(int modes) {
        long offsetNs = sampleOffsetNs();
        long rawNs = sampleRawNs;
        long uncertaintyNs = sampleUncertaintyNs;
        readKernelState();
        if (started) {
            checkDrift(offsetNs, rawNs, uncertaintyNs);
            checkKernelState();
        } else {
            adopt(current);
            started = true;
        }
        baseOffsetNs = offsetNs;
        baseRawNs = rawNs;
        baseUncertaintyNs = uncertaintyNs;
        if (leapRearmPending && rawNs - leapRearmRawNs >= 0 && (modes & ADJ_SETOFFSET) == 0) {
            leapRearmPending = false;
            modes |= ADJ_STATUS;
        }
        if (modes == 0) {
            return;
        }
        if ((modes & ADJ_STATUS) != 0) {
            Timex.status(request, composeStatus(Timex.status(current)));
        }
        Timex.modes(request, modes);
        int rc = Libc.clockAdjtime(clockId, request);
        if (rc < 0) {
            throw new NativeException("clock_adjtime", name + " modes 0x" + Integer.toHexString(modes), Libc.errno());
        }
        if (isPhc() && (modes & ADJ_FREQUENCY) == 0) {
            // A PHC answers only modes 0 with its frequency; other calls hand the request back as it was.
            readKernelState();
            adopt(current);
        } else {
            adopt(request);
        }
        rebase();
    }

    /**
     * The status to write: the kernel's writable bits without the PLL/FLL/PPS ones (phase comes from the core
     * only), STA_UNSYNC unless synchronised, and the leap bit; STA_PLL only for takeControl's PLL reset.
     */
    private int composeStatus(int kernelStatus) {
        int status = kernelStatus & ~(STA_RONLY | PLL_STATUS_BITS | STA_INS | STA_DEL | STA_UNSYNC);
        if (!synced) {
            status |= STA_UNSYNC;
        }
        if (!leapRearmPending) {
            status |= leapMode == LeapMode.INSERT ? STA_INS : leapMode == LeapMode.DELETE ? STA_DEL : 0;
        }
        return pllReset ? status | STA_PLL : status;
    }

    /** Reads the kernel's state into {@link #current} (modes 0: changes nothing); part of {@link #adjtime}. */
    private void readKernelState() {
        Timex.modes(current, 0);
        if (Libc.clockAdjtime(clockId, current) < 0) {
            throw new NativeException("clock_adjtime", name + " (read)", Libc.errno());
        }
    }

    /** Takes the frequency, tick and status of {@code tx} (a kernel answer) as this clock's own. */
    private void adopt(MemorySegment tx) {
        lastFreqScaled = Timex.freq(tx);
        double ppm = lastFreqScaled / FREQ_SCALE;
        if (!isPhc()) {
            lastTick = Timex.tick(tx);
            lastStatus = Timex.status(tx);
            deltaTick = (int) (lastTick - NOMINAL_TICK_US);
            ppm += deltaTick * PPM_PER_TICK;
        }
        frequencyPpm = ppm;
    }

    /** A fresh clock-minus-raw reading as the drift baseline (after this clock changed the clock). */
    private void rebase() {
        baseOffsetNs = sampleOffsetNs();
        baseRawNs = sampleRawNs;
        baseUncertaintyNs = sampleUncertaintyNs;
    }

    /** Compares {@link #current} with what this clock last left in the kernel; reports and adopts a difference. */
    private void checkKernelState() {
        long freq = Timex.freq(current);
        boolean freqChanged = Math.abs(freq - lastFreqScaled) > 1; // 1 LSB: the kernel's ppm round trip
        boolean statusChanged = false;
        if (!isPhc()) {
            freqChanged |= Timex.tick(current) != lastTick;
            statusChanged = ((Timex.status(current) ^ lastStatus) & COMPARED_STATUS_BITS) != 0;
        }
        if (freqChanged || statusChanged) {
            double expectedPpm = frequencyPpm;
            int expectedStatus = lastStatus & COMPARED_STATUS_BITS;
            adopt(current);
            if (freqChanged) {
                listener.frequencyChanged(expectedPpm, frequencyPpm);
            }
            if (statusChanged) {
                listener.statusChanged(expectedStatus, Timex.status(current) & COMPARED_STATUS_BITS);
            }
        }
    }

    /**
     * Reports a change of clock-minus-raw since the last call beyond what this clock's frequency explains, with a
     * tolerance for the readings and for the natural rate; an armed leap second explains one second.
     */
    private void checkDrift(long offsetNs, long rawNs, long uncertaintyNs) {
        long elapsedNs = rawNs - baseRawNs;
        long unexplainedNs = Math.round((offsetNs - baseOffsetNs) - frequencyPpm * 1e-6 * elapsedNs);
        double toleranceNs = DRIFT_SLACK_NS + uncertaintyNs + baseUncertaintyNs
                + rateTolerancePpm * 1e-6 * Math.abs(elapsedNs);
        if (Math.abs(unexplainedNs) <= toleranceNs) {
            return;
        }
        long leapNs = leapMode == LeapMode.INSERT ? -NS_PER_S : leapMode == LeapMode.DELETE ? NS_PER_S : 0;
        if (leapNs != 0 && Math.abs(unexplainedNs - leapNs) <= toleranceNs) {
            return;
        }
        listener.clockStepped(unexplainedNs);
    }

    /**
     * The clock minus CLOCK_MONOTONIC_RAW, read between two raw readings (the narrowest of up to three brackets);
     * leaves the raw time of the reading in {@link #sampleRawNs} and half the bracket in {@link #sampleUncertaintyNs}.
     */
    private long sampleOffsetNs() {
        long bestWidthNs = Long.MAX_VALUE;
        long bestOffsetNs = 0;
        for (int i = 0; i < 3 && bestWidthNs > NARROW_BRACKET_NS; i++) {
            long raw1 = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC_RAW);
            long clockNs = nowNs();
            long raw2 = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC_RAW);
            long widthNs = raw2 - raw1;
            if (widthNs < bestWidthNs) {
                bestWidthNs = widthNs;
                sampleRawNs = raw1 + widthNs / 2;
                bestOffsetNs = clockNs - sampleRawNs;
            }
        }
        sampleUncertaintyNs = bestWidthNs / 2;
        return bestOffsetNs;
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
            if (isPhc()) {
                Libc.close(phcFd);
            }
        }
    }

    @Override
    public String toString() {
        return "LinuxClock[" + name + "]";
    }
}
