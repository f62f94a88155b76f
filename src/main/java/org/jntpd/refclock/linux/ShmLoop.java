package org.jntpd.refclock.linux;

import java.util.function.LongSupplier;
import org.jntpd.refclock.Refclock;
import org.jntpd.refclock.ShmDriver;
import org.jntpd.refclock.ShmReader;

/**
 * An SHM clock: nothing signals a new sample, so the segment is read every {@link #READ_INTERVAL_NS} and once more
 * right before each poll of the clock (so a poll sees the newest sample).
 */
final class ShmLoop extends DeviceLoop {
    /** gpsd writes once a second; four reads a second keep a sample's age at the read below a quarter second. */
    static final long READ_INTERVAL_NS = 250_000_000L;

    private final int unit;
    private final int permissions;
    private final boolean consume;
    private ShmDriver driver;

    /**
     * @param consume true: the ntpd protocol (clears {@code valid}); false: peek beside another reader of the segment
     */
    ShmLoop(int unit, int permissions, boolean consume, Refclock clock, Object lock, LongSupplier realtimeNs) {
        super("SHM unit " + unit, clock, lock, realtimeNs);
        this.unit = unit;
        this.permissions = permissions;
        this.consume = consume;
    }

    @Override
    void open() {
        ShmSegment segment = ShmSegment.attach(unit, permissions);
        driver = new ShmDriver(segment.segment(), clock, consume);
        opened(segment);
        readNow();
    }

    @Override
    void service(long waitNs) {
        if (readDue(waitNs, READ_INTERVAL_NS)) {
            synchronized (lock) {
                read();
            }
        }
    }

    @Override
    void beforePoll() {
        read();
    }

    private void read() {
        ShmReader.Status s = driver.poll(realtimeNs.getAsLong());
        if (s == ShmReader.Status.CLASH || s == ShmReader.Status.BAD_MODE || s == ShmReader.Status.BAD_TIME) {
            badMessages++;
        }
    }
}
