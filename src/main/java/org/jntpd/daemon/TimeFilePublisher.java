package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_S;

import java.io.IOException;
import java.nio.file.Path;
import org.jntpd.base.Log;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.sync.SystemState;
import org.jntpd.timefile.TimeFile;
import org.jntpd.wire.NtpPacket;

/**
 * The {@code timefile}: each published state as true time with an error bound (see {@link TimeFile}), written on the
 * synchronisation thread, a few times a minute.
 */
final class TimeFilePublisher implements AutoCloseable {
    /** RFC 5905's MAXDISP: the bound of an unsynchronised clock. */
    private static final long UNSYNCHRONISED_MAX_ERROR_NS = 16 * NS_PER_S;

    private final TimeFile.Writer writer;
    private final Path path;

    private TimeFilePublisher(TimeFile.Writer writer, Path path) {
        this.writer = writer;
        this.path = path;
    }

    /** Opens {@code path} (before the privilege drop: the mapping stays writable); null with the reason logged. */
    static TimeFilePublisher open(String path) {
        try {
            TimeFilePublisher p = new TimeFilePublisher(new TimeFile.Writer(Path.of(path)), Path.of(path));
            Log.info("time file " + path + ": true time with its error bound for applications (docs/TIMEFILE.md)");
            return p;
        } catch (IOException | RuntimeException e) {
            Log.error("cannot write the time file " + path + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * Publishes {@code s} at the disciplined clock's {@code nowNs}: the error bound is the kernel's maximum error
     * (root delay / 2 + root dispersion) plus the last offset, which the clock may still be slewing away; the estimated
     * error is the last offset's standard deviation.
     */
    void publish(SystemState s, long nowNs, double lastOffsetS, double lastOffsetSigmaS, double softwareCorrectionS) {
        long realtimeNs = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        long monotonicNs = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC);
        long maxErrorNs = s.rootDelayNs() / 2 + s.rootDispersionNs(nowNs) + (long) Math.abs(lastOffsetS * 1e9);
        int flags = 0;
        if (s.synced()) {
            flags |= TimeFile.FLAG_SYNCHRONISED;
            flags |= s.leap() == NtpPacket.LEAP_ADD_SECOND ? TimeFile.FLAG_LEAP_INSERT : 0;
            flags |= s.leap() == NtpPacket.LEAP_DELETE_SECOND ? TimeFile.FLAG_LEAP_DELETE : 0;
        } else {
            maxErrorNs = Math.max(maxErrorNs, UNSYNCHRONISED_MAX_ERROR_NS);
        }
        TimeFile.Update u = new TimeFile.Update(realtimeNs, monotonicNs, Math.round(softwareCorrectionS * 1e9), maxErrorNs,
                TimeFile.GROWTH_PPB, flags, (long) (lastOffsetSigmaS * 1e9));
        try {
            writer.write(u);
        } catch (IllegalStateException e) {
            Log.debug("time file " + path + " closed: " + e.getMessage()); // a last update racing the shutdown
        }
    }

    Path path() {
        return path;
    }

    @Override
    public void close() {
        writer.close();
    }
}
