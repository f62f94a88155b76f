package org.jntpd.refclock.linux;

import java.util.function.LongSupplier;
import org.jntpd.refclock.Refclock;
import org.jntpd.refclock.SockDriver;
import org.jntpd.refclock.SockSample;

/** A SOCK clock: waits for datagrams on its socket and hands each to the {@link SockDriver}. */
final class SockLoop extends DeviceLoop {
    /** Datagrams taken per wake-up at most, so a flood cannot keep the runner from its polls. */
    private static final int MAX_BURST = 64;

    private SockReceiver socket;
    private final SockDriver driver;

    SockLoop(String path, Refclock clock, Object lock, LongSupplier realtimeNs) {
        super(path, clock, lock, realtimeNs);
        this.driver = new SockDriver(clock);
    }

    @Override
    void open() {
        socket = SockReceiver.bind(device());
        opened(socket);
    }

    @Override
    void service(long waitNs) {
        if (!socket.await(millis(waitNs))) {
            return;
        }
        for (int i = 0; i < MAX_BURST; i++) {
            long n = socket.receive();
            if (n < 0) {
                return;
            }
            long nowNs = realtimeNs.getAsLong();
            SockSample.Status s;
            synchronized (lock) {
                s = driver.onDatagram(nowNs, socket.buffer(), n);
            }
            if (s != SockSample.Status.OK) {
                badMessages++;
            }
        }
    }
}
