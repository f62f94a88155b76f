package org.jntpd.clock;

/**
 * A clock for unit tests of code that may read the clock but must never steer it (sources, filters, selection):
 * every steering method throws. Its time is set by hand.
 */
public final class ReadOnlyClock implements ClockControl {
    private long nowNs;

    public ReadOnlyClock(long nowNs) {
        this.nowNs = nowNs;
    }

    public void setNowNs(long nowNs) {
        this.nowNs = nowNs;
    }

    @Override
    public long nowNs() {
        return nowNs;
    }

    @Override
    public double frequencyPpm() {
        return 0;
    }

    @Override
    public double maxFrequencyPpm() {
        return 500;
    }

    @Override
    public void setFrequencyPpm(double freqPpm) {
        throw new AssertionError("must not steer the clock: setFrequencyPpm(" + freqPpm + ")");
    }

    @Override
    public void stepNs(long stepNs) {
        throw new AssertionError("must not steer the clock: stepNs(" + stepNs + ")");
    }

    @Override
    public void setLeap(LeapMode mode) {
        throw new AssertionError("must not steer the clock: setLeap(" + mode + ")");
    }

    @Override
    public void setSyncStatus(boolean synced, long estErrorNs, long maxErrorNs) {
        throw new AssertionError("must not steer the clock: setSyncStatus(" + synced + ")");
    }
}
