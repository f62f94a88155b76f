package org.jntpd.daemon;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jntpd.sync.SyncStatus;
import org.jntpd.sync.Synchroniser;

/**
 * -Q (print the system clock's offset and exit) and -q (set the clock and exit): keeps the last update's result, and
 * waits on the main thread until it answers (-Q: 4 samples, synchronised; -q: also within 100 us) or time runs out.
 */
final class OneShot {
    private static final double SET_WITHIN_S = 100e-6;
    private static final int MIN_SAMPLES = 4;

    /** The last update's result (written on the loop thread, read by the main thread). */
    private record Measurement(SyncStatus status, double offsetS, double correctionS, int samples, boolean answered,
            String message) {}

    private final boolean print;
    private final boolean set;
    private volatile Measurement measurement;
    private int samples;

    /** @param print -Q (measure and print the offset); @param set -q (set the clock) */
    OneShot(boolean print, boolean set) {
        this.print = print;
        this.set = set;
    }

    /** A source took a sample (loop thread). */
    void sampled() {
        samples++;
    }

    /** The synchroniser published (loop thread); {@code correctionS}: what the software clock already corrects. */
    void published(Synchroniser sync, double correctionS) {
        measurement = new Measurement(sync.status(), sync.lastOffsetS(), correctionS, samples, sync.anyAnswered(),
                sync.statusMessage());
    }

    /** Waits for the answer, runs {@code stop}, prints the result; returns the exit code. */
    int await(Runnable stop) {
        long timeoutS = set ? 60 : 20;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        Measurement m = null;
        while (System.nanoTime() - deadline < 0) {
            m = measurement;
            boolean measured = m != null && m.status() == SyncStatus.SYNCHRONISED && m.samples() >= MIN_SAMPLES;
            if (print && measured) {
                break;
            }
            if (set && measured && Math.abs(m.offsetS()) < SET_WITHIN_S) {
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stop.run();
        if (m == null || m.status() != SyncStatus.SYNCHRONISED) {
            // A server that answered, if only to say it is unsynchronised, is named by the synchroniser's status.
            String why = m == null || m.samples() == 0 && !m.answered() ? "no server answered within " + timeoutS + " s"
                    : m.message();
            System.err.println("jntpd: no usable source: " + why);
            return 1;
        }
        if (print) {
            // The system clock's error: what the software correction already holds plus what is still measured.
            double wrongS = m.correctionS() + m.offsetS();
            System.out.printf(Locale.ROOT, "jntpd: system clock offset %+.9f s (%s true time; nothing was changed)%n",
                    -wrongS, wrongS >= 0 ? "behind" : "ahead of");
        } else {
            System.out.printf(Locale.ROOT, "jntpd: clock set, remaining offset %+.9f s%n", m.offsetS());
        }
        return 0;
    }
}
