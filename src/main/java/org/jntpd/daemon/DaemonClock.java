package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_S;

import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;
import org.jntpd.base.Log;
import org.jntpd.base.UtcText;
import org.jntpd.clock.ClockControl;
import org.jntpd.clock.ClockInterferenceListener;
import org.jntpd.clock.LeapMode;
import org.jntpd.clock.SoftwareClock;
import org.jntpd.clock.linux.LinuxClock;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;

/**
 * The clock the daemon disciplines, chosen once at start as chrony's local module picks its driver: the system clock
 * ({@link LinuxClock}) when jntpd controls it, else a {@link SoftwareClock} correction over CLOCK_REALTIME that never
 * changes the system clock (-x, -Q, {@code disable ntp}). Says how kernel timestamps map onto it, watches the system
 * clock for another program's changes, and leaves it tidy at the end.
 */
final class DaemonClock {
    private final ClockControl clock;
    private final LongUnaryOperator kernelToClockNs;
    private final SoftwareClock software;
    private final LinuxClock linux;
    private long lastInterferenceCheckNs;

    private DaemonClock(ClockControl clock, LongUnaryOperator kernelToClockNs, SoftwareClock software, LinuxClock linux) {
        this.clock = clock;
        this.kernelToClockNs = kernelToClockNs;
        this.software = software;
        this.linux = linux;
    }

    /**
     * The system clock, under control: null (and the reason logged) when it cannot be had. {@code interference}
     * hears of another program's changes to it.
     */
    static DaemonClock system(ClockInterferenceListener interference) {
        LinuxClock linux;
        try {
            linux = LinuxClock.systemClock(Clocks.CLOCK_REALTIME, interference, LinuxClock.DEFAULT_RATE_TOLERANCE_PPM);
        } catch (NativeException | IllegalStateException e) {
            Log.error("cannot control the system clock: " + e.getMessage()
                    + " (run as root or with CAP_SYS_TIME, or with -x to measure and serve only)");
            return null;
        }
        return new DaemonClock(linux, LongUnaryOperator.identity(), null, linux);
    }

    /** A software correction over CLOCK_REALTIME: measures and serves, never changes the system clock. */
    static DaemonClock software() {
        SoftwareClock sw = new SoftwareClock(() -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
        Log.info("clock control off (-x): measuring and serving with a software correction; the system clock is never changed");
        return new DaemonClock(sw, raw -> sw.correction().correctedNs(raw), sw, null);
    }

    /** The disciplined clock. */
    ClockControl clock() {
        return clock;
    }

    /** Whether it is the system clock (jntpd steers the kernel). */
    boolean controlsSystemClock() {
        return linux != null;
    }

    /** Maps a kernel timestamp (CLOCK_REALTIME) onto the disciplined clock's timescale. */
    LongUnaryOperator kernelToClockNs() {
        return kernelToClockNs;
    }

    /** How far (s) the software correction moves the system clock's time now; 0 when the system clock is disciplined. */
    double softwareCorrectionS() {
        return software == null ? 0 : software.correction().correctionNs(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME)) * 1e-9;
    }

    /** At most once a second (loop thread): did another program change the system clock? (Reported to the listener.) */
    void checkInterference(long nowNs) {
        if (linux != null && nowNs - lastInterferenceCheckNs > NS_PER_S) {
            lastInterferenceCheckNs = nowNs;
            linux.checkInterference();
        }
    }

    /** At the end: the kernel clock at its base frequency (no slew term), unsynchronised, no leap armed. */
    void leaveTidy(double freqPpm) {
        if (linux != null) {
            try {
                linux.setLeap(LeapMode.NONE);
                linux.setFrequencyPpm(freqPpm);
                linux.setSyncStatus(false, 0, 16 * NS_PER_S);
            } catch (NativeException e) {
                Log.warn("leaving the clock: " + e.getMessage());
            }
            linux.close();
        }
    }

    /**
     * Logs another program's changes to the system clock in chrony's words and names them for the operator's
     * warnings ({@code warning}: a key and a sentence); a frequency change or a step makes the sources re-synchronise
     * ({@code resync}), and a step is passed on ({@code stepped}, ns, positive = forward).
     */
    static ClockInterferenceListener interferenceListener(Runnable resync, LongConsumer stepped,
            BiConsumer<String, String> warning) {
        return new ClockInterferenceListener() {
            @Override
            public void frequencyChanged(double expectedPpm, double foundPpm) {
                // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
                Log.warn(String.format((Locale) null, "System clock interference detected (another NTP client?): frequency "
                        + "%.3f ppm where %.3f ppm was set; re-synchronising", foundPpm, expectedPpm));
                warning.accept("clock:frequency", String.format((Locale) null, "kernel frequency changed from %.3f to "
                        + "%.3f ppm by another process (another NTP client?) at %s", expectedPpm, foundPpm, nowText()));
                resync.run();
            }

            @Override
            public void statusChanged(int expectedStatus, int foundStatus) {
                Log.warn(String.format((Locale) null, "System clock interference detected (another NTP client?): status "
                        + "0x%04x where 0x%04x was set", foundStatus, expectedStatus));
                warning.accept("clock:status", String.format((Locale) null, "kernel clock status changed from 0x%04x to "
                        + "0x%04x by another process (another NTP client?) at %s", expectedStatus, foundStatus, nowText()));
            }

            @Override
            public void clockStepped(long stepNs) {
                Log.warn(String.format((Locale) null, "System clock interference detected: the clock was stepped by %+.6f s "
                        + "behind our back; re-synchronising", stepNs * 1e-9));
                warning.accept("clock:step", String.format((Locale) null, "system clock stepped by another process: "
                        + "%+.3f s at %s", stepNs * 1e-9, nowText()));
                resync.run();
                stepped.accept(stepNs);
            }
        };
    }

    /** The system clock's time to the second, for a warning's "at ...". */
    private static String nowText() {
        return UtcText.ofSeconds(Math.floorDiv(Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), NS_PER_S));
    }
}
