package org.jntpd.refclock.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.jntpd.base.Log;
import org.jntpd.refclock.NmeaAssembler;
import org.jntpd.refclock.NmeaDriver;
import org.jntpd.refclock.NmeaOffsetEstimator;
import org.jntpd.refclock.NmeaPpsPairer;
import org.jntpd.refclock.PpsDevice;
import org.jntpd.refclock.PpsEvent;
import org.jntpd.refclock.Refclock;

/**
 * An NMEA clock: waits for bytes on the serial port and feeds each chunk, stamped with the time the read returned, to
 * the {@link NmeaAssembler}. With a companion PPS ({@code ppspath}), the latest edge is fetched (without waiting: the
 * kernel stamped it) before each chunk and at every wake-up, so a sentence meets the pulse it belongs to.
 */
final class NmeaLoop extends DeviceLoop {
    private final String path;
    private final int baud;
    private final String ppsPath;
    private final boolean clearEdge;
    private final NmeaAssembler assembler;
    private final NmeaDriver driver;
    private final PpsEvent event = new PpsEvent();
    private SerialPort port;
    private LinuxPpsDevice pps;
    private long lastPulseSequence = -1;
    private final Path offsetFile;

    /**
     * @param learnTime2 {@code time2 auto}: learn the sentence delay against the PPS; start from the saved one
     * @param offsetFile where the learnt delay is read at start and saved; null = not saved
     */
    NmeaLoop(String path, int baud, String ppsPath, Refclock clock, Object lock, LongSupplier realtimeNs,
            boolean learnTime2, String offsetFile) {
        super(ppsPath == null ? path : path + " + " + ppsPath, clock, lock, realtimeNs);
        this.path = path;
        this.baud = baud;
        this.ppsPath = ppsPath;
        this.clearEdge = clock.settings().clearEdge();
        long characterNs = 10_000_000_000L / baud;
        NmeaPpsPairer pairer = ppsPath == null ? null
                : new NmeaPpsPairer(NmeaPpsPairer.Label.PREVIOUS_PULSE, clock.settings().pulsePeriodNs());
        this.driver = new NmeaDriver(clock, NmeaDriver.Anchor.END_OF_LINE, pairer, characterNs);
        this.assembler = new NmeaAssembler(baud, driver);
        this.offsetFile = offsetFile == null ? null : Path.of(offsetFile);
        if (learnTime2) {
            startCalibration(clock);
        }
    }

    /** Takes the delay the last run saved, and learns it anew against the PPS (a configured number never gets here). */
    private void startCalibration(Refclock clock) {
        String refId = clock.settings().refId();
        if (offsetFile != null) {
            NmeaOffsetFile.ReadResult r = NmeaOffsetFile.read(offsetFile);
            if (r.saved() != null) {
                driver.useTime2(r.saved().time2Ns());
                Log.info(String.format(Locale.ROOT, "refclock %s: NMEA offset from %s: %.3f s +- %.3f s (%d sentences)",
                        refId, offsetFile, r.saved().time2Ns() / 1e9, r.saved().spreadNs() / 1e9, r.saved().samples()));
            } else {
                Log.notice("refclock " + refId + ": " + r.problem() + "; the sentences are timed with time2 0 until "
                        + "the PPS has measured it");
            }
        }
        if (ppsPath == null) {
            Log.notice("refclock " + refId + ": time2 auto without a ppspath: nothing to learn it against; using "
                    + (offsetFile != null ? "the saved value" : "0"));
            return;
        }
        driver.calibrate(new NmeaOffsetEstimator(clock.settings().pulsePeriodNs()), (time2Ns, spreadNs, samples) -> {
            Log.notice(String.format(Locale.ROOT, "refclock %s: NMEA offset learnt: %.3f s +- %.3f s from %d sentences",
                    refId, time2Ns / 1e9, spreadNs / 1e9, samples));
            if (offsetFile != null) {
                try {
                    NmeaOffsetFile.write(offsetFile, time2Ns, spreadNs, samples);
                } catch (IOException e) {
                    Log.warn("refclock " + refId + ": cannot save the NMEA offset to " + offsetFile + ": "
                            + e.getMessage());
                }
            }
        });
    }

    @Override
    void open() {
        port = SerialPort.open(path, baud);
        pps = null;
        opened(port);
        if (ppsPath != null) {
            pps = LinuxPpsDevice.open(ppsPath);
            opened(port, pps);
            pps.setCaptureMode(clearEdge ? PpsDevice.CAPTURE_CLEAR : PpsDevice.CAPTURE_ASSERT);
        }
    }

    @Override
    void service(long waitNs) {
        boolean input = port.await(millis(waitNs));
        if (pps != null) {
            takePulse();
        }
        if (!input) {
            return;
        }
        int n = port.read();
        if (n == 0) {
            return;
        }
        long readNs = realtimeNs.getAsLong();
        synchronized (lock) {
            assembler.accept(port.buffer(), 0, n, readNs);
        }
        badMessages = assembler.badChecksums() + assembler.missingChecksums() + driver.malformedSentences();
    }

    private void takePulse() {
        if (!pps.fetch(0, event)) {
            return;
        }
        long sequence = clearEdge ? event.clearSequence : event.assertSequence;
        long timeNs = clearEdge ? event.clearTimeNs : event.assertTimeNs;
        if (sequence == lastPulseSequence || timeNs == 0) {
            return;
        }
        lastPulseSequence = sequence;
        long nowNs = realtimeNs.getAsLong();
        synchronized (lock) {
            driver.onPulse(nowNs, timeNs);
        }
    }

    @Override
    long time2Ns() {
        synchronized (lock) {
            return driver.time2Ns();
        }
    }

    NmeaDriver driver() {
        return driver;
    }
}
