package org.jntpd.clock;

/**
 * Told by the Linux clock ({@code clock.linux.LinuxClock}) when another program changed the clock it steers (chrony's
 * "System clock interference detected (another NTP client?)"). The daemon logs it and re-synchronises: the core's
 * model of the clock no longer holds. Called on the thread that was adjusting or checking the clock, before that
 * adjustment is applied; keep it short (hand the event to the logger) and do not call back into the clock.
 */
public interface ClockInterferenceListener {
    /** Reports nothing (tests, and programs that check {@code LinuxClock.checkInterference()} themselves). */
    ClockInterferenceListener IGNORE = new ClockInterferenceListener() {
        @Override
        public void frequencyChanged(double expectedPpm, double foundPpm) {
        }

        @Override
        public void statusChanged(int expectedStatus, int foundStatus) {
        }

        @Override
        public void clockStepped(long stepNs) {
        }
    };

    /**
     * The kernel's frequency correction (ADJ_FREQUENCY and ADJ_TICK together, ppm, positive = faster) is no longer
     * the one this clock set: someone changed it behind our back.
     */
    void frequencyChanged(double expectedPpm, double foundPpm);

    /**
     * The kernel's status bits (STA_*, read-only bits and STA_UNSYNC left out: the kernel sets that one itself) are
     * no longer those this clock set: for example another daemon switched the kernel PLL on.
     */
    void statusChanged(int expectedStatus, int foundStatus);

    /**
     * The clock moved against the raw monotonic clock by {@code stepNs} (positive = forward) more than this clock's
     * own corrections explain: someone stepped it, or slewed it with adjtime().
     */
    void clockStepped(long stepNs);
}
